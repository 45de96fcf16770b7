"""A confusion matrix of the test (or validation) set, as files."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.utils import mkdir_or_exist

from mmseg.registry import METRICS
from ..confusion import (class_iou, confusion_matrix, matrix_to_csv_rows,
                         normalize_rows, plot_class_iou, plot_confusion_matrix,
                         summary_metrics, write_csv)


@METRICS.register_module()
class ConfusionMatrixMetric(BaseMetric):
    """Count (ground truth, prediction) pixel pairs and save them as files.

    Add it to an evaluator beside ``IoUMetric``::

        test_evaluator = [
            dict(type='IoUMetric', iou_metrics=['mIoU']),
            dict(type='ConfusionMatrixMetric')
        ]

    It writes, into ``output_dir`` (default: the run's log folder
    ``WORK_DIR/<timestamp>/``):

    - ``confusion_matrix.csv``: pixel counts, rows = ground truth, columns =
      prediction, with the class names;
    - ``confusion_matrix.png``: the rows normalised (where each class's
      pixels went), cells annotated up to 25 classes;
    - ``class_iou.png``: per-class IoU bars with the mIoU, the numbers of
      ``IoUMetric``.

    It counts what ``IoUMetric`` counts (pixels whose ground truth is
    ``ignore_index`` are left out) and returns no metric of its own. mmseg's
    ``tools/analysis_tools/confusion_matrix.py`` re-reads saved prediction
    files instead; this works in the same test run, on any number of ranks.

    Args:
        ignore_index (int): Ground-truth value left out. Defaults to 255.
        output_dir (str, optional): Where the files go.
        cmap (str): Matplotlib colour map of the matrix. Defaults to 'Blues'.
        collect_device (str): Device for gathering across ranks.
        prefix (str, optional): Prefix of the metric names (none here).
    """

    def __init__(self,
                 ignore_index: int = 255,
                 output_dir: Optional[str] = None,
                 cmap: str = 'Blues',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ignore_index = ignore_index
        self.output_dir = output_dir
        self.cmap = cmap

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Count the pixels of a batch of predictions.

        Args:
            data_batch (dict): The batch (unused).
            data_samples (Sequence[dict]): Outputs with ``pred_sem_seg`` and
                ``gt_sem_seg``.
        """
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze().cpu().numpy()
            gt = sample['gt_sem_seg']['data'].squeeze().cpu().numpy()
            self.results.append(
                confusion_matrix(gt, pred, num_classes, self.ignore_index))

    def _output_dir(self) -> str:
        if self.output_dir is not None:
            return self.output_dir
        log_file = MMLogger.get_current_instance().log_file
        if log_file is None:
            raise ValueError(
                f'{type(self).__name__} needs output_dir outside a runner '
                f'(which gives its log folder)')
        return osp.dirname(log_file)

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        """Write the files of the summed matrix.

        Args:
            results (list[np.ndarray]): One matrix per sample.

        Returns:
            dict: Empty: the metrics are ``IoUMetric``'s.
        """
        matrix = np.sum(results, axis=0)
        classes = [str(name) for name in self.dataset_meta['classes']]
        folder = self._output_dir()
        mkdir_or_exist(folder)
        write_csv(
            osp.join(folder, 'confusion_matrix.csv'),
            matrix_to_csv_rows(matrix, classes))
        plot_confusion_matrix(
            normalize_rows(matrix), classes,
            osp.join(folder, 'confusion_matrix.png'), True,
            'Confusion matrix (rows: ground truth, normalised)', self.cmap)
        plot_class_iou(
            class_iou(matrix),
            summary_metrics(matrix)['mIoU'], classes,
            osp.join(folder, 'class_iou.png'))
        print_log(
            f'confusion matrix of {int(matrix.sum())} pixels: '
            f'confusion_matrix.csv, confusion_matrix.png and class_iou.png '
            f'in {folder}',
            logger='current')
        return {}
