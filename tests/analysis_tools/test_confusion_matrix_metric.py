"""The confusion-matrix metric: its counting by hand and against mmseg's
IoUMetric, and its files from a real tools/test.py run."""
import csv
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from PIL import Image

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample
from mmseg_dplnet.evaluation import (class_iou, confusion_matrix,
                                     normalize_rows, summary_metrics)
from mmseg_dplnet.synthetic import NYUV2_IDS

CLASSES = ('a', 'b', 'c', 'd')


def test_matrix_and_iou_by_hand():
    gt = np.array([[0, 0, 1], [1, 2, 255]])
    pred = np.array([[0, 1, 1], [1, 1, 3]])
    matrix = confusion_matrix(gt, pred, num_classes=4)
    expected = np.zeros((4, 4), dtype=np.int64)
    expected[0, 0], expected[0, 1], expected[1, 1], expected[2, 1] = 1, 1, 2, 1
    np.testing.assert_array_equal(matrix, expected)
    # a: 1 / (2 + 1 - 1); b: 2 / (2 + 4 - 2); c: 0 / 1; d: never seen
    np.testing.assert_allclose(class_iou(matrix), [0.5, 0.5, 0., np.nan])
    assert summary_metrics(matrix)['mIoU'] == pytest.approx(100 / 3)
    np.testing.assert_allclose(normalize_rows(matrix)[0], [.5, .5, 0, 0])
    with pytest.raises(ValueError, match='value 7, not a class index'):
        confusion_matrix(gt, np.full_like(pred, 7), num_classes=4)


def read_matrix(path: str):
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    return rows, np.array([[int(v) for v in row[1:]] for row in rows[1:]])


def test_counts_what_iou_metric_counts(tmp_path):
    rng = np.random.default_rng(0)
    ours = METRICS.build(
        dict(type='ConfusionMatrixMetric', output_dir=str(tmp_path)))
    theirs = IoUMetric()
    outputs = []
    for _ in range(3):
        gt = rng.integers(0, 3, (6, 7))  # class 'd' never appears
        gt[0, :3] = 255
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])
        sample.pred_sem_seg = PixelData(
            data=torch.from_numpy(rng.integers(0, 3, (6, 7)))[None])
        outputs.append(sample.to_dict())
    for metric in (ours, theirs):
        metric.dataset_meta = dict(classes=CLASSES)
        metric.process({}, outputs)
    assert ours.evaluate(3) == {}  # the metrics are IoUMetric's
    rows, matrix = read_matrix(str(tmp_path / 'confusion_matrix.csv'))
    assert rows[0][1:] == list(CLASSES) and matrix.sum() == 3 * (42 - 3)
    expected = theirs.evaluate(3)
    for key, value in summary_metrics(matrix).items():
        assert round(value, 2) == pytest.approx(expected[key], abs=1e-6)
    assert np.isnan(class_iou(matrix)[3])
    for name in ('confusion_matrix.png', 'class_iou.png'):
        with Image.open(tmp_path / name) as image:
            assert min(image.size) >= 400


def labelled_pixels(data_root: str) -> int:
    """Pixels of the test labels holding one of the 8 classes (read from
    the label files, independently of the dataset code; 0 = unlabeled)."""
    with open(osp.join(data_root, 'test.txt')) as f:
        stems = f.read().split()
    return sum(
        int(
            np.isin(
                np.array(
                    Image.open(osp.join(data_root, 'Label', stem + '.png'))),
                [i for i in NYUV2_IDS if i != 0]).sum()) for stem in stems)


def test_files_of_a_tools_test_run(tiny_run):
    """tools/test.py with the metric in its test evaluator: the matrix of
    the whole test set, agreeing with the IoUMetric lines printed."""
    rows, matrix = read_matrix(
        osp.join(tiny_run.test_dir, 'confusion_matrix.csv'))
    assert rows[0][1:] == [
        'wall', 'floor', 'box', 'picture', 'window', 'floor mat', 'cabinet',
        'lamp'
    ]
    assert [row[0] for row in rows[1:]] == rows[0][1:]
    assert matrix.sum() == labelled_pixels(tiny_run.data_root)
    printed = re.search(
        r'Iter\(test\).*?aAcc: ([\d.]+)\s+mIoU: ([\d.]+)\s+mAcc: ([\d.]+)',
        tiny_run.test_output).groups()
    ours = summary_metrics(matrix)
    for key, value in zip(('aAcc', 'mIoU', 'mAcc'), printed):
        assert ours[key] == pytest.approx(float(value), abs=0.006), key
    # per-class IoU as IoUMetric's table printed it
    table = dict(
        re.findall(r'^\|\s+([a-z ]+?)\s+\|\s+([\d.]+|nan)\s+\|',
                   tiny_run.test_output, re.M))
    assert len(table) == 8
    for name, iou in zip(rows[0][1:], 100 * class_iou(matrix)):
        assert float(table[name]) == pytest.approx(
            iou, abs=0.006, nan_ok=True), name
    for name in ('confusion_matrix.png', 'class_iou.png'):
        with Image.open(osp.join(tiny_run.test_dir, name)) as image:
            width, height = image.size
        assert width >= 500 and height >= 400, (name, image.size)
