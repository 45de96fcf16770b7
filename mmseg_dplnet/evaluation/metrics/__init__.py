from .confusion_matrix_metric import ConfusionMatrixMetric

__all__ = ['ConfusionMatrixMetric']
