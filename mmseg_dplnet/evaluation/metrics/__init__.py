from .confusion_matrix_metric import ConfusionMatrixMetric
from .mvss_iou_metric import MVSSIoUMetric
from .sod_metric import SODMetric

__all__ = ['ConfusionMatrixMetric', 'MVSSIoUMetric', 'SODMetric']
