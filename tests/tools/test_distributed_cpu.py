"""tools/dist_train.sh and tools/dist_test.sh with 2 CPU processes (gloo)."""
import os.path as osp
import re
import socket

from dplnet_testing import CONFIG_DIR, run_tool, write_tiny_config
from rgbx_fixtures import write_nyuv2_cmx


def free_port() -> str:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def test_two_process_training_then_testing(tmp_path):
    root = str(tmp_path / 'nyuv2')
    write_nyuv2_cmx(root, counts=dict(train=4, test=2))
    config = write_tiny_config(
        osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py'),
        str(tmp_path / 'cfg.py'), root, max_iters=2)
    work_dir = str(tmp_path / 'work')
    result = run_tool(
        ['tools/dist_train.sh', config, '2', '--work-dir', work_dir],
        env=dict(PORT=free_port(), CUDA_VISIBLE_DEVICES=''))
    log = result.stdout + result.stderr
    assert 'Distributed training: True' in log
    assert re.search(r'GPU number: 2|world_size: 2|World size: 2', log), \
        log[-3000:]
    assert 'Iter(train) [2/2]' in log
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(checkpoint)

    result = run_tool(
        ['tools/dist_test.sh', config, checkpoint, '2', '--work-dir',
         str(tmp_path / 'test')],
        env=dict(PORT=free_port(), CUDA_VISIBLE_DEVICES=''))
    assert re.search(r'mIoU: \d+\.\d+', result.stdout + result.stderr)
