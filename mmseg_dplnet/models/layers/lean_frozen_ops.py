"""Frozen layers that keep for the backward pass only what it needs.

DPLNet trains through a frozen encoder: the backward pass needs the
gradient of every frozen layer's INPUT (the prompts upstream learn), never
of its weights. A linear layer's input-gradient needs only its weight, and
PyTorch's ``addmm`` then stores nothing else; but its convolution stores
the input whatever requires grad (``ConvolutionBackward0`` saves
``input`` and ``weight`` unconditionally). In SegFormer's Mix-FFN that is
three copies of the hidden tokens per block: the 1x1 ``fc1`` and ``fc2``
convolutions' inputs (C and 4C channels) and the depthwise conv's input
(4C), beside the 4C that GELU truly needs. Here the 1x1 convolutions run
as ``F.linear`` on the tokens (the same weights, viewed as matrices) and
the other frozen convolutions through :class:`FrozenWeightConv2d`, which
stores nothing but the weight: a B5 train step at 480x640 keeps about half
the activations, with the same outputs and gradients (to float rounding)
and no recomputation.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmseg.models.backbones.mit import MixFFN
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw


class FrozenWeightConv2d(torch.autograd.Function):
    """``F.conv2d`` whose backward gives only the input's gradient and so
    stores only the (frozen) weight, not the input."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor,
                bias: Optional[torch.Tensor], stride: Tuple[int, int],
                padding: Tuple[int, int], groups: int) -> torch.Tensor:
        ctx.save_for_backward(weight)
        ctx.input_shape, ctx.input_dtype = x.shape, x.dtype
        # the layout of the input's gradient: a channels-last view of the
        # tokens (Mix-FFN's) gets a channels-last gradient, which the
        # tokens' view takes back without a copy
        ctx.memory_format = (
            torch.channels_last if not x.is_contiguous()
            and x.is_contiguous(memory_format=torch.channels_last) else
            torch.contiguous_format)
        ctx.settings = (stride, padding, groups)
        # under autocast (bf16 on a CPU, AMP on CUDA) F.conv2d casts here
        return F.conv2d(x, weight, bias, stride, padding, 1, groups)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (weight, ) = ctx.saved_tensors
        stride, padding, groups = ctx.settings
        # the input only gives the shape and layout (never written or read)
        shape_only = torch.empty(
            ctx.input_shape, dtype=grad.dtype, device=grad.device,
            memory_format=ctx.memory_format)
        grad_input = torch.ops.aten.convolution_backward(
            grad, shape_only, weight.to(grad.dtype), None, stride, padding,
            (1, 1), False, (0, 0), groups, (True, False, False))[0]
        return grad_input.to(ctx.input_dtype), None, None, None, None, None


def frozen_conv2d(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """``conv(x)``, through :class:`FrozenWeightConv2d` when the weights are
    frozen and the input needs a gradient (otherwise as it is).

    Args:
        conv (nn.Conv2d): A convolution without dilation, zero padding.
        x (Tensor): Its input, (B, C, H, W).

    Returns:
        Tensor: ``conv(x)``.
    """
    frozen = not conv.weight.requires_grad and (
        conv.bias is None or not conv.bias.requires_grad)
    if not (frozen and x.requires_grad and torch.is_grad_enabled()) or (
            conv.dilation != (1, 1) or conv.padding_mode != 'zeros'
            or isinstance(conv.padding, str)):
        return conv(x)
    return FrozenWeightConv2d.apply(x, conv.weight, conv.bias, conv.stride,
                                    conv.padding, conv.groups)


class LeanMixFFN(MixFFN):
    """mmseg's :class:`MixFFN` (the same modules and weights) storing only
    GELU's input for the backward pass when its weights are frozen.

    The 1x1 ``fc1`` / ``fc2`` run as ``F.linear`` on the (B, N, C) tokens,
    the depthwise conv through :func:`frozen_conv2d`; the tokens' layout
    changes are views (the depthwise conv sees a channels-last tensor), so
    no copy is kept. With learnable weights, or ``lean=False``, the stock
    forward runs.

    Args:
        *args, **kwargs: As for :class:`MixFFN`.
        lean (bool): Use the lean forward for frozen weights.
            Default: True.
    """

    def __init__(self, *args, lean: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lean = lean

    def forward(self,
                x: torch.Tensor,
                hw_shape: Tuple[int, int],
                identity: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Mix-FFN of the tokens plus ``identity`` (default: ``x``).

        Args:
            x (Tensor): (B, N, C) tokens.
            hw_shape (tuple[int, int]): (H, W), H * W = N.
            identity (Tensor, optional): The residual.

        Returns:
            Tensor: (B, N, C).
        """
        fc1, pe_conv, activate, drop, fc2 = list(self.layers)[:5]
        if not self.lean or any(p.requires_grad for p in self.parameters()):
            return super().forward(x, hw_shape, identity)
        out = F.linear(x, fc1.weight.flatten(1), fc1.bias)
        out = frozen_conv2d(pe_conv, nlc_to_nchw(out, hw_shape))
        out = drop(activate(out))
        out = drop(F.linear(nchw_to_nlc(out), fc2.weight.flatten(1),
                            fc2.bias))
        return (x if identity is None else identity) + self.dropout_layer(out)
