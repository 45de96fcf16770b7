"""Efficient self-attention of SegFormer with DPLNet's prompt branch (MFA)."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule

from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw
from .attention import attention
from .lean_frozen_ops import frozen_conv2d


def _split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(B, N, C) -> (B, heads, N, C / heads)."""
    batch, tokens, channels = x.shape
    return x.view(batch, tokens, num_heads,
                  channels // num_heads).transpose(1, 2)


def _merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, heads, N, D) -> (B, N, heads * D)."""
    batch, heads, tokens, head_dims = x.shape
    return x.transpose(1, 2).reshape(batch, tokens, heads * head_dims)


class PromptAttentionBranch(BaseModule):
    """The learnable low-rank attention from image queries to prompt tokens.

    Keys and values come from the shared prompt tokens: ``[k, v] = W_kv P``
    (prompt dims -> 2C), then each of the projected query, k and v is
    reduced to ``C / prompt_ratio`` channels and split into the main
    branch's heads. The attention uses the MAIN branch's scale, and the
    result is projected back to C channels.

    Args:
        embed_dims (int): Channels C of the image tokens.
        num_heads (int): Heads, as in the main branch.
        prompt_dims (int): Width of a prompt token. Default: 32.
        prompt_ratio (int): C is reduced to ``C // prompt_ratio`` channels.
            Default: 32.
        scale (float): Attention scale (the main branch's ``d ** -0.5``).
        qkv_bias (bool): Bias of the prompt key/value projection.
            Default: True.
        attn_drop (float): Attention dropout. Default: 0.
        proj_drop (float): Output dropout. Default: 0.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 prompt_dims: int = 32,
                 prompt_ratio: int = 32,
                 scale: float = 1.0,
                 qkv_bias: bool = True,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        low_rank_dims = embed_dims // prompt_ratio
        if low_rank_dims < 1 or embed_dims % prompt_ratio:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by '
                             f'prompt_ratio {prompt_ratio}')
        if low_rank_dims % num_heads:
            raise ValueError(
                f'the prompt branch width {low_rank_dims} (embed_dims '
                f'{embed_dims} / prompt_ratio {prompt_ratio}) is not '
                f'divisible by num_heads {num_heads}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.scale = scale
        self.attn_drop = attn_drop
        self.kv = nn.Linear(prompt_dims, 2 * embed_dims, bias=qkv_bias)
        self.q_reduce = nn.Linear(embed_dims, low_rank_dims)
        self.k_reduce = nn.Linear(embed_dims, low_rank_dims, bias=qkv_bias)
        self.v_reduce = nn.Linear(embed_dims, low_rank_dims, bias=qkv_bias)
        self.proj = nn.Linear(low_rank_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop) if proj_drop else None

    def forward(self, query: torch.Tensor,
                prompt_tokens: torch.Tensor) -> torch.Tensor:
        """Attend from image queries to the prompt tokens.

        Args:
            query (Tensor): The main branch's projected (unscaled) queries,
                (B, N, C).
            prompt_tokens (Tensor): Normalised prompt tokens, (1 or B, T,
                prompt_dims).

        Returns:
            Tensor: (B, N, C), to be added to the main branch's output.
        """
        key, value = self.kv(prompt_tokens).split(self.embed_dims, dim=-1)
        batch = query.shape[0]
        query = _split_heads(self.q_reduce(query), self.num_heads)
        key = _split_heads(self.k_reduce(key), self.num_heads)
        value = _split_heads(self.v_reduce(value), self.num_heads)
        key = key.expand(batch, -1, -1, -1)
        value = value.expand(batch, -1, -1, -1)
        out = F.scaled_dot_product_attention(
            query,
            key,
            value,
            dropout_p=self.attn_drop if self.training else 0.,
            scale=self.scale)
        out = self.proj(_merge_heads(out))
        if self.proj_drop is not None:
            out = self.proj_drop(out)
        return out


class PromptedEfficientAttention(BaseModule):
    """SegFormer's efficient multi-head attention plus a prompt branch.

    The main branch is SegFormer's: queries from every token, keys and
    values from the tokens reduced by a ``sr_ratio`` strided convolution and
    LayerNorm. The prompt branch uses ``F.scaled_dot_product_attention``,
    the main branch :func:`~.attention.attention` (the same, with a faster
    path for bf16 on a CPU).

    Args:
        embed_dims (int): Channels C.
        num_heads (int): Attention heads.
        sr_ratio (int): Spatial reduction of keys / values. Default: 1.
        qkv_bias (bool): Bias of the q / kv projections. Default: True.
        attn_drop (float): Attention dropout. Default: 0.
        proj_drop (float): Output dropout. Default: 0.
        prompt_dims (int): Width of a prompt token. Default: 32.
        prompt_ratio (int): Width reduction of the prompt branch.
            Default: 32.
        sr_norm_cfg (dict): Norm after the reduction conv. Default: LN with
            eps 1e-5, as NVlabs' SegFormer.
        lean (bool): Run a frozen reduction conv through
            :func:`~.lean_frozen_ops.frozen_conv2d`, which does not store
            its input for the backward pass. Default: True.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 sr_ratio: int = 1,
                 qkv_bias: bool = True,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 prompt_dims: int = 32,
                 prompt_ratio: int = 32,
                 sr_norm_cfg: dict = dict(type='LN', eps=1e-5),
                 lean: bool = True,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.lean = lean
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by '
                             f'num_heads {num_heads}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.sr_ratio = sr_ratio
        self.attn_drop = attn_drop
        scale = (embed_dims // num_heads)**-0.5
        self.q = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.kv = nn.Linear(embed_dims, 2 * embed_dims, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop) if proj_drop else None
        if sr_ratio > 1:
            self.sr = nn.Conv2d(
                embed_dims, embed_dims, kernel_size=sr_ratio, stride=sr_ratio)
            self.norm = build_norm_layer(sr_norm_cfg, embed_dims)[1]
        self.prompt = PromptAttentionBranch(
            embed_dims,
            num_heads,
            prompt_dims=prompt_dims,
            prompt_ratio=prompt_ratio,
            scale=scale,
            qkv_bias=qkv_bias,
            attn_drop=attn_drop,
            proj_drop=proj_drop)

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int],
                prompt_tokens: torch.Tensor) -> torch.Tensor:
        """Attention of the image tokens, with the prompt branch added.

        Args:
            x (Tensor): Normalised image tokens, (B, N, C).
            hw_shape (tuple[int, int]): (H, W) with H * W = N.
            prompt_tokens (Tensor): Normalised prompt tokens, (1 or B, T,
                prompt_dims).

        Returns:
            Tensor: (B, N, C).
        """
        query = self.q(x)
        if self.sr_ratio > 1:
            reduced = nlc_to_nchw(x, hw_shape)
            reduced = nchw_to_nlc(
                frozen_conv2d(self.sr, reduced) if self.lean else self.sr(
                    reduced))
            reduced = self.norm(reduced)
        else:
            reduced = x
        key, value = self.kv(reduced).split(self.embed_dims, dim=-1)
        out = attention(
            _split_heads(query, self.num_heads),
            _split_heads(key, self.num_heads),
            _split_heads(value, self.num_heads),
            dropout_p=self.attn_drop if self.training else 0.)
        out = self.proj(_merge_heads(out))
        if self.proj_drop is not None:
            out = self.proj_drop(out)
        return out + self.prompt(query, prompt_tokens)
