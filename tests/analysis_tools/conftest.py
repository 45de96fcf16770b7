"""The tiny trained run shared by the analysis tool tests (see
analysis_testing.py)."""
import glob
import os.path as osp

import pytest
from analysis_testing import (TEST_METRICS, TinyRun, run_quietly,
                              tiny_config_text)

from mmseg_dplnet.synthetic import write_synthetic_nyuv2


@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory) -> TinyRun:
    root = str(tmp_path_factory.mktemp('analysis_run'))
    data_root = osp.join(root, 'data')
    write_synthetic_nyuv2(data_root, 8, 4, seed=0, size=(64, 80))
    config = osp.join(root, 'tiny_dplnet.py')
    with open(config, 'w') as f:
        f.write(tiny_config_text(data_root))
    work_dir = osp.join(root, 'work')
    run_quietly(['tools/train.py', config, '--work-dir', work_dir])
    run_quietly([
        'tools/train.py', config, '--work-dir', work_dir, '--resume',
        '--cfg-options', 'train_cfg.max_iters=6'
    ])
    checkpoint = osp.join(work_dir, 'iter_6.pth')
    assert osp.isfile(checkpoint)
    test_output = run_quietly([
        'tools/test.py', config, checkpoint, '--work-dir',
        osp.join(root, 'test')
    ])
    found = TEST_METRICS.search(test_output)
    assert found, test_output[-3000:]
    (test_dir, ) = glob.glob(osp.join(root, 'test', '*', ''))
    return TinyRun(
        config=config,
        data_root=data_root,
        work_dir=work_dir,
        checkpoint=checkpoint,
        test_dir=test_dir,
        test_output=test_output,
        test_miou=float(found.group(2)),
        root=root)
