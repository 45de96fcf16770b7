"""Evaluation: the confusion-matrix metric (registered in mmseg's
``METRICS``), its counting and figures, and multiply-add counting with
attention (``tools/analysis_tools/get_flops.py``)."""
from .complexity import (EXTRA_FLOP_HANDLES, Complexity, flop_analyzer,
                         measure_complexity, sdpa_flop_jit)
from .confusion import (class_accuracy, class_iou, confusion_matrix,
                        matrix_to_csv_rows, normalize_rows, read_matrix_csv,
                        summary_metrics)
from .metrics import ConfusionMatrixMetric

__all__ = [
    'EXTRA_FLOP_HANDLES', 'Complexity', 'flop_analyzer', 'measure_complexity',
    'sdpa_flop_jit', 'ConfusionMatrixMetric', 'class_accuracy', 'class_iou',
    'confusion_matrix', 'matrix_to_csv_rows', 'normalize_rows',
    'read_matrix_csv', 'summary_metrics'
]
