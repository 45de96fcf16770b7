"""Confusion matrix and per-class IoU: counting, tables and figures.

The numbers are exactly those of mmseg's ``IoUMetric``: pixels whose ground
truth is ``ignore_index`` are left out, a class's IoU is
``TP / (TP + FP + FN)``, a class with no pixel in the ground truth nor in the
predictions has no IoU (NaN) and is left out of the mean.
"""
import csv
from typing import Dict, List, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Largest number of classes whose cells are annotated with their value.
MAX_ANNOTATED_CLASSES = 25


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


def write_csv(path: str, rows: List[List[str]]) -> None:
    """Write rows of strings as a CSV file."""
    with open(path, 'w', newline='') as f:
        csv.writer(f).writerows(rows)


def read_matrix_csv(path: str) -> Tuple[List[str], np.ndarray]:
    """Read back a confusion matrix written by :func:`matrix_to_csv_rows`.

    Args:
        path (str): The CSV file (e.g. ``confusion_matrix.csv`` of
            ``ConfusionMatrixMetric``).

    Returns:
        tuple[list[str], np.ndarray]: The class names and the (N, N) counts.
    """
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    return [row[0] for row in rows[1:]], np.array(
        [[float(v) for v in row[1:]] for row in rows[1:]])


def agg_figure(**kwargs) -> Figure:
    """A matplotlib figure drawn by the Agg backend (files, no display)."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str],
                          path: str, normalized: bool, title: str,
                          cmap: str) -> None:
    """Save the matrix as an image, class names on both axes.

    Args:
        matrix (np.ndarray): (N, N) counts, or row fractions when
            ``normalized``.
        class_names (Sequence[str]): The N class names.
        path (str): The PNG to write.
        normalized (bool): Show percentages instead of counts.
        title (str): Plot title.
        cmap (str): Matplotlib colour map.
    """
    num = len(class_names)
    shown = 100 * matrix if normalized else matrix
    side = max(6., 0.45 * num + 3)
    fig = agg_figure(figsize=(side, side * 0.9), dpi=100)
    ax = fig.subplots()
    image = ax.imshow(
        shown,
        cmap=cmap,
        interpolation='nearest',
        vmin=0,
        vmax=100 if normalized else None)
    colorbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    colorbar.set_label(
        '% of the ground-truth class' if normalized else 'pixels')
    ax.set_xticks(
        np.arange(num),
        labels=class_names,
        rotation=45,
        ha='right',
        rotation_mode='anchor')
    ax.set_yticks(np.arange(num), labels=class_names)
    ax.set_xlabel('Prediction')
    ax.set_ylabel('Ground truth')
    ax.set_title(title)
    if num <= MAX_ANNOTATED_CLASSES:
        threshold = np.nanmax(shown) / 2 if shown.size else 0
        fontsize = 9 if num <= 12 else 6
        for row in range(num):
            for col in range(num):
                value = shown[row, col]
                text = f'{value:.1f}' if normalized else f'{int(value)}'
                ax.text(
                    col,
                    row,
                    text,
                    ha='center',
                    va='center',
                    fontsize=fontsize,
                    color='white' if value > threshold else 'black')
    fig.tight_layout()
    fig.savefig(path)


def plot_class_iou(ious: np.ndarray, miou: float, class_names: Sequence[str],
                   path: str) -> None:
    """Save per-class IoU bars (percent), the mIoU as a dashed line.

    Classes without IoU (absent from the ground truth and the predictions)
    are marked "n/a".
    """
    num = len(class_names)
    percent = 100 * ious
    fig = agg_figure(figsize=(max(6., 0.4 * num + 2), 4.5), dpi=100)
    ax = fig.subplots()
    positions = np.arange(num)
    ax.bar(positions, np.nan_to_num(percent), color='tab:blue')
    for position, value in zip(positions, percent):
        text = 'n/a' if np.isnan(value) else f'{value:.1f}'
        ax.text(
            position,
            1 if np.isnan(value) else value + 1,
            text,
            ha='center',
            va='bottom',
            fontsize=7,
            rotation=90)
    ax.axhline(
        miou, color='tab:red', linestyle='--', label=f'mIoU {miou:.2f}%')
    ax.set_xticks(
        positions,
        labels=class_names,
        rotation=45,
        ha='right',
        rotation_mode='anchor')
    ax.set_ylim(0, 100)
    ax.set_ylabel('IoU (%)')
    ax.set_title(f'Per-class IoU (mIoU {miou:.2f}%)')
    ax.legend(loc='upper right')
    fig.tight_layout()
    fig.savefig(path)
