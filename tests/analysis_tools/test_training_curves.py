"""Training curves of our runs with mmseg's own analyze_logs.py (it reads
the runner's vis_data/scalars.json, which our runs write)."""
import glob
import os.path as osp

import numpy as np
from analysis_testing import run_quietly
from dplnet_testing import mmseg_tool
from PIL import Image


def test_mmseg_analyze_logs_plots_the_resumed_run(tiny_run, tmp_path):
    logs = sorted(
        glob.glob(osp.join(tiny_run.work_dir, '*', 'vis_data',
                           'scalars.json')))
    assert len(logs) == 2  # the first run and the resumed one
    out_png = str(tmp_path / 'curves.png')
    printed = run_quietly([
        mmseg_tool('analysis_tools/analyze_logs.py'), *logs, '--keys',
        'loss', 'mIoU', '--legend', 'loss (run 1)', 'mIoU (run 1)',
        'loss (resumed)', 'mIoU (resumed)', '--backend', 'agg', '--out',
        out_png
    ])
    assert printed.count('metric is loss') == 2, printed[-2000:]
    with Image.open(out_png) as image:
        pixels = np.asarray(image.convert('RGB'))
    # a drawn figure: axes, two curves and markers in several colours
    assert pixels.shape[0] >= 400 and pixels.shape[1] >= 500
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20
