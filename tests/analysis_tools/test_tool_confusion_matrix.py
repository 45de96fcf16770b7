"""Confusion matrix / per-class IoU: the module against mmseg's IoUMetric,
and tools/analysis_tools/confusion_matrix.py on a real test run."""
import csv
import os.path as osp
import re
import shutil

import numpy as np
import pytest
import torch
from analysis_testing import run_quietly
from mmengine.config import Config
from mmengine.structures import PixelData
from PIL import Image

from mmseg.evaluation import IoUMetric
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample
from mmseg_dplnet.evaluation import (class_iou, confusion_from_prediction_dir,
                                     confusion_matrix, normalize_rows,
                                     read_saved_prediction, summary_metrics)
from mmseg_dplnet.synthetic import NYUV2_IDS

TOOL = 'tools/analysis_tools/confusion_matrix.py'
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


def packed(gt: np.ndarray, img_path: str, reduce_zero_label):
    """A PackSegInputs-like sample; ``reduce_zero_label`` None: not packed
    (a pipeline whose meta_keys leave it out)."""
    meta = dict(img_path=img_path)
    if reduce_zero_label is not None:
        meta['reduce_zero_label'] = reduce_zero_label
    sample = SegDataSample(metainfo=meta)
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])
    return sample


@pytest.mark.parametrize('reduce_zero_label', [True, False, None])
def test_reads_back_what_iou_metric_saved(tmp_path, reduce_zero_label):
    """IoUMetric writes the PNGs (the +1 of reduce_zero_label or not); the
    module reads them back into the same classes and the same mIoU."""
    rng = np.random.default_rng(0)
    metric = IoUMetric(output_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=CLASSES)
    samples, outputs = [], []
    for index in range(3):
        gt = rng.integers(0, 3, (6, 7))  # class 'd' never appears
        gt[0, :3] = 255
        pred = rng.integers(0, 3, (6, 7))
        sample = packed(gt, f'/data/RGB/img_{index}.jpg', reduce_zero_label)
        samples.append(dict(data_samples=sample))
        output = sample.clone()
        output.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None])
        outputs.append(output.to_dict())
    metric.process({}, outputs)
    saved = np.array(Image.open(tmp_path / 'img_0.png'))
    pred_0 = outputs[0]['pred_sem_seg']['data'][0].numpy()
    np.testing.assert_array_equal(saved,
                                  pred_0 + (1 if reduce_zero_label else 0))
    np.testing.assert_array_equal(
        read_saved_prediction(
            str(tmp_path / 'img_0.png'), bool(reduce_zero_label)), pred_0)

    matrix = confusion_from_prediction_dir(samples, str(tmp_path), 4)
    ours = summary_metrics(matrix)
    theirs = metric.compute_metrics(metric.results)
    assert np.isnan(class_iou(matrix)[3])
    for key in ('aAcc', 'mIoU', 'mAcc'):
        assert round(ours[key], 2) == pytest.approx(theirs[key], abs=1e-6)


@pytest.fixture
def real_test_set(tiny_run):
    cfg = Config.fromfile(tiny_run.config)
    return DATASETS.build(cfg.test_dataloader.dataset)


def test_missing_prediction_names_the_image(tiny_run, real_test_set, tmp_path):
    partial = tmp_path / 'pred'
    shutil.copytree(tiny_run.pred_dir, partial)
    (partial / 'test_00002.png').unlink()
    with pytest.raises(FileNotFoundError) as error:
        confusion_from_prediction_dir(real_test_set, str(partial), 8)
    message = str(error.value)
    assert 'RGB/test_00002.jpg' in message
    assert str(partial / 'test_00002.png') in message


def test_predictions_of_another_convention_are_refused(tiny_run, real_test_set,
                                                       tmp_path):
    """The test set uses reduce_zero_label: a 0 in a saved PNG cannot come
    from tools/test.py --out."""
    shifted = tmp_path / 'pred'
    shutil.copytree(tiny_run.pred_dir, shifted)
    path = shifted / 'test_00000.png'
    Image.fromarray(np.array(Image.open(path)) - 1).save(path)
    with pytest.raises(ValueError, match='holds 0.*reduce_zero_label'):
        confusion_from_prediction_dir(real_test_set, str(shifted), 8)


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


def test_tool_matches_tools_test(tiny_run, tmp_path):
    save_dir = tmp_path / 'analysis'
    out = run_quietly([
        TOOL, tiny_run.config, tiny_run.pred_dir,
        str(save_dir), '--normalize'
    ])
    found = re.search(r'aAcc: ([\d.]+)\s+mIoU: ([\d.]+)\s+mAcc: ([\d.]+)', out)
    assert found, out[-3000:]
    assert float(found.group(2)) == pytest.approx(tiny_run.test_miou, abs=0.01)
    test_metrics = re.search(
        r'Iter\(test\).*?aAcc: ([\d.]+)\s+mIoU: ([\d.]+)\s+mAcc: ([\d.]+)',
        tiny_run.test_output)
    for ours, theirs in zip(found.groups(), test_metrics.groups()):
        assert float(ours) == pytest.approx(float(theirs), abs=0.01)

    # per-class IoU as IoUMetric's table printed it
    their_table = dict(
        re.findall(r'^\|\s+([a-z ]+?)\s+\|\s+([\d.]+|nan)\s+\|',
                   tiny_run.test_output, re.M))
    our_table = dict(
        re.findall(r'^([a-z ]+?)\s+\|\s+([\d.]+|nan)\s+\|', out, re.M))
    assert len(their_table) == 8 and our_table.keys() == their_table.keys()
    for name, value in their_table.items():
        assert float(our_table[name]) == pytest.approx(
            float(value), abs=0.01), name

    with open(save_dir / 'confusion_matrix.csv') as f:
        rows = list(csv.reader(f))
    assert rows[0][1:] == [
        'wall', 'floor', 'box', 'picture', 'window', 'floor mat', 'cabinet',
        'lamp'
    ]
    assert [row[0] for row in rows[1:]] == rows[0][1:]
    counts = np.array([[int(v) for v in row[1:]] for row in rows[1:]])
    assert counts.sum() == labelled_pixels(tiny_run.data_root)
    with open(save_dir / 'confusion_matrix_normalized.csv') as f:
        fractions = np.array([[float(v) for v in row[1:]]
                              for row in list(csv.reader(f))[1:]])
    np.testing.assert_allclose(
        fractions.sum(axis=1)[counts.sum(1) > 0], 1, rtol=1e-5)

    for name in ('confusion_matrix.png', 'class_iou.png'):
        with Image.open(save_dir / name) as image:
            width, height = image.size
        assert width >= 500 and height >= 400, (name, image.size)
