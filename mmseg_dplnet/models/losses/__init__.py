from .class_weighted_cross_entropy import ClassWeightedCrossEntropyLoss
from .soft_iou_loss import SoftIoULoss

__all__ = ['ClassWeightedCrossEntropyLoss', 'SoftIoULoss']
