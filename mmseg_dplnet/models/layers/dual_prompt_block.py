"""A frozen SegFormer (MiT) block with DPLNet's prompt attention branch."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.drop import build_dropout
from mmengine.model import BaseModule

from .lean_frozen_ops import LeanMixFFN
from .prompt_attention import PromptedEfficientAttention


class DualPromptBlock(BaseModule):
    """``x + DropPath(Attn(LN1(x), LNp(P)))``, then ``x + DropPath(FFN(LN2(x)))``.

    ``Attn`` is :class:`PromptedEfficientAttention`, the FFN is SegFormer's
    Mix-FFN (mmseg's :class:`MixFFN`, as :class:`LeanMixFFN`) and ``P`` the
    shared prompt tokens, normalised by this block's own ``prompt_norm``.

    Args:
        embed_dims (int): Channels C.
        num_heads (int): Attention heads.
        feedforward_channels (int): Hidden channels of the FFN.
        sr_ratio (int): Spatial reduction of the attention's keys / values.
        prompt_dims (int): Width of a prompt token. Default: 32.
        prompt_ratio (int): Width reduction of the prompt branch.
            Default: 32.
        drop_rate (float): Dropout of the attention output and FFN.
        attn_drop_rate (float): Attention dropout.
        drop_path_rate (float): Stochastic depth of both residual branches.
        qkv_bias (bool): Bias of the q / kv projections. Default: True.
        act_cfg (dict): FFN activation. Default: GELU.
        norm_cfg (dict): Norm of the block (LN1, LN2, LNp). Default: LN with
            eps 1e-6.
        sr_norm_cfg (dict): Norm of the attention's reduced keys / values.
            Default: LN with eps 1e-5.
        with_cp (bool): Recompute the block in the backward pass instead of
            storing its activations (saves memory, costs time).
        lean_activations (bool): Frozen layers store for the backward pass
            only what it needs (:mod:`~.lean_frozen_ops`; the same
            outputs and gradients, less memory, no recomputation).
            Default: True.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 sr_ratio: int = 1,
                 prompt_dims: int = 32,
                 prompt_ratio: int = 32,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = True,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 sr_norm_cfg: dict = dict(type='LN', eps=1e-5),
                 with_cp: bool = False,
                 lean_activations: bool = True,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.with_cp = with_cp
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.prompt_norm = build_norm_layer(norm_cfg, prompt_dims)[1]
        self.attn = PromptedEfficientAttention(
            embed_dims,
            num_heads,
            sr_ratio=sr_ratio,
            qkv_bias=qkv_bias,
            attn_drop=attn_drop_rate,
            proj_drop=drop_rate,
            prompt_dims=prompt_dims,
            prompt_ratio=prompt_ratio,
            sr_norm_cfg=sr_norm_cfg,
            lean=lean_activations)
        drop_path = dict(type='DropPath', drop_prob=drop_path_rate)
        self.drop_path = (
            build_dropout(drop_path) if drop_path_rate > 0 else nn.Identity())
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = LeanMixFFN(
            embed_dims,
            feedforward_channels,
            act_cfg=act_cfg,
            ffn_drop=drop_rate,
            dropout_layer=drop_path if drop_path_rate > 0 else None,
            lean=lean_activations)

    def _forward(self, x: torch.Tensor, hw_shape: Tuple[int, int],
                 prompt_tokens: torch.Tensor) -> torch.Tensor:
        attn = self.attn(self.norm1(x), hw_shape,
                         self.prompt_norm(prompt_tokens))
        x = x + self.drop_path(attn)
        return self.ffn(self.norm2(x), hw_shape, identity=x)

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int],
                prompt_tokens: torch.Tensor) -> torch.Tensor:
        """Run the block.

        Args:
            x (Tensor): Image tokens, (B, N, C).
            hw_shape (tuple[int, int]): (H, W) with H * W = N.
            prompt_tokens (Tensor): The shared prompt tokens (not yet
                normalised), (1, T, prompt_dims).

        Returns:
            Tensor: (B, N, C).
        """
        if self.with_cp and torch.is_grad_enabled() and x.requires_grad:
            return cp.checkpoint(
                self._forward, x, hw_shape, prompt_tokens,
                use_reentrant=False)
        return self._forward(x, hw_shape, prompt_tokens)
