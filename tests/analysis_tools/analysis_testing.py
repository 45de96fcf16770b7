"""Helpers of the analysis tool tests: running the tools, the shared run.

The session fixture ``tiny_run`` (conftest.py) writes a synthetic NYUv2
dataset (8 train / 4 test images, 64x80, CMX layout), trains a small
DualPromptMiT config inheriting ``configs/demo/dplnet_synthetic.py`` for 4
iterations with ``tools/train.py`` (validation every 2), resumes it to 6 (a
second timestamped run in the same work dir), and tests the final
checkpoint with ``tools/test.py``, whose evaluator (the demo data config's)
includes the confusion-matrix metric.
"""
import os.path as osp
import re
from dataclasses import dataclass

from dplnet_testing import CONFIG_DIR, run_tool

DEMO_CONFIG = osp.join(CONFIG_DIR, 'demo', 'dplnet_synthetic.py')
#: One thread per tool: other test sessions may share the 2 cores, and
#: OpenMP threads that wait for each other slow down 10-100x then.
ONE_THREAD = {'OMP_NUM_THREADS': '1'}
TEST_METRICS = re.compile(
    r'Iter\(test\).*?aAcc: ([\d.]+)\s+mIoU: ([\d.]+)\s+mAcc: ([\d.]+)')


@dataclass
class TinyRun:
    """Files of the shared run.

    Attributes:
        config (str): The tiny config.
        data_root (str): The synthetic dataset.
        work_dir (str): Train work dir (two timestamped runs).
        checkpoint (str): Final checkpoint (iteration 6).
        test_dir (str): The log folder of the test run (the metric's files).
        test_output (str): What tools/test.py printed.
        test_miou (float): The mIoU tools/test.py printed.
        root (str): Temporary folder of it all.
    """
    config: str
    data_root: str
    work_dir: str
    checkpoint: str
    test_dir: str
    test_output: str
    test_miou: float
    root: str


def tiny_config_text(data_root: str) -> str:
    """A 64x80, 4-iteration version of the demo DPLNet config."""
    return f"""_base_ = [{DEMO_CONFIG!r}]
data_root = {data_root!r}
model = dict(
    backbone=dict(init_cfg=None),
    data_preprocessor=dict(size=(64, 80)))
train_dataloader = dict(batch_size=2, dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=4, val_interval=2)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=2))
"""


def run_quietly(args) -> str:
    """``run_tool`` with one OpenMP thread; returns stdout + stderr."""
    result = run_tool(args, env=ONE_THREAD)
    return result.stdout + result.stderr
