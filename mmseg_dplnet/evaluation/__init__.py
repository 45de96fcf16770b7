"""Analysis of trained models: confusion matrix and per-class IoU of saved
predictions, multiply-add counting with attention, training-log reading.

Nothing here is registered; the tools under ``tools/analysis_tools/``
import what they use.
"""
from .complexity import (EXTRA_FLOP_HANDLES, Complexity, flop_analyzer,
                         measure_complexity, sdpa_flop_jit)
from .confusion import (class_accuracy, class_iou,
                        confusion_from_prediction_dir, confusion_matrix,
                        matrix_to_csv_rows, normalize_rows, prediction_file,
                        read_saved_prediction, summary_metrics)
from .scalar_logs import (Series, collect_series, find_scalar_logs,
                          is_val_record, logged_keys, read_scalar_log)

__all__ = [
    'EXTRA_FLOP_HANDLES', 'Complexity', 'flop_analyzer', 'measure_complexity',
    'sdpa_flop_jit', 'class_accuracy', 'class_iou',
    'confusion_from_prediction_dir', 'confusion_matrix', 'matrix_to_csv_rows',
    'normalize_rows', 'prediction_file', 'read_saved_prediction',
    'summary_metrics', 'Series', 'collect_series', 'find_scalar_logs',
    'is_val_record', 'logged_keys', 'read_scalar_log'
]
