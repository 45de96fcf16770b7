"""Runner checkpoints load weights-only under torch >= 2.6; a checkpoint
whose unpickling would run code is refused, never executed."""
import os
import os.path as osp

import pytest
import torch
from dplnet_testing import (CONFIG_DIR, run_tool, run_tool_expect_failure,
                            write_tiny_config)
from rgbx_fixtures import write_nyuv2_cmx

from mmseg_dplnet.utils import UnsafeCheckpointError, load_local_checkpoint


class RunsCode:
    """Unpickling this calls os.system (creates a marker file)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def evil_checkpoint(path, marker, state_dict=None):
    torch.save({'state_dict': state_dict or {}, 'meta': {
        'note': RunsCode(marker)}}, path)
    return str(path)


def test_loader_refuses_code_and_names_the_file(tmp_path):
    marker = tmp_path / 'pwned'
    path = evil_checkpoint(tmp_path / 'evil.pth', marker)
    with pytest.raises(UnsafeCheckpointError) as error:
        load_local_checkpoint(path)
    assert path in str(error.value) and 'posix.system' in str(error.value)
    assert not marker.exists()


def test_getattr_in_a_checkpoint_is_limited(tmp_path):
    from mmengine.logging import HistoryBuffer

    class ReachesInit:

        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))

    path = str(tmp_path / 'getattr.pth')
    torch.save({'x': ReachesInit()}, path)
    with pytest.raises(UnsafeCheckpointError, match='not allowed'):
        load_local_checkpoint(path)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('safety')
    root = str(tmp / 'nyuv2')
    write_nyuv2_cmx(root, counts=dict(train=2, test=2))
    config = write_tiny_config(osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py'),
                               str(tmp / 'cfg.py'), root, max_iters=1)
    work_dir = str(tmp / 'work')
    run_tool(['tools/train.py', config, '--work-dir', work_dir])
    return config, work_dir


def test_runner_checkpoint_loads_weights_only(trained):
    _, work_dir = trained
    checkpoint = load_local_checkpoint(osp.join(work_dir, 'iter_1.pth'))
    hub = checkpoint['message_hub']
    assert hub['log_scalars']['train/loss'].current() > 0
    assert checkpoint['meta']['iter'] == 1


def test_tools_refuse_a_malicious_checkpoint(trained, tmp_path):
    config, work_dir = trained
    marker = tmp_path / 'pwned'
    weights = torch.load(osp.join(work_dir, 'iter_1.pth'),
                         weights_only=True)['state_dict']
    path = evil_checkpoint(tmp_path / 'evil.pth', marker, weights)
    failed = run_tool_expect_failure(['tools/test.py', config, path])
    assert 'UnsafeCheckpointError' in failed.stderr and path in failed.stderr
    # resuming from it is refused as well
    evil_work = tmp_path / 'resume'
    evil_work.mkdir()
    (evil_work / 'last_checkpoint').write_text(path)
    failed = run_tool_expect_failure(
        ['tools/train.py', config, '--work-dir', str(evil_work), '--resume'])
    assert 'UnsafeCheckpointError' in failed.stderr
    assert not marker.exists()
