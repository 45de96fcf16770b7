"""tools/analysis_tools/benchmark_pipeline.py on synthetic data in each
dataset's layout (mmseg_dplnet.synthetic.write_layout_samples)."""
import os.path as osp
import sys

import cv2
import pytest
import torch

from mmseg.registry import DATASETS
from mmseg_dplnet.synthetic import write_layout_samples
from dplnet_testing import load_script
from rgbx_testing import REPO_ROOT, load_config

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'benchmark_pipeline.py')


@pytest.fixture(scope='module')
def tool():
    return load_script(TOOL)


@pytest.mark.parametrize('config, overrides', [
    ('nyuv2', {}),
    ('nyuv2', dict(aux_bit_depth=16)),
    ('sunrgbd', {}),
    ('mfnet', {}),
    ('pst900', dict(aux_bit_depth=16)),
])
def test_synthetic_dataset_in_the_config_layout(tool, tmp_path, config,
                                                overrides):
    cfg = load_config(config)
    dataset_cfg = dict(
        cfg.train_dataloader.dataset, data_root=str(tmp_path), **overrides)
    probe = DATASETS.build(dict(dataset_cfg, lazy_init=True))
    layout = write_layout_samples(probe, str(tmp_path), (24, 32), 5)
    assert layout == probe.LAYOUTS[0].name
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 5
    total, per_transform = tool.time_pipeline(dataset, 3, warmup=1)
    assert total > 0
    assert set(per_transform) == {'(get_data_info)'
                                  } | {t['type']
                                       for t in cfg.train_pipeline}


def test_command_line_reports_throughput(tool, monkeypatch, capsys, tmp_path):
    config = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', 'mfnet.py')
    monkeypatch.setattr(sys, 'argv', [
        TOOL, config, '--synthetic', '24', '32', '--num-samples', '4',
        '--warmup', '1', '--data-root',
        str(tmp_path / 'absent')
    ])
    threads = torch.get_num_threads(), cv2.getNumThreads()
    try:
        tool.main()
    finally:
        torch.set_num_threads(threads[0])
        cv2.setNumThreads(threads[1])
    out = capsys.readouterr().out
    assert 'synthetic 24x32 samples, original layout' in out
    assert 'LoadRGBXImageFromFile' in out and 'RGBColorJitter' in out
    assert 'train pipeline throughput: ' in out and 'samples/s' in out
