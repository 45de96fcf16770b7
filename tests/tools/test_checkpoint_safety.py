"""Runner checkpoints load weights-only under torch >= 2.6, by file or by
URL; a checkpoint whose unpickling would run code is refused, never
executed; a file that is no checkpoint says why."""
import functools
import http.server
import os
import os.path as osp
import shutil
import threading

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader
from dplnet_testing import (CONFIG_DIR, run_tool, run_tool_expect_failure,
                            write_tiny_config)
from rgbx_fixtures import write_nyuv2_cmx

from mmseg_dplnet.utils import (CheckpointFileError, UnsafeCheckpointError,
                                load_local_checkpoint)


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


def test_files_that_are_not_checkpoints_say_why(tmp_path):
    real = tmp_path / 'real.pth'
    torch.save({'state_dict': {'w': torch.arange(10000.)}}, real)
    content = real.read_bytes()
    cases = {
        'empty.pth': (b'', 'is empty (0 bytes)'),
        'truncated.pth': (content[:len(content) // 2], 'is truncated'),
        'page.pth': (b'\n<!DOCTYPE html><html><body>Get it</body></html>',
                     'is not a PyTorch checkpoint: it starts with '
                     "b'\\n<!DOCTYPE html><html><b'. It looks like a web"),
        'noise.pth': (bytes(range(7, 200)), 'is not a PyTorch checkpoint'),
    }
    for name, (data, cause) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(CheckpointFileError) as error:
            load_local_checkpoint(str(path))
        assert f'checkpoint file {path} {cause}' in str(error.value), name
    with pytest.raises(FileNotFoundError, match='absent.pth does not exist'):
        load_local_checkpoint(str(tmp_path / 'absent.pth'))
    # the same diagnosis where mmengine loads files (load_from, init_cfg)
    with pytest.raises(CheckpointFileError, match='is truncated'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'truncated.pth'))
    assert load_local_checkpoint(str(real))['state_dict']['w'][-1] == 9999


def test_plain_torch_load_after_import(trained, tmp_path):
    """torch's own allowlist: a plain weights-only torch.load of a runner
    checkpoint works once mmseg_dplnet is imported; code is still refused."""
    _, work_dir = trained
    marker = tmp_path / 'pwned'
    evil = evil_checkpoint(tmp_path / 'evil.pth', marker)
    script = (
        'import pickle, sys, torch\n'
        'import mmseg_dplnet\n'
        'checkpoint = torch.load(sys.argv[1], weights_only=True)\n'
        'print("loaded", sorted(checkpoint))\n'
        'try:\n'
        '    torch.load(sys.argv[2], weights_only=True)\n'
        'except pickle.UnpicklingError as error:\n'
        '    print("refused", type(error).__name__)\n')
    out = run_tool(['-c', script, osp.join(work_dir, 'iter_1.pth'),
                    evil]).stdout
    assert "'message_hub'" in out and "'random_states'" in out, out
    assert 'refused UnpicklingError' in out
    assert not marker.exists()


@pytest.fixture
def http_folder(tmp_path, monkeypatch):
    """A folder served over http on localhost; downloads go to tmp_path."""
    folder = tmp_path / 'served'
    folder.mkdir()
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    yield folder, f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


def test_http_checkpoints_follow_the_same_rules(trained, http_folder,
                                                tmp_path):
    folder, url = http_folder
    _, work_dir = trained
    shutil.copy(osp.join(work_dir, 'iter_1.pth'), folder / 'runner.pth')
    loaded = CheckpointLoader.load_checkpoint(f'{url}/runner.pth')
    assert loaded['meta']['iter'] == 1  # a runner checkpoint loads
    marker = tmp_path / 'pwned'
    evil_checkpoint(folder / 'evil.pth', marker)
    # mmengine's own http loader would unpickle it with weights_only=False
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        CheckpointLoader.load_checkpoint(f'{url}/evil.pth')
    assert not marker.exists()
