"""tools/train.py -> tools/test.py -> tools/train.py --resume, for real, on
a tiny NYUv2 dataset written to disk, with a scaled-down DPLNet config."""
import glob
import os.path as osp
import re

import pytest
import torch
from dplnet_testing import CONFIG_DIR, run_tool, write_tiny_config
from rgbx_fixtures import write_nyuv2_cmx

NYUV2 = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py')


@pytest.fixture(scope='module')
def tiny_nyuv2(tmp_path_factory):
    root = tmp_path_factory.mktemp('nyuv2')
    write_nyuv2_cmx(str(root), counts=dict(train=4, test=2))
    return str(root)


def train(config, work_dir, *extra):
    return run_tool(['tools/train.py', config, '--work-dir', work_dir,
                     *extra]).stdout


def final_state(work_dir, iteration):
    checkpoint = torch.load(
        osp.join(work_dir, f'iter_{iteration}.pth'), weights_only=False)
    return checkpoint


def test_train_test_and_resume(tiny_nyuv2, tmp_path):
    # A: 4 deterministic iterations in one go.
    straight = write_tiny_config(NYUV2, str(tmp_path / 'straight.py'),
                                 tiny_nyuv2, max_iters=4, deterministic=True)
    train(straight, str(tmp_path / 'a'))
    # B: 2 iterations, test the checkpoint, then resume to 4.
    first = write_tiny_config(NYUV2, str(tmp_path / 'first.py'), tiny_nyuv2,
                              max_iters=2, deterministic=True,
                              **{'param_scheduler.0.end': 4})
    work_b = str(tmp_path / 'b')
    train(first, work_b)
    assert osp.isfile(osp.join(work_b, 'iter_2.pth'))

    out = run_tool(['tools/test.py', first, osp.join(work_b, 'iter_2.pth'),
                    '--work-dir', str(tmp_path / 'test_b')]).stdout
    assert re.search(r'mIoU: \d+\.\d+', out), out[-2000:]

    resumed = train(straight, work_b, '--resume')
    assert re.search(r'resumed.*iter: 2', resumed, re.I | re.S), \
        resumed[-3000:]
    assert 'Iter(train) [3/4]' in resumed and 'Iter(train) [1/4]' not in \
        resumed

    a, b = final_state(str(tmp_path / 'a'), 4), final_state(work_b, 4)
    assert b['meta']['iter'] == 4 and b['message_hub']['runtime_info'][
        'iter'] == a['message_hub']['runtime_info']['iter']
    # iteration counter, LR schedule, optimizer momentum and data order all
    # restored: the resumed run ends with the very same weights
    for key, value in a['state_dict'].items():
        torch.testing.assert_close(b['state_dict'][key], value, msg=key)
    assert b['param_schedulers'] == a['param_schedulers']
    momentum_a = [s['momentum_buffer'] for s in a['optimizer']['state'].values()]
    momentum_b = [s['momentum_buffer'] for s in b['optimizer']['state'].values()]
    assert len(momentum_a) == len(momentum_b) > 0
    for x, y in zip(momentum_a, momentum_b):
        torch.testing.assert_close(x, y)


def test_resume_without_a_checkpoint_starts_from_scratch(tiny_nyuv2,
                                                         tmp_path):
    config = write_tiny_config(NYUV2, str(tmp_path / 'cfg.py'), tiny_nyuv2,
                               max_iters=1)
    out = train(config, str(tmp_path / 'w'), '--resume')
    assert glob.glob(str(tmp_path / 'w' / 'iter_1.pth'))
    assert 'Iter(train) [1/1]' in out
