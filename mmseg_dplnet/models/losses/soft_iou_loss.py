"""Soft IoU loss of a one-channel (sigmoid) saliency logit map."""
from typing import Optional

import torch
import torch.nn as nn

from mmseg.registry import MODELS


@MODELS.register_module()
class SoftIoULoss(nn.Module):
    """``1 - soft IoU`` of the sigmoid of a one-channel logit map, per image.

    The IoU term of the salient-object-detection loss "BCE + IoU" (LSNet,
    BASNet): for each image, ``sum(p * g) / sum(p + g - p * g)`` over its
    valid pixels, with ``p`` the sigmoid probability and ``g`` the binary
    ground truth; the loss is the mean of ``1 - IoU`` over the batch. Pixels
    labelled ``ignore_index`` (the data preprocessor's padding) are left
    out. mmseg 1.2.2 has no such loss for a one-channel output (its
    ``TverskyLoss``, IoU at alpha = beta = 1, takes a softmax over the
    channels, constant for one channel); its ``DiceLoss`` is another
    measure. Use beside ``CrossEntropyLoss(use_sigmoid=True)``::

        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.),
            dict(type='SoftIoULoss', loss_weight=1.)
        ]

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        eps (float): Added to the union, for images without foreground and
            prediction. Defaults to 1.0 (``IoU -> 1`` when both are empty).
        loss_name (str): Name of the loss in the log. Defaults to
            'loss_iou'.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 eps: float = 1.0,
                 loss_name: str = 'loss_iou') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps
        self._loss_name = loss_name

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Logits, ``(N, 1, H, W)``.
            target (Tensor): Labels 0 / 1 (or ``ignore_index``),
                ``(N, H, W)``.
            weight (Tensor, optional): Per-pixel weights, ``(N, H, W)``.
            ignore_index (int): Label of pixels left out. Defaults to 255.

        Returns:
            Tensor: The weighted scalar loss.
        """
        if pred.dim() != 4 or pred.shape[1] != 1:
            raise ValueError(
                f'SoftIoULoss takes one-channel logits (N, 1, H, W) of a '
                f'binary model (decode_head out_channels=1), got '
                f'{tuple(pred.shape)}')
        valid = (target != ignore_index).to(pred)
        if weight is not None:
            valid = valid * weight
        prob = pred[:, 0].sigmoid() * valid
        truth = (target == 1).to(pred) * valid
        intersection = (prob * truth).flatten(1).sum(1)
        union = (prob + truth - prob * truth).flatten(1).sum(1)
        iou = (intersection + self.eps) / (union + self.eps)
        return self.loss_weight * (1 - iou).mean()

    @property
    def loss_name(self) -> str:
        """Name of the loss in the log (mmseg's convention)."""
        return self._loss_name
