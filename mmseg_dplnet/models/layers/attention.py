"""Scaled dot-product attention, with a faster bf16 path on the CPU.

The main attention branch of :class:`~.PromptedEfficientAttention` calls
:func:`attention`. It is ``F.scaled_dot_product_attention`` except for bf16
inputs on a CPU, where PyTorch's fused CPU kernel
(``_scaled_dot_product_flash_attention_for_cpu``) is about 2x slower than
plain matrix products for this model's shapes (the queries of a stage
against a few hundred reduced keys) on a CPU without AMX: on a 2-core
AVX-512 BF16 EPYC, a B5 stage-3 block (5 heads, 1200 x 300 tokens, 64
channels) takes 3.0 ms forward and 9.0 ms forward + backward fused, 1.4 and
6.8 ms here. (For the prompt branch, 30 keys of 2 channels per head, the
fused kernel is as fast, and it keeps it.) The stock ``math`` backend
computes the same products but stores the attention probabilities for the
backward pass; :class:`MatmulAttention` stores only the queries, keys and
values, as the fused kernel, and recomputes the probabilities in the
backward pass (one matrix product and soft-max more), in chunks of queries
so that large inputs never hold all scores at once.
"""
from typing import Iterator, List, Optional, Tuple

import torch
import torch.nn.functional as F

# scores held at once (per chunk of queries): 8M, 16 MiB in bf16 (a B5
# stage 1 at 480x640 is one chunk)
_CHUNK_ELEMENTS = 1 << 23


def _query_chunks(query: torch.Tensor,
                  num_keys: int) -> Iterator[slice]:
    """Slices of the query axis whose scores fit in ``_CHUNK_ELEMENTS``."""
    rows = query.shape[:-2].numel() * num_keys
    step = max(1, _CHUNK_ELEMENTS // max(rows, 1))
    for start in range(0, query.shape[-2], step):
        yield slice(start, start + step)


class MatmulAttention(torch.autograd.Function):
    """``softmax(scale * q k^T) v`` by matrix products, storing only the
    queries, keys and values and recomputing the probabilities in backward.

    Inputs are (..., N, d) queries and (..., M, d) keys / values of one
    dtype (keys / values may be broadcast views, as the prompt branch's).
    """

    @staticmethod
    def forward(ctx, query: torch.Tensor, key: torch.Tensor,
                value: torch.Tensor, scale: float) -> torch.Tensor:
        with torch.autocast(query.device.type, enabled=False):
            out = _cat([
                torch.matmul(
                    _probabilities(query[..., rows, :], key, scale), value)
                for rows in _query_chunks(query, key.shape[-2])
            ])
        ctx.save_for_backward(query, key, value)
        ctx.scale = scale
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor
                 ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, None]:
        query, key, value = ctx.saved_tensors
        scale = ctx.scale
        with torch.autocast(query.device.type, enabled=False):
            grad = grad.to(value.dtype)
            grad_query = []
            grad_key = grad_value = 0
            # summed over chunks in at least fp32
            acc = torch.promote_types(query.dtype, torch.float32)
            for rows in _query_chunks(query, key.shape[-2]):
                q_rows, grad_rows = query[..., rows, :], grad[..., rows, :]
                probs = _probabilities(q_rows, key, scale)
                grad_probs = torch.matmul(grad_rows, value.transpose(-2, -1))
                # the soft-max's own backward: P * (dP - sum(P * dP))
                grad_scores = torch._softmax_backward_data(
                    grad_probs, probs, -1, probs.dtype).mul_(scale)
                grad_query.append(torch.matmul(grad_scores, key))
                grad_key = grad_key + torch.matmul(
                    grad_scores.transpose(-2, -1), q_rows).to(acc)
                grad_value = grad_value + torch.matmul(
                    probs.transpose(-2, -1), grad_rows).to(acc)
        return _cat(grad_query), grad_key.to(key.dtype), grad_value.to(
            value.dtype), None


def _cat(chunks: List[torch.Tensor]) -> torch.Tensor:
    """The chunks' results along the query axis."""
    return chunks[0] if len(chunks) == 1 else torch.cat(chunks, dim=-2)


def _probabilities(query: torch.Tensor, key: torch.Tensor,
                   scale: float) -> torch.Tensor:
    """``softmax(scale * q k^T)`` (the soft-max accumulates in fp32)."""
    return torch.matmul(query * scale, key.transpose(-2, -1)).softmax(-1)


def attention(query: torch.Tensor,
              key: torch.Tensor,
              value: torch.Tensor,
              dropout_p: float = 0.,
              scale: Optional[float] = None) -> torch.Tensor:
    """``F.scaled_dot_product_attention(query, key, value, dropout_p,
    scale=scale)``, through :class:`MatmulAttention` for bf16 on a CPU
    without dropout.

    Args:
        query (Tensor): (B, heads, N, d).
        key (Tensor): (B, heads, M, d).
        value (Tensor): (B, heads, M, d_v).
        dropout_p (float): Attention dropout (0 outside training).
        scale (float, optional): Default: ``d ** -0.5``.

    Returns:
        Tensor: (B, heads, N, d_v).
    """
    if (query.device.type == 'cpu' and query.dtype == torch.bfloat16
            and key.dtype == value.dtype == torch.bfloat16
            and dropout_p == 0.):
        return MatmulAttention.apply(
            query, key, value,
            query.shape[-1]**-0.5 if scale is None else scale)
    return F.scaled_dot_product_attention(
        query, key, value, dropout_p=dropout_p, scale=scale)
