"""The all-MLP decoder of the official DPLNet."""
from typing import List

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw, resize
from mmseg.registry import MODELS


@MODELS.register_module()
class DPLNetHead(BaseDecodeHead):
    """SegFormer's all-MLP head as DPLNet trains it, plus a class projection.

    Each stage map goes through a Linear C_i -> ``embed_dims`` and is
    resized to stage 1's size; the maps are concatenated in the order stage
    4, 3, 2, 1 and fused by a 1x1 conv (no bias) + norm + activation, then
    Dropout2d, a 1x1 conv to ``channels`` (the 150 outputs of the ADE20K
    SegFormer head) and ``conv_seg``, the 1x1 projection to
    ``num_classes``. The official model applies that last conv after a x4
    bilinear upsampling; both are linear per pixel, so running it first
    (and letting mmseg resize the logits) gives the same result.

    Args:
        embed_dims (int): Width of the MLP embedding. Default: 768.
        channels (int): Intermediate width before ``conv_seg``.
            Default: 150.
        dropout_ratio (float): Dropout2d after the fusion. Default: 0.5.
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels``,
            ``num_classes``, ``norm_cfg``, ``loss_decode``, ...).
    """

    def __init__(self,
                 embed_dims: int = 768,
                 channels: int = 150,
                 dropout_ratio: float = 0.5,
                 **kwargs):
        kwargs.setdefault('input_transform', 'multiple_select')
        kwargs.setdefault('act_cfg', dict(type='ReLU'))
        super().__init__(
            channels=channels, dropout_ratio=dropout_ratio, **kwargs)
        if self.input_transform != 'multiple_select':
            raise ValueError("DPLNetHead needs input_transform "
                             "'multiple_select'")
        self.stage_projections = nn.ModuleList(
            nn.Linear(in_channels, embed_dims)
            for in_channels in self.in_channels)
        self.fusion = ConvModule(
            embed_dims * len(self.in_channels),
            embed_dims,
            kernel_size=1,
            bias=False,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.intermediate_proj = nn.Conv2d(embed_dims, channels, 1)

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Decode the backbone's stage maps into class logits.

        Args:
            inputs (list[Tensor]): Backbone outputs.

        Returns:
            Tensor: Logits at stage 1's resolution, (B, num_classes, H/4,
            W/4).
        """
        inputs = self._transform_inputs(inputs)
        size = inputs[0].shape[2:]
        embedded = []
        for feature, projection in zip(inputs, self.stage_projections):
            x = nlc_to_nchw(projection(nchw_to_nlc(feature)),
                            feature.shape[2:])
            if x.shape[2:] != size:
                x = resize(
                    x, size=size, mode='bilinear',
                    align_corners=self.align_corners)
            embedded.append(x)
        x = self.fusion(torch.cat(embedded[::-1], dim=1))
        if self.dropout is not None:
            x = self.dropout(x)
        return self.conv_seg(self.intermediate_proj(x))
