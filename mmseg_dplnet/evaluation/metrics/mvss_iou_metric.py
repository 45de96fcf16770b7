"""mmseg's ``IoUMetric`` plus the second mIoU convention MVSS prints."""
from typing import Dict

import numpy as np
from mmengine.logging import print_log

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class MVSSIoUMetric(IoUMetric):
    """``IoUMetric`` that also reports MVSS's ``IouEval`` mIoU.

    MVSS-Baseline prints two mIoUs over the same pixel counts, which differ
    when a class occurs neither in the ground truth nor in the predictions
    of the evaluated split:

    - ``mIoU`` (this metric's stock key; MVSS's ``runningScore``, printed
      as "mIou"): the mean over the classes that occur in the ground truth
      or the predictions; absent classes are skipped.
    - ``mIoU_IouEval`` (MVSS's ``IouEval``, its "Seq mIoU", used there for
      model selection): the mean over ALL classes, an absent class scoring
      IoU 1.0 (``IouEval`` adds 1e-15 to numerator and denominator).

    Both are percentages rounded to 2 decimals like mmseg's, and both are
    printed, labelled, after the per-class table. Everything else (keys,
    per-class table, ``ignore_index``, ``format_only``) is ``IoUMetric``'s;
    ``iou_metrics`` must include ``'mIoU'``.
    """

    #: Key of the ``IouEval`` convention in the returned metrics.
    IOU_EVAL_KEY = 'mIoU_IouEval'

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute mmseg's metrics and the ``IouEval`` mIoU.

        Args:
            results (list): Per-sample (intersect, union, pred, label) areas
                from :meth:`IoUMetric.process`.

        Returns:
            dict[str, float]: ``IoUMetric``'s metrics and
            ``mIoU_IouEval``.
        """
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        if 'mIoU' not in self.metrics:
            raise ValueError(f'{type(self).__name__} needs \'mIoU\' in '
                             f'iou_metrics, got {self.metrics}')
        intersect = sum(result[0] for result in results).numpy()
        union = sum(result[1] for result in results).numpy()
        # a class absent from ground truth and prediction has union 0
        iou_eval = np.where(union > 0, intersect / np.maximum(union, 1), 1.)
        metrics[self.IOU_EVAL_KEY] = np.round(iou_eval.mean() * 100, 2)
        absent = int((union == 0).sum())
        print_log(
            f'mIoU {metrics["mIoU"]:.2f}: mmseg IoUMetric = MVSS '
            f'runningScore "mIou" (classes absent from ground truth and '
            f'prediction skipped: {absent} of {len(union)})\n'
            f'mIoU_IouEval {metrics[self.IOU_EVAL_KEY]:.2f}: MVSS IouEval '
            f'"Seq mIoU" (every class counted, an absent one as 1.0)',
            logger='current')
        return metrics
