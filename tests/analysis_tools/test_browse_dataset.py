"""tools/analysis_tools/browse_dataset.py: what the model sees, drawn."""
import glob
import os.path as osp

import cv2
import numpy as np
from analysis_testing import run_quietly

from mmseg_dplnet.synthetic import PALETTE
from mmseg_dplnet.visualization import colorize_aux

TOOL = 'tools/analysis_tools/browse_dataset.py'
H, W = 64, 80  # the tiny run's images


def read_rgb(path):
    return np.ascontiguousarray(cv2.imread(path)[..., ::-1])


def test_test_split_drawings_are_the_files(tiny_run, tmp_path):
    out_dir = str(tmp_path / 'test')
    run_quietly([
        TOOL, tiny_run.config, '--split', 'test', '--output-dir', out_dir,
        '--not-show', '--num', '2'
    ])
    drawn = sorted(glob.glob(osp.join(out_dir, '*.png')))
    assert [osp.basename(p) for p in drawn] == [
        '00000_test_00000.png', '00001_test_00001.png'
    ]
    for index, path in enumerate(drawn):
        image = read_rgb(path)
        assert image.shape == (H, 3 * W, 3)  # RGB | depth | label
        stem = f'test_{index:05d}'
        rgb = read_rgb(osp.join(tiny_run.data_root, 'RGB', stem + '.jpg'))
        assert np.array_equal(image[:, :W], rgb)
        depth = cv2.imread(
            osp.join(tiny_run.data_root, 'Depth', stem + '.png'),
            cv2.IMREAD_UNCHANGED)
        same = (image[:, W:2 * W] == colorize_aux(depth, 'depth')).all(-1)
        assert same.mean() > 0.99
        # the label panel: class colours over the RGB image (alpha 0.8)
        label = image[:, 2 * W:].astype(np.int64)
        colors = np.asarray(PALETTE)
        blends = 0.2 * rgb[..., None, :] + 0.8 * colors[None, None]
        nearest = np.abs(label[..., None, :] - blends).sum(-1).min(-1)
        labelled = cv2.imread(
            osp.join(tiny_run.data_root, 'Label', stem + '.png'),
            cv2.IMREAD_UNCHANGED) > 0
        # (the class names written on the regions cover the other pixels)
        assert (nearest[labelled] <= 3).mean() > 0.9


def test_train_split_is_augmented(tiny_run, tmp_path):
    out_dir = str(tmp_path / 'train')
    printed = run_quietly([
        TOOL, tiny_run.config, '--output-dir', out_dir, '--not-show',
        '--num', '8', '--seed', '0'
    ])
    drawn = sorted(glob.glob(osp.join(out_dir, '*.png')))
    assert len(drawn) == 8 and printed.count(' -> ') == 8
    flipped = jittered = 0
    for index, path in enumerate(drawn):
        image = read_rgb(path)
        assert image.shape == (H, 3 * W, 3)
        stem = osp.basename(path)[6:-4]
        rgb = read_rgb(osp.join(tiny_run.data_root, 'RGB', stem + '.jpg'))
        panel = image[:, :W].astype(np.int64)
        straight = np.abs(panel - rgb).mean()
        mirrored = np.abs(panel - rgb[:, ::-1]).mean()
        flipped += mirrored < straight
        jittered += min(straight, mirrored) > 1  # colour jitter on RGB
    # the demo's train pipeline flips half the samples and jitters RGB
    assert 0 < flipped < 8 and jittered == 8
