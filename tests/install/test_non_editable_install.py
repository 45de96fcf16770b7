"""`pip install .` (not editable) into a fresh venv, then, from a folder
outside the checkout: the configs found by package path (mmengine's
``mmseg_dplnet::`` syntax, through the package's model-index), and a
scaled-down recipe trained and tested with ``mim train`` / ``mim test``.

One venv serves every assertion (about a minute): torch, torchvision, the
OpenMMLab packages and openmim come from uv's cache, mmcv from the wheel
``make setup`` cached.
"""
import glob
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
import torchvision
from dplnet_testing import REPO_ROOT
from rgbx_fixtures import write_nyuv2_cmx

# the user's config: an installed recipe, scaled down for a CPU test
USER_CONFIG = """_base_ = ['mmseg_dplnet::dplnet/nyuv2_b5.py']
data_root = {data_root!r}
model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=32, num_layers=[1, 1, 1, 1]),
        init_cfg=None),
    decode_head=dict(
        in_channels=[32, 64, 160, 256], embed_dims=32, channels=16))
loader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
train_dataloader = dict(loader, batch_size=2)
val_dataloader = loader
test_dataloader = val_dataloader
train_cfg = dict(max_iters=2, val_interval=2)
param_scheduler = [
    dict(type='PolyLR', power=0.9, begin=0, end=2, by_epoch=False)]
default_hooks = dict(
    checkpoint=dict(interval=2, save_best=None), logger=dict(interval=1))
"""


def cached_mmcv_wheel() -> str:
    """The mmcv wheel `make setup` built for this torch (see setup_env.sh)."""
    cache = os.environ.get('MMSEG_DPLNET_CACHE') or osp.join(
        os.environ.get('XDG_CACHE_HOME') or osp.expanduser('~/.cache'),
        'mmseg-dplnet')
    version = torch.__version__.split('+')[0]
    wheels = glob.glob(
        osp.join(cache, 'wheels', f'mmcv-2.1.0-torch{version}-*',
                 'mmcv-2.1.0-*.whl'))
    if not wheels:
        pytest.fail(f'no cached mmcv wheel for torch {version} under {cache}; '
                    f'run `make setup` first')
    return wheels[0]


def run(command, cwd, env):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, (
        f'{" ".join(command)} exited {result.returncode}\n'
        f'{result.stdout[-4000:]}\n{result.stderr[-4000:]}')
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(python of the fresh venv, a folder outside the checkout, env)."""
    root = tmp_path_factory.mktemp('install')
    source = root / 'source'  # the checkout's files, as a fresh clone has
    files = subprocess.run(
        ['git', 'ls-files', '-co', '--exclude-standard'], cwd=REPO_ROOT,
        capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if osp.isfile(osp.join(REPO_ROOT, name)):
            os.makedirs(source / osp.dirname(name), exist_ok=True)
            with open(osp.join(REPO_ROOT, name), 'rb') as f:
                (source / name).write_bytes(f.read())
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    uv = osp.join(osp.dirname(sys.executable), 'uv')
    venv = root / 'venv'
    run([uv, 'venv', '-q', '-p', sys.executable, str(venv)], str(root), env)
    python = str(venv / 'bin' / 'python')
    run([
        uv, 'pip', 'install', '-q', '--python', python,
        f'torch=={torch.__version__.split("+")[0]}',
        f'torchvision=={torchvision.__version__.split("+")[0]}',
        cached_mmcv_wheel(),
        str(source), 'openmim'
    ], str(root), env)
    elsewhere = root / 'elsewhere'
    elsewhere.mkdir()
    return python, str(elsewhere), env


def test_configs_by_package_path(installed):
    python, elsewhere, env = installed
    out = run([
        python, '-c', 'import mmseg_dplnet\n'
        'from mmengine.hub import get_config\n'
        'print("package", mmseg_dplnet.__file__)\n'
        'cfg = get_config("mmseg_dplnet::dplnet/nyuv2_b5.py")\n'
        'print("config", cfg.filename)\n'
        'print("runner", cfg.runner_type)\n'
    ], elsewhere, env)
    package = re.search(r'^package (.+)$', out, re.M).group(1)
    config = re.search(r'^config (.+)$', out, re.M).group(1)
    # the installed copy, not the checkout
    assert package.startswith(osp.dirname(osp.dirname(python)))
    assert not package.startswith(REPO_ROOT)
    assert config == osp.join(
        osp.dirname(package), '.mim', 'configs', 'dplnet', 'nyuv2_b5.py')
    assert 'runner PortableRunner' in out


def test_mim_train_and_test_an_inherited_recipe(installed):
    python, elsewhere, env = installed
    data_root = osp.join(elsewhere, 'nyuv2')
    write_nyuv2_cmx(data_root, counts=dict(train=4, test=2),
                    size=(480, 640))  # the recipe's own sizes
    config = osp.join(elsewhere, 'my_nyuv2.py')
    with open(config, 'w') as f:
        f.write(USER_CONFIG.format(data_root=data_root))
    mim = osp.join(osp.dirname(python), 'mim')
    out = run([mim, 'train', 'mmseg_dplnet', config, '--work-dir', 'work'],
              elsewhere, env)
    assert 'Iter(train) [2/2]' in out
    # the recipe's AmpOptimWrapper without CUDA: bf16 autocast where this
    # CPU computes in bf16, fp32 otherwise, said either way
    assert re.search(r'training in (bf16 autocast|fp32)', out), out[-3000:]
    checkpoint = osp.join(elsewhere, 'work', 'iter_2.pth')
    assert osp.isfile(checkpoint)
    out = run([
        mim, 'test', 'mmseg_dplnet', config, '--checkpoint', checkpoint,
        '--work-dir', 'test'
    ], elsewhere, env)
    assert re.search(r'Iter\(test\).*mIoU: \d+\.\d+', out), out[-3000:]
