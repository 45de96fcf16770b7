"""tools/train.py -> tools/test.py -> tools/train.py --resume (and resume=True
in the config), for real, on a tiny NYUv2 dataset written to disk, with a
scaled-down DPLNet config whose dropout, stochastic depth and augmentations
are on: the resumed run equals the uninterrupted one bit for bit."""
import glob
import os.path as osp
import re
import shutil

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
    """With dropout, stochastic depth and the random augmentations on."""
    stochastic = {
        'model.backbone.drop_path_rate': 0.1,
        'model.decode_head.dropout_ratio': 0.5
    }
    # A: 6 iterations in one go.
    straight = write_tiny_config(NYUV2, str(tmp_path / 'straight.py'),
                                 tiny_nyuv2, max_iters=6, **stochastic)
    train(straight, str(tmp_path / 'a'))
    # B: 3 iterations, test the checkpoint, then resume to 6.
    first = write_tiny_config(NYUV2, str(tmp_path / 'first.py'), tiny_nyuv2,
                              max_iters=3, **stochastic,
                              **{'param_scheduler.0.end': 6})
    work_b = str(tmp_path / 'b')
    train(first, work_b)
    assert osp.isfile(osp.join(work_b, 'iter_3.pth'))
    # C: the same first 3 iterations, to resume through the config instead
    work_c = str(tmp_path / 'c')
    shutil.copytree(work_b, work_c)

    out = run_tool(['tools/test.py', first, osp.join(work_b, 'iter_3.pth'),
                    '--work-dir', str(tmp_path / 'test_b')]).stdout
    assert re.search(r'mIoU: \d+\.\d+', out), out[-2000:]

    resumed = {
        'b': train(straight, work_b, '--resume'),
        # resume=True in the config: resumed as --resume does (mmseg's
        # train.py alone would start again from iteration 1)
        'c': train(straight, work_c, '--cfg-options', 'resume=True'),
    }
    a = final_state(str(tmp_path / 'a'), 6)
    for name, log in resumed.items():
        assert re.search(r'resumed.*iter: 3', log, re.I | re.S), log[-3000:]
        assert 'Iter(train) [4/6]' in log and 'Iter(train) [1/6]' not in log
        assert 'random streams' not in log  # the states were restored
        b = final_state(osp.join(tmp_path, name), 6)
        assert b['meta']['iter'] == 6 and b['message_hub']['runtime_info'][
            'iter'] == a['message_hub']['runtime_info']['iter']
        # iteration counter, LR schedule, optimizer momentum, data order and
        # the random streams all restored: the very same weights
        assert a['state_dict'].keys() == b['state_dict'].keys()
        for key, value in a['state_dict'].items():
            assert torch.equal(b['state_dict'][key], value), (name, key)
        assert b['param_schedulers'] == a['param_schedulers']
        momentum = [[s['momentum_buffer']
                     for s in c['optimizer']['state'].values()]
                    for c in (a, b)]
        assert len(momentum[0]) == len(momentum[1]) > 0
        for x, y in zip(*momentum):
            assert torch.equal(x, y)


def test_resume_without_a_checkpoint_starts_from_scratch(tiny_nyuv2,
                                                         tmp_path):
    config = write_tiny_config(NYUV2, str(tmp_path / 'cfg.py'), tiny_nyuv2,
                               max_iters=1)
    out = train(config, str(tmp_path / 'w'), '--resume')
    assert glob.glob(str(tmp_path / 'w' / 'iter_1.pth'))
    assert 'Iter(train) [1/1]' in out
