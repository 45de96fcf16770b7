"""The compute floor of a measured step: the multiply-adds it does, counted
with ``tools/analysis_tools/get_flops.py``'s counter, over the matrix
multiply throughput measured on this machine.

``floor = FLOPs / throughput`` and ``x the floor = measured time / floor``.
FLOPs are 2 x the counted multiply-adds (MACs): the counter
(:func:`mmseg_dplnet.evaluation.flop_analyzer`, mmengine's fvcore-style
analyzer plus the attention handle, which get_flops also runs through
:func:`~mmseg_dplnet.evaluation.measure_complexity`) counts one fused
multiply-add as one "flop", and ``torch.mm`` of two n x n matrices does
n^3 multiply-adds = 2 n^3 FLOPs. The floor is the time the counted
arithmetic would take at the rate of one large, well-shaped matrix
product; a real model sits above it (small and odd shapes, element-wise
operators and memory traffic, which are not counted, the Python and
framework overhead). 1x is not reachable; the ratio says how much of the
time is not arithmetic.

What a train step counts (:func:`train_step_macs`; the rule, stated in the
tools' output as :data:`TRAIN_RULE`):

- forward: ``model(inputs)`` once (backbone + decode head, what get_flops
  counts);
- recomputed: the forward of the blocks with activation checkpointing
  (modules whose ``with_cp`` is True), run again in the backward pass;
- input gradients: 1 x the forward (every counted operator propagates a
  gradient to its input: needed through the frozen encoder too, since the
  prompts enter it at every stage). A slight over-estimate: the first
  layers, before any learnable parameter, need none;
- second operands: 1 x the products of two activations (attention,
  ``matmul`` / ``bmm`` / ``einsum``), whose second input needs its gradient
  as well;
- weight gradients: 1 x the operators of modules that own learnable
  parameters (a convolution or linear layer's weight gradient costs its
  forward).

So a step is about 2x the forward when almost every weight is frozen
(DPLNet: plus the attention, the prompts and the head) and about 3x for a
fully learned model (the baseline). The loss, the optimizer step and other
element-wise work are not counted, as in get_flops.
"""
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Dict, Tuple

import torch
import torch.nn as nn

#: Operators (as the counter names them) that multiply two activations:
#: both inputs need a gradient in the backward pass.
ACTIVATION_PRODUCTS = ('scaled_dot_product_attention', 'bmm', 'matmul', 'mm',
                       'einsum')
