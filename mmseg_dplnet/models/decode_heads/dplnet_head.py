"""The all-MLP decoder of the official DPLNet."""
import functools
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS


@functools.lru_cache(maxsize=64)
def _interpolation_matrix(size_in: int, size_out: int,
                          align_corners: bool) -> torch.Tensor:
    """(size_out, size_in): 1-d linear interpolation as PyTorch's bilinear
    resize computes it (obtained by resizing the identity), float64."""
    eye = torch.eye(size_in, dtype=torch.float64).view(1, size_in, 1, size_in)
    columns = F.interpolate(
        eye, size=(1, size_out), mode='bilinear', align_corners=align_corners)
    return columns.view(size_in, size_out).t().contiguous()


def bilinear_resize(x: torch.Tensor, size: Tuple[int, int],
                    align_corners: bool) -> torch.Tensor:
    """``F.interpolate(x, size, mode='bilinear', align_corners=...)`` as two
    matrix products with the separable interpolation matrices.

    ``F.interpolate`` gives the same values, but its CPU kernels (forward
    and, slower still, backward) are scalar loops: resizing the decoder's
    768-channel stage maps to 120x160 takes 60-75 ms forward + backward per
    map in bf16 on a 2-core AVX-512 CPU, and 6-18 ms as matrix products (in
    fp32 about 1.3x faster too). Under autocast the products run in the
    autocast dtype. Traced, it is ``F.interpolate``.

    Args:
        x (Tensor): (B, C, H, W).
        size (tuple[int, int]): The output (H', W').
        align_corners (bool): As for ``F.interpolate``.

    Returns:
        Tensor: (B, C, H', W').
    """
    if torch.jit.is_tracing() or torch.compiler.is_compiling():
        # traced (get_flops' counter; ONNX export, torch.export): the
        # resize operator itself, counted and exported as a resize, for
        # symbolic sizes too
        return F.interpolate(
            x, size=size, mode='bilinear', align_corners=align_corners)
    (height, width), (out_height, out_width) = x.shape[2:], size
    kwargs = dict(dtype=x.dtype, device=x.device)
    rows = _interpolation_matrix(height, out_height, align_corners)
    columns = _interpolation_matrix(width, out_width, align_corners)
    rows, columns = rows.to(**kwargs), columns.to(**kwargs)
    return torch.matmul(rows, torch.matmul(x, columns.t()))


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

    The parameters are the official ones, but the linear steps run in a
    cheaper, equivalent order: each stage's Linear is folded with its slice
    of the fusion conv and applied before the bilinear resize (see
    :meth:`_fuse`), and the two final 1x1 convs are applied as one. At
    480x640 this cuts the head from about 49 to 4 GMACs.

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
        x = self._fuse(self._transform_inputs(inputs))
        if self.fusion.with_norm:
            x = self.fusion.norm(x)
        if self.fusion.with_activation:
            x = self.fusion.activate(x)
        if self.dropout is not None:
            x = self.dropout(x)
        # intermediate_proj then conv_seg, as one 1x1 conv
        seg = self.conv_seg.weight.flatten(1)
        weight = seg @ self.intermediate_proj.weight.flatten(1)
        bias = seg @ self.intermediate_proj.bias + self.conv_seg.bias
        return F.conv2d(x, weight[:, :, None, None], bias)

    def _fuse(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """The fusion conv (before its norm) of the concatenated embeddings.

        The fusion conv sees the resized embeddings concatenated in the
        order stage 4, 3, 2, 1; its weight splits into one slice per stage.
        Each slice is folded into the stage's Linear and applied at the
        stage's own resolution, before the (linear) bilinear resize, and the
        stage results are summed: equal to resizing, concatenating and
        convolving, at a small part of the cost.

        Args:
            inputs (list[Tensor]): Stage maps, stage 1 first.

        Returns:
            Tensor: (B, embed_dims, H1, W1), stage 1's resolution.
        """
        size = inputs[0].shape[2:]
        conv = self.fusion.conv
        slices = conv.weight.flatten(1).split(conv.out_channels, dim=1)[::-1]
        fused = 0
        for feature, projection, fusion in zip(inputs, self.stage_projections,
                                               slices):
            # (E, C) @ (B, C, HW): a contiguous NCHW result, which the
            # resize's products take without a copy
            batch, _, height, width = feature.shape
            x = torch.matmul(fusion @ projection.weight, feature.flatten(2))
            x = (x + (fusion @ projection.bias)[:, None]).view(
                batch, -1, height, width)
            if x.shape[2:] != size:
                x = bilinear_resize(x, size, self.align_corners)
            fused = fused + x
        if conv.bias is not None:
            fused = fused + conv.bias[None, :, None, None]
        return fused
