"""mmseg's own shipped tools (mmseg/.mim/tools) on a scaled-down
configs/dplnet/nyuv2_b5.py, unchanged (its AMP setting included), on this
CPU-only machine: train.py trains (with our runner), test.py gives the
metrics our test.py gives, with and without --tta, benchmark.py times."""
import json
import os.path as osp
import re

import pytest
import torch
from dplnet_testing import CONFIG_DIR, mmseg_tool, run_tool, write_tiny_config
from rgbx_fixtures import write_nyuv2_cmx

NYUV2 = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py')
# a CPU taken as one without bf16: the recipe's AMP falls back to fp32
NO_GPU = dict(CUDA_VISIBLE_DEVICES='', MMSEG_DPLNET_CPU_BF16='0')
#: The test images mmseg's benchmark.py times (after 5 warm-up ones).
BENCHMARK_IMAGES = 205
METRICS = re.compile(r'Iter\(test\).*?(aAcc: [\d.]+\s+mIoU: [\d.]+\s+'
                     r'mAcc: [\d.]+)')


@pytest.fixture(scope='module')
def scaled_recipe(tmp_path_factory):
    """The recipe scaled down (AmpOptimWrapper kept), on 4 training and
    205 test images; ``test_small`` lists 2 of them."""
    root = tmp_path_factory.mktemp('nyuv2_mmseg_tools')
    write_nyuv2_cmx(
        str(root), counts=dict(train=4, test=BENCHMARK_IMAGES))
    with open(root / 'test.txt') as f:
        (root / 'test_small.txt').write_text(''.join(f.readlines()[:2]))
    config = write_tiny_config(NYUV2, str(root / 'nyuv2_b5_tiny.py'),
                               str(root), max_iters=2, deterministic=True)
    return str(root), config


def test_train_test_tta_benchmark_as_ours(scaled_recipe, tmp_path):
    root, config = scaled_recipe
    small = ['--cfg-options', 'test_dataloader.dataset.split=test_small']
    # (our tools/train.py runs mmseg's script: tested by the other tests)
    out = run_tool([
        mmseg_tool('train.py'), config, '--work-dir',
        str(tmp_path / 'train')
    ] + small,
                   env=NO_GPU)
    log = out.stdout + out.stderr
    assert 'No CUDA: AmpOptimWrapper (mixed precision) is replaced by ' \
        'OptimWrapper, training in fp32' in log, log[-3000:]
    assert 'Iter(train) [2/2]' in log
    checkpoint = str(tmp_path / 'train' / 'iter_2.pth')
    assert 'optimizer' in torch.load(checkpoint, weights_only=False)
    printed = {}
    for name, tool in (('mmseg', mmseg_tool('test.py')),
                       ('ours', 'tools/test.py')):
        for tta in ([], ['--tta']):
            out = run_tool([tool, config, checkpoint, '--work-dir',
                            str(tmp_path / f'{name}_test')] + tta + small,
                           env=NO_GPU)
            log = out.stdout + out.stderr
            found = METRICS.search(log)
            assert found, log[-3000:]
            printed[name, bool(tta)] = found.group(1)
            if tta:
                assert 'SegTTAModel' in log
    assert printed['mmseg', False] == printed['ours', False]
    assert printed['mmseg', True] == printed['ours', True]

    # mmseg's benchmark times 200 test images after 5 warm-up ones
    work_dir = tmp_path / 'benchmark'
    out = run_tool([
        mmseg_tool('analysis_tools/benchmark.py'), config, checkpoint,
        '--work-dir',
        str(work_dir), '--log-interval', '100'
    ],
                   env=NO_GPU).stdout
    assert 'Overall fps' in out, out[-2000:]
    (result, ) = work_dir.glob('fps_*.json')
    fps = json.loads(result.read_text())['average_fps']
    assert fps > 0
