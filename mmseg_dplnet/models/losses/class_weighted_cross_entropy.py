"""Cross-entropy with class weights that tolerates ignored pixels."""
from typing import Optional

import torch

from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS


@MODELS.register_module()
class ClassWeightedCrossEntropyLoss(CrossEntropyLoss):
    """mmseg's softmax cross-entropy, averaged as torch's weighted mean.

    mmseg 1.2.2's ``CrossEntropyLoss`` computes the mean of a class-weighted
    loss by indexing ``class_weight`` with every label, so a batch that
    contains ``ignore_index`` (255: NYUv2's unlabeled pixels after
    ``reduce_zero_label``) raises an IndexError. This loss passes the
    correct normaliser itself: the sum of the class weights of the
    non-ignored pixels, i.e. ``F.cross_entropy(weight=class_weight,
    ignore_index=..., reduction='mean')``, the official DPLNet loss.

    Args:
        **kwargs: :class:`mmseg.models.losses.CrossEntropyLoss` arguments;
            ``use_sigmoid`` and ``use_mask`` are not supported.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.use_sigmoid or self.use_mask:
            raise ValueError('ClassWeightedCrossEntropyLoss is a softmax '
                             'loss: use_sigmoid / use_mask are not supported')

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: int = -100,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits, (N, C, H, W).
            label (Tensor): Labels, (N, H, W).
            weight (Tensor, optional): Pixel-wise weights.
            avg_factor (float, optional): Normaliser of the mean; derived
                from the class weights when None.
            reduction_override (str, optional): 'none', 'mean' or 'sum'.
            ignore_index (int): Label value that carries no loss.

        Returns:
            Tensor: The loss.
        """
        reduction = reduction_override or self.reduction
        if (avg_factor is None and reduction == 'mean'
                and self.class_weight is not None and weight is None):
            class_weight = cls_score.new_tensor(self.class_weight)
            avg_factor = class_weight[label[label != ignore_index]].sum()
        return super().forward(
            cls_score,
            label,
            weight=weight,
            avg_factor=avg_factor,
            reduction_override=reduction_override,
            ignore_index=ignore_index,
            **kwargs)
