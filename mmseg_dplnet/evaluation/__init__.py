"""Evaluation: the confusion-matrix metric, MVSS's two mIoUs and the
salient object detection metrics (registered in mmseg's ``METRICS``), the
confusion counting and figures, and multiply-add counting with attention
(``tools/analysis_tools/get_flops.py``)."""
from .complexity import (EXTRA_FLOP_HANDLES, Complexity, flop_analyzer,
                         measure_complexity, sdpa_flop_jit)
from .confusion import (class_accuracy, class_iou, confusion_matrix,
                        matrix_to_csv_rows, normalize_rows, read_matrix_csv,
                        summary_metrics)
from .metrics import ConfusionMatrixMetric, MVSSIoUMetric, SODMetric

__all__ = [
    'EXTRA_FLOP_HANDLES', 'Complexity', 'flop_analyzer', 'measure_complexity',
    'sdpa_flop_jit', 'ConfusionMatrixMetric', 'MVSSIoUMetric', 'SODMetric',
    'class_accuracy', 'class_iou', 'confusion_matrix', 'matrix_to_csv_rows',
    'normalize_rows', 'read_matrix_csv', 'summary_metrics'
]
