"""Confusion matrix and per-class IoU of saved segmentation predictions.

The numbers are exactly those of mmseg's ``IoUMetric``: pixels whose ground
truth is ``ignore_index`` are left out, a class's IoU is
``TP / (TP + FP + FN)``, a class with no pixel in the ground truth nor in the
predictions has no IoU (NaN) and is left out of the mean.

Predictions are read as ``tools/test.py CONFIG CKPT --out PRED_DIR`` writes
them, through ``IoUMetric(output_dir=PRED_DIR)``: one 8-bit PNG per test
image named ``<basename of img_path without extension>.png``, holding the
predicted class index, plus 1 when the sample's ``reduce_zero_label`` is
true (so that 0 keeps meaning "unlabeled" in the saved files).
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from PIL import Image


def confusion_matrix(gt: np.ndarray,
                     pred: np.ndarray,
                     num_classes: int,
                     ignore_index: int = 255) -> np.ndarray:
    """Count (ground truth, prediction) pairs of one or more label maps.

    Args:
        gt (np.ndarray): Ground-truth class indices, any shape.
        pred (np.ndarray): Predicted class indices, the same shape.
        num_classes (int): Number of classes N.
        ignore_index (int): Ground-truth value left out. Default: 255.

    Returns:
        np.ndarray: (N, N) int64 matrix, rows = ground truth, columns =
        prediction.

    Raises:
        ValueError: If the shapes differ, or a value of ``gt`` (other than
            ``ignore_index``) or of ``pred`` at a counted pixel is not a
            class index.
    """
    gt = np.asarray(gt)
    pred = np.asarray(pred)
    if gt.shape != pred.shape:
        raise ValueError(f'ground truth {gt.shape} and prediction '
                         f'{pred.shape} differ in shape')
    keep = gt != ignore_index
    gt = gt[keep].astype(np.int64)
    pred = pred[keep].astype(np.int64)
    for name, values in (('ground truth', gt), ('prediction', pred)):
        bad = (values < 0) | (values >= num_classes)
        if bad.any():
            raise ValueError(
                f'{name} holds value {int(values[bad][0])}, not a class '
                f'index 0..{num_classes - 1} (nor ignore_index '
                f'{ignore_index} in the ground truth)')
    counts = np.bincount(gt * num_classes + pred, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes)


def class_iou(matrix: np.ndarray) -> np.ndarray:
    """Per-class IoU from a confusion matrix (rows = ground truth).

    Args:
        matrix (np.ndarray): (N, N) counts.

    Returns:
        np.ndarray: (N,) float64 IoU in [0, 1]; NaN for a class absent from
        both the ground truth and the predictions.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    true_positive = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - true_positive
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(union > 0, true_positive / union, np.nan)


def class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Per-class accuracy (recall) from a confusion matrix.

    Args:
        matrix (np.ndarray): (N, N) counts, rows = ground truth.

    Returns:
        np.ndarray: (N,) float64 in [0, 1]; NaN for a class absent from the
        ground truth.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    total = matrix.sum(axis=1)
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(total > 0, np.diag(matrix) / total, np.nan)


