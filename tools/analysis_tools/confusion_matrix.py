"""Confusion matrix and per-class IoU of the predictions of a test run.

    python tools/test.py CONFIG CHECKPOINT --out PRED_DIR
    python tools/analysis_tools/confusion_matrix.py CONFIG PRED_DIR SAVE_DIR \
        [--normalize] [--title TITLE] [--color-theme CMAP] \
        [--cfg-options ...]

PRED_DIR holds the label PNGs that ``tools/test.py --out`` saved (through
mmseg's ``IoUMetric(output_dir=...)``: ``<image name>.png``, the class
index + 1 when the dataset uses ``reduce_zero_label``; both conventions
are read back exactly, see ``mmseg_dplnet/evaluation/confusion.py``). The
ground truth is read through the config's test dataset and test pipeline,
as ``tools/test.py`` evaluates it (labels after ``reduce_zero_label`` /
``label_map``, pixels of the evaluator's ``ignore_index``, 255 by default,
left out), so the mIoU printed here is the one ``tools/test.py`` printed.

Written to SAVE_DIR:

- ``confusion_matrix.png``: rows = ground truth, columns = prediction,
  pixel counts (``--normalize``: percent of each ground-truth row);
- ``confusion_matrix.csv``: the pixel counts (with ``--normalize`` also
  ``confusion_matrix_normalized.csv``, each row's fractions);
- ``class_iou.png``: per-class IoU bars with the mIoU as a line.
"""
import argparse
import csv
import glob
import os.path as osp
from typing import Dict, List, Sequence, Set

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar, mkdir_or_exist

import mmseg_dplnet  # noqa: F401  (registers the datasets)
from mmseg.registry import DATASETS
from mmseg_dplnet.evaluation import (class_accuracy, class_iou,
                                     confusion_from_prediction_dir,
                                     matrix_to_csv_rows, normalize_rows,
                                     prediction_file, summary_metrics)
from mmseg_dplnet.utils import add_cfg_options_argument, load_config

#: Largest number of classes whose cells are annotated with their value.
MAX_ANNOTATED_CLASSES = 25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Confusion matrix and per-class IoU of the predictions '
        'saved by tools/test.py --out')
    parser.add_argument('config', help='test config file')
    parser.add_argument(
        'pred_dir',
        help='folder of the label PNGs written by tools/test.py CONFIG '
        'CHECKPOINT --out PRED_DIR')
    parser.add_argument(
        'save_dir', help='folder where the plots and the CSV are written')
    parser.add_argument(
        '--normalize',
        action='store_true',
        help='plot each ground-truth row in percent of its pixels')
    parser.add_argument('--title', help='title of the confusion matrix plot')
    parser.add_argument(
        '--color-theme',
        default='Blues',
        help='matplotlib colour map of the confusion matrix')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def evaluator_ignore_index(cfg: Config) -> int:
    """``ignore_index`` of the config's IoUMetric (255 by default)."""
    evaluators = cfg.get('test_evaluator', {})
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    for evaluator in evaluators:
        if evaluator.get('type') == 'IoUMetric':
            return evaluator.get('ignore_index', 255)
    return 255


def agg_figure(**kwargs) -> Figure:
    """A matplotlib figure drawn by the Agg backend (files, no display)."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def check_prediction_names(dataset, pred_dir: str) -> Set[str]:
    """The prediction files of the test images (absolute paths).

    Raises:
        ValueError: If two test images share a file name: ``--out`` saved
            one file for both, the last one overwriting the other.
    """
    owners: Dict[str, str] = {}
    for index in range(len(dataset)):
        img_path = dataset.get_data_info(index)['img_path']
        path = osp.abspath(prediction_file(pred_dir, img_path))
        if path in owners:
            raise ValueError(
                f'test images {owners[path]} and {img_path} have the same '
                f'name: tools/test.py --out saved both as {path}, so their '
                f'predictions cannot be told apart')
        owners[path] = img_path
    return set(owners)


def write_csv(path: str, rows: List[List[str]]) -> None:
    """Write rows of strings as a CSV file."""
    with open(path, 'w', newline='') as f:
        csv.writer(f).writerows(rows)


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


def print_results(class_names: Sequence[str], matrix: np.ndarray,
                  metrics: Dict[str, float]) -> None:
    """Print per-class IoU / Acc and the summary, as IoUMetric does."""
    ious, accs = 100 * class_iou(matrix), 100 * class_accuracy(matrix)
    width = max(len('Class'), *(len(name) for name in class_names))
    print(f'{"Class":<{width}} | {"IoU":>6} | {"Acc":>6}')
    print(f'{"-" * width}-+--------+-------')
    for name, iou, acc in zip(class_names, ious, accs):
        print(f'{name:<{width}} | {iou:6.2f} | {acc:6.2f}')
    print(f'aAcc: {metrics["aAcc"]:.2f}  mIoU: {metrics["mIoU"]:.2f}  '
          f'mAcc: {metrics["mAcc"]:.2f}')


def main() -> None:
    args = parse_args()
    if not osp.isdir(args.pred_dir):
        raise FileNotFoundError(
            f'PRED_DIR {args.pred_dir} is not a folder; write it with '
            f'tools/test.py CONFIG CHECKPOINT --out {args.pred_dir}')
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    class_names = list(dataset.metainfo['classes'])
    ignore_index = evaluator_ignore_index(cfg)

    expected = check_prediction_names(dataset, args.pred_dir)
    print(f'Reading {len(dataset)} test images and their predictions in '
          f'{args.pred_dir}')
    progress = ProgressBar(len(dataset))
    matrix = confusion_from_prediction_dir(
        dataset,
        args.pred_dir,
        len(class_names),
        ignore_index,
        progress=progress.update)
    print()
    unused = set(
        map(osp.abspath, glob.glob(osp.join(args.pred_dir,
                                            '*.png')))) - expected
    if unused:
        print(f'Note: {len(unused)} PNG file(s) in {args.pred_dir} match no '
              f'test image, e.g. {sorted(unused)[0]}')

    metrics = summary_metrics(matrix)
    print_results(class_names, matrix, metrics)

    mkdir_or_exist(args.save_dir)
    write_csv(
        osp.join(args.save_dir, 'confusion_matrix.csv'),
        matrix_to_csv_rows(matrix, class_names))
    shown = matrix
    if args.normalize:
        shown = normalize_rows(matrix)
        write_csv(
            osp.join(args.save_dir, 'confusion_matrix_normalized.csv'),
            matrix_to_csv_rows(shown, class_names))
    title = args.title or ('Normalized confusion matrix'
                           if args.normalize else 'Confusion matrix (pixels)')
    plot_confusion_matrix(shown, class_names,
                          osp.join(args.save_dir, 'confusion_matrix.png'),
                          args.normalize, title, args.color_theme)
    plot_class_iou(
        class_iou(matrix), metrics['mIoU'], class_names,
        osp.join(args.save_dir, 'class_iou.png'))
    print(f'Saved confusion_matrix.png, confusion_matrix.csv and '
          f'class_iou.png to {args.save_dir}')


if __name__ == '__main__':
    main()
