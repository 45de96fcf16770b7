"""Multiply-add counting with mmengine's fvcore-style counter, attention
included.

mmengine's :class:`~mmengine.analysis.FlopAnalyzer` (what
``mmengine.analysis.get_model_complexity_info`` runs) traces the model with
``torch.jit.trace`` and counts, per traced operator, ONE fused multiply-add
as one "flop": its numbers are multiply-accumulates (MACs); FLOPs in the
strict sense are about twice as many. It has handles for convolutions,
``linear`` / ``matmul`` / ``bmm`` / ``einsum``, the norms and
upsampling, but none for ``aten::scaled_dot_product_attention``, which
DualPromptMiT's attention (both the main and the prompt branch) calls: the
operator is reported as "unsupported" and its cost left out.
:func:`sdpa_flop_jit` counts it the way the counter counts an explicit
``q @ k.T`` and ``attn @ v`` (softmax and scaling, like other element-wise
operators, are not counted).
"""
import typing
from collections import Counter
from dataclasses import dataclass
from math import prod
from typing import Any, Dict, List, Tuple

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import Handle, get_shape
from mmengine.analysis.print_helper import complexity_stats_table

SDPA_OP = 'aten::scaled_dot_product_attention'


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """MACs of ``F.scaled_dot_product_attention`` (an mmengine jit handle).

    For a query (..., L, E), a key (..., S, E) and a value (..., S, Ev), the
    two matrix products ``q @ k^T`` and ``attn @ v`` cost
    ``prod(...) * L * S * (E + Ev)`` multiply-adds, where ``...`` are the
    batch and head dims of the query (keys / values broadcast to them, as in
    grouped-query attention). Masks and ``is_causal`` are ignored (the
    kernels compute the full product); the softmax, scaling and dropout are
    not counted.

    Args:
        inputs (list[torch._C.Value]): query, key, value, then the options.
        outputs (list[torch._C.Value]): The attention output.

    Returns:
        int: The multiply-adds.
    """
    query, key, value = (get_shape(v) for v in inputs[:3])
    if query is None or key is None or value is None:
        raise ValueError('scaled_dot_product_attention with inputs of '
                         'unknown shape in the traced graph')
    *batch, length, embed = query
    source = key[-2]
    value_embed = value[-1]
    return prod(batch) * length * source * (embed + value_embed)


#: Handles added to mmengine's defaults.
EXTRA_FLOP_HANDLES: Dict[str, Handle] = {SDPA_OP: sdpa_flop_jit}


def flop_analyzer(model: nn.Module,
                  inputs: Tuple[torch.Tensor, ...],
                  with_attention: bool = True) -> FlopAnalyzer:
    """mmengine's FlopAnalyzer with :data:`EXTRA_FLOP_HANDLES`.

    Args:
        model (nn.Module): The model, in the mode to count (eval).
        inputs (tuple[Tensor]): The arguments of ``model.forward``.
        with_attention (bool): Add the attention handle. False gives
            mmengine's own count. Default: True.

    Returns:
        FlopAnalyzer: The analyzer, warnings off (read
        ``unsupported_ops()``).
    """
    analyzer = FlopAnalyzer(model, inputs)
    if with_attention:
        analyzer.set_op_handle(**EXTRA_FLOP_HANDLES)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    analyzer.tracer_warnings('none')
    return analyzer


@dataclass
class Complexity:
    """What :func:`measure_complexity` found.

    Attributes:
        macs (int): Multiply-adds of one forward ("flops" of mmengine).
        macs_by_operator (Counter): The same per operator type
            (``conv``, ``linear``, ``scaled_dot_product_attention``, ...).
        uncounted_ops (Counter): Traced operators without a handle (costed
            0), with the number of calls.
        params (int): All parameters.
        learnable_params (int): Parameters with ``requires_grad``.
        table (str): Per-module parameters and MACs, depth-limited.
    """
    macs: int
    macs_by_operator: typing.Counter[str]
    uncounted_ops: typing.Counter[str]
    params: int
    learnable_params: int
    table: str


def measure_complexity(model: nn.Module,
                       inputs: Tuple[torch.Tensor, ...],
                       max_depth: int = 3) -> Complexity:
    """Count the multiply-adds and parameters of ``model(*inputs)``.

    Args:
        model (nn.Module): The model, in eval mode.
        inputs (tuple[Tensor]): The arguments of ``model.forward``.
        max_depth (int): Depth of the per-module table. Default: 3.

    Returns:
        Complexity: Totals, per-operator counts, uncounted operators and the
        table.
    """
    analyzer = flop_analyzer(model, inputs)
    return Complexity(
        macs=int(analyzer.total()),
        macs_by_operator=Counter(analyzer.by_operator()),
        uncounted_ops=Counter(analyzer.unsupported_ops()),
        params=sum(p.numel() for p in model.parameters()),
        learnable_params=sum(p.numel() for p in model.parameters()
                             if p.requires_grad),
        table=complexity_stats_table(
            analyzer, max_depth=max_depth, show_param_shapes=False))