#: How a train step is counted (printed by the tools).
TRAIN_RULE = (
    'train step MACs = forward + recomputed (checkpointed blocks) + '
    'backward; backward = input gradients (1x forward) + second operands '
    'of activation products (1x attention / matmul) + weight gradients '
    '(1x the operators of modules with learnable parameters): ~2x forward '
    'with a frozen encoder, ~3x for a fully learned model; loss, optimizer '
    'step and element-wise work not counted')


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.bfloat16`` -> ``'bf16'``, ``torch.float32`` -> ``'fp32'``."""
    return {
        torch.float32: 'fp32',
        torch.bfloat16: 'bf16',
        torch.float16: 'fp16'
    }.get(dtype, str(dtype).replace('torch.', ''))


def matmul_gflops(dtype: torch.dtype = torch.float32,
                  device: str = 'cpu',
                  size: int = 2048,
                  repeats: int = 5) -> float:
    """This machine's ``torch.mm`` throughput, with the current threads.

    Args:
        dtype (torch.dtype): Element type of both matrices. Default: fp32.
        device (str): ``'cpu'`` or a CUDA device. Default: ``'cpu'``.
        size (int): The matrices are ``size x size``. Default: 2048.
        repeats (int): Timed products (after one warm-up); the median is
            taken. Default: 5.

    Returns:
        float: GFLOP/s (``2 * size**3`` FLOPs per product).
    """
    if size < 1 or repeats < 1:
        raise ValueError(f'size and repeats must be >= 1, got {size}, '
                         f'{repeats}')
    generator = torch.Generator().manual_seed(0)
    a, b = (torch.randn(size, size, generator=generator).to(device, dtype)
            for _ in range(2))
    out = torch.empty_like(a)
    cuda = device.startswith('cuda')
    times = []
    for step in range(repeats + 1):
        if cuda:
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        if cuda:
            torch.cuda.synchronize(device)
        if step:  # the first product warms up
            times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


def floor_seconds(macs: int, gflops: float) -> float:
    """Seconds that ``macs`` multiply-adds take at ``gflops`` GFLOP/s.

    Args:
        macs (int): Counted multiply-adds (2 FLOPs each).
        gflops (float): Throughput, GFLOP/s.

    Returns:
        float: ``2 * macs / (gflops * 1e9)``.
    """
    if gflops <= 0:
        raise ValueError(f'throughput must be > 0 GFLOP/s, got {gflops}')
    return 2 * macs / (gflops * 1e9)


@dataclass
class TrainStepMacs:
    """Multiply-adds of one train step, by part (see the module docstring).

    Attributes:
        forward (int): One forward, ``model(inputs)``.
        recomputed (int): The checkpointed blocks' forward, run again.
        input_grads (int): Gradients of the operators' inputs.
        second_operands (int): Gradients of the second input of products
            of two activations.
        weight_grads (int): Gradients of learnable parameters.
    """
    forward: int
    recomputed: int
    input_grads: int
    second_operands: int
    weight_grads: int

    @property
    def backward(self) -> int:
        """Multiply-adds of the backward pass (recomputation aside)."""
        return self.input_grads + self.second_operands + self.weight_grads

    @property
    def total(self) -> int:
        """Multiply-adds of the whole step."""
        return self.forward + self.recomputed + self.backward

    def to_dict(self) -> Dict[str, int]:
        """The parts and the total, for JSON."""
        return dict(asdict(self), backward=self.backward, total=self.total)


def _count(model: nn.Module, inputs: torch.Tensor):
    """The counter of get_flops on ``model(inputs)``, in eval mode without
    gradients (checkpointing and the lean frozen operators step aside then;
    the counts do not depend on the mode). The model's mode is restored."""
    from mmseg_dplnet.evaluation import flop_analyzer
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            analyzer = flop_analyzer(model, (inputs, ))
            analyzer.total()  # trace now, in eval mode without gradients
            return analyzer
    finally:
        model.train(training)


def forward_macs(model: nn.Module, inputs: torch.Tensor) -> int:
    """Multiply-adds of one ``model(inputs)``: get_flops' count.

    Args:
        model (nn.Module): The segmentor.
        inputs (Tensor): Preprocessed inputs, (B, C, H, W).

    Returns:
        int: The multiply-adds (B images).
    """
    return int(_count(model, inputs).total())


def _own_counts(by_module: Dict[str, Counter], name: str,
                module: nn.Module) -> Counter:
    """Per-operator counts of ``module`` minus those of its children."""
    own = Counter(by_module.get(name, {}))
    for child, _ in module.named_children():
        own.subtract(by_module.get(f'{name}.{child}' if name else child, {}))
    return own


def train_step_macs(model: nn.Module, inputs: torch.Tensor) -> TrainStepMacs:
    """Multiply-adds of one train step of ``model`` on ``inputs``, by the
    rule of :data:`TRAIN_RULE`.

    Args:
        model (nn.Module): The segmentor, with ``requires_grad`` set as in
            training (frozen parameters False).
        inputs (Tensor): Preprocessed inputs, (B, C, H, W).

    Returns:
        TrainStepMacs: The parts of the count.
    """
    analyzer = _count(model, inputs)
    forward = int(analyzer.total())
    by_operator = analyzer.by_operator()
    by_module = analyzer.by_module_and_operator()
    module_totals = analyzer.by_module()
    products = sum(by_operator.get(op, 0) for op in ACTIVATION_PRODUCTS)
    weight_grads = 0
    recomputed = 0
    checkpointed: Tuple[str, ...] = ()
    for name, module in model.named_modules():
        if any(p.requires_grad for p in module.parameters(recurse=False)):
            weight_grads += sum(
                value for op, value in _own_counts(by_module, name,
                                                   module).items()
                if op not in ACTIVATION_PRODUCTS and value > 0)
        inside = any(name.startswith(outer + '.') for outer in checkpointed)
        if getattr(module, 'with_cp', None) is True and not inside:
            checkpointed += (name, )
            recomputed += int(module_totals.get(name, 0))
    return TrainStepMacs(
        forward=forward,
        recomputed=recomputed,
        input_grads=forward,
        second_operands=int(products),
        weight_grads=int(weight_grads))