def summary_metrics(matrix: np.ndarray) -> Dict[str, float]:
    """aAcc, mIoU and mAcc in percent, as ``IoUMetric`` reports them.

    Args:
        matrix (np.ndarray): (N, N) counts, rows = ground truth.

    Returns:
        dict: ``aAcc``, ``mIoU`` and ``mAcc`` (NaN classes left out of the
        means), not rounded.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    total = matrix.sum()
    return dict(
        aAcc=100 * np.trace(matrix) / total if total else float('nan'),
        mIoU=100 * _nanmean(class_iou(matrix)),
        mAcc=100 * _nanmean(class_accuracy(matrix)))


def _nanmean(values: np.ndarray) -> float:
    """Mean of the non-NaN values; NaN when there is none."""
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float('nan')


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its sum (rows of absent classes stay 0).

    Args:
        matrix (np.ndarray): (N, N) counts, rows = ground truth.

    Returns:
        np.ndarray: (N, N) float64; row i is the distribution of the
        predictions on the pixels of class i.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    totals = matrix.sum(axis=1, keepdims=True)
    return np.divide(
        matrix, totals, out=np.zeros_like(matrix), where=totals > 0)


def prediction_file(pred_dir: str, img_path: str) -> str:
    """Where ``IoUMetric(output_dir=pred_dir)`` saves an image's prediction.

    Args:
        pred_dir (str): The ``--out`` folder of ``tools/test.py``.
        img_path (str): The sample's ``img_path``.

    Returns:
        str: ``pred_dir/<basename of img_path without extension>.png``.
    """
    stem = osp.splitext(osp.basename(img_path))[0]
    return osp.join(pred_dir, f'{stem}.png')


def read_saved_prediction(path: str, reduce_zero_label: bool) -> np.ndarray:
    """Class indices of a prediction PNG saved by ``IoUMetric``.

    Args:
        path (str): The PNG.
        reduce_zero_label (bool): The sample's ``reduce_zero_label``:
            ``IoUMetric`` then saved ``index + 1``, so 1 is subtracted.

    Returns:
        np.ndarray: (H, W) int64 class indices.

    Raises:
        ValueError: If the file is not a single-channel image, or holds 0
            while ``reduce_zero_label`` says every saved value is >= 1.
    """
    with Image.open(path) as image:
        saved = np.array(image)
    if saved.ndim != 2:
        raise ValueError(f'prediction file {path} has shape {saved.shape}; '
                         f'expected a single-channel label PNG as saved by '
                         f'tools/test.py --out')
    saved = saved.astype(np.int64)
    if reduce_zero_label:
        if (saved == 0).any():
            raise ValueError(
                f'prediction file {path} holds 0, but the dataset uses '
                f'reduce_zero_label, for which tools/test.py --out saves '
                f'class index + 1 (1..N). Was it written by another tool '
                f'or for another config?')
        saved -= 1
    return saved


def confusion_from_prediction_dir(
        samples: Sequence[dict],
        pred_dir: str,
        num_classes: int,
        ignore_index: int = 255,
        progress: Optional[Callable[[], None]] = None) -> np.ndarray:
    """Confusion matrix of a test set against the predictions in a folder.

    Args:
        samples (Sequence[dict]): The test dataset (or any sequence of
            ``PackSegInputs`` outputs), read by index: each item's
            ``data_samples`` has ``gt_sem_seg`` (labels after
            ``reduce_zero_label`` / ``label_map``), ``img_path`` and, when
            the pipeline packs it, ``reduce_zero_label``.
        pred_dir (str): The folder of ``tools/test.py --out``.
        num_classes (int): Number of classes N.
        ignore_index (int): Ground-truth value left out. Default: 255.
        progress (callable, optional): Called with no argument after each
            sample.

    Returns:
        np.ndarray: (N, N) int64 counts, rows = ground truth.

    Raises:
        FileNotFoundError: If a sample has no prediction file (the message
            names the image and the file expected).
        ValueError: If a prediction's size differs from its ground truth's
            or holds a value that is not a class.
    """
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    for index in range(len(samples)):
        data_sample = samples[index]['data_samples']
        img_path = data_sample.img_path
        path = prediction_file(pred_dir, img_path)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'no prediction for test image {img_path}: expected {path} '
                f'(written by tools/test.py CONFIG CHECKPOINT --out '
                f'{pred_dir} with the same test set)')
        # the same lookup as IoUMetric when it saved the file
        offset = bool(data_sample.get('reduce_zero_label', False))
        pred = read_saved_prediction(path, offset)
        gt = data_sample.gt_sem_seg.data.squeeze(0).cpu().numpy()
        if gt.shape != pred.shape:
            raise ValueError(
                f'prediction {path} is {pred.shape[0]}x{pred.shape[1]} but '
                f'the ground truth of {img_path} is {gt.shape[0]}x'
                f'{gt.shape[1]} (HxW); was PRED_DIR written with another '
                f'test pipeline?')
        try:
            matrix += confusion_matrix(gt, pred, num_classes, ignore_index)
        except ValueError as error:
            raise ValueError(f'{path} vs the ground truth of {img_path}: '
                             f'{error}') from error
        if progress is not None:
            progress()
    return matrix


def matrix_to_csv_rows(matrix: np.ndarray,
                       class_names: Sequence[str]) -> List[List[str]]:
    """Rows of a CSV table: a header of predicted classes, then one row per
    ground-truth class.

    Args:
        matrix (np.ndarray): (N, N) values, rows = ground truth.
        class_names (Sequence[str]): The N class names.

    Returns:
        list[list[str]]: The rows, integers written as such, floats with 6
        significant digits.
    """

    def fmt(value) -> str:
        if float(value).is_integer():
            return str(int(value))
        return f'{float(value):.6g}'

    rows = [['ground truth \\ prediction'] + list(class_names)]
    for name, row in zip(class_names, matrix):
        rows.append([name] + [fmt(v) for v in row])
    return rows
