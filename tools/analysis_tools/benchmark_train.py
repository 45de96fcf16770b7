"""Train-step time, peak memory and compute floor of a config's model.

    python tools/analysis_tools/benchmark_train.py CONFIG --shape 480 640 \
        [--variants fp32 bf16 cp cp-stage3 baseline] [--batch-size 1] \
        [--iters 3] [--warmup 1] [--amp] [--with-cp] [--baseline] \
        [--matmul-size 2048] [--work-dir DIR] [--cfg-options ...]

Rows (``--variants``), each measured in its own process, so that each peak
is its own. A row is one name or names joined by ``+`` (``bf16+cp``):

- ``fp32``: the config's model, fp32 (``OptimWrapper``);
- ``bf16``: mixed precision: bf16 autocast on a CPU that computes in bf16
  natively (``CPUBF16OptimWrapper``, see :mod:`mmseg_dplnet.utils.cpu_bf16`;
  ``MMSEG_DPLNET_CPU_BF16=1`` / ``0`` forces the detection), fp16 AMP
  (``AmpOptimWrapper``) on CUDA. On a CPU without native bf16 the row is
  skipped, with the reason (bf16 would be emulated, slower than fp32);
- ``cp``: ``backbone.with_cp=True`` (every block recomputed in the backward
  pass); ``cp-stage<N>``: only stage N's blocks (``cp-stage3`` =
  ``with_cp=(2, )``, the 40 blocks of B5's third stage). Rows without a cp
  name run with ``with_cp=False``;
- ``baseline``: two stock mmseg MiT of the same size, fully fine-tuned,
  their features summed, and the same head: a lower bound on the cost of
  dual-branch methods such as CMX.

Rows without ``fp32`` / ``bf16`` in their name run in fp32, or in mixed
precision with ``--amp`` (fp32 where the CPU has no native bf16, as the
runner does). Default rows: ``fp32``, ``bf16`` where mixed precision is
available; ``--with-cp`` adds ``cp``, ``--baseline`` adds ``baseline`` (to
the default rows or to ``--variants``).

A step is ``model.train_step`` (data preprocessor, forward, loss, backward,
optimizer step) on the same synthetic batch. Reported per row:

- step time: the median over ``--iters`` steps after ``--warmup``;
- memory, CPU: the worker's peak resident set size (``ru_maxrss``: what
  the machine must hold, Python and the libraries included), and its
  increase over the resident size after the imports, and after building
  the model, optimizer and batch (what the steps add: activations,
  gradients, optimizer state). CUDA: ``torch.cuda.max_memory_allocated``,
  and its increase over the memory allocated after building;
- learnable / total parameters;
- the compute floor (:mod:`mmseg_dplnet.utils.compute_floor`): the step's
  multiply-adds counted with get_flops' counter, by the rule: train step =
  forward + recomputed checkpointed blocks + backward, backward = input
  gradients (1x forward) + second operands of activation products (1x
  attention / matmul) + weight gradients (1x the operators of modules with
  learnable parameters): about 2x the forward with the frozen encoder,
  about 3x for the fully learned baseline. ``floor = 2 x MACs /
  throughput``, the throughput measured in this invocation (``torch.mm`` of
  ``--matmul-size`` square matrices with the workers' thread count, median
  of 5) in the row's precision (fp32 rows: fp32; bf16 rows: bf16, or fp16
  on CUDA); ``x the floor = step time / floor``.

``--work-dir`` also dumps everything to ``benchmark_train_<time>.json``.
The parent process spawns the workers and measures the throughput.
"""
import argparse
import json
import os
import os.path as osp
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_dplnet  # noqa: F401
from mmseg.models.backbones import MixVisionTransformer
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_dplnet.models import resolve_mit_arch
from mmseg_dplnet.utils import (RGB_CHANNELS, TRAIN_RULE,
                                add_cfg_options_argument, floor_seconds,
                                load_config, matmul_gflops, stacked_channels,
                                train_step_macs)
from mmseg_dplnet.utils.compute_floor import dtype_name
from mmseg_dplnet.utils.cpu_bf16 import cpu_bf16_support

#: ``optim_wrapper`` settings that only ``AmpOptimWrapper`` takes.
AMP_ONLY = ('loss_scale', 'dtype', 'use_fsdp')


class DualMiTSumBaseline(nn.Module):
    """Two stock MiT encoders, one per modality, features summed (built by
    class, not registered: it exists only for this benchmark).

    Args:
        arch (str | dict): MiT size, as for DualPromptMiT.
        aux_channels (int): Input channels of the auxiliary encoder; a
            single-channel modality is replicated to them, as DualPromptMiT
            does.
        drop_path_rate (float): Stochastic depth of both encoders.
        with_cp (bool): Activation checkpointing of every block (mmseg's
            MiT takes no stage selection).
    """

    def __init__(self, arch='b5', aux_channels=3, drop_path_rate=0.1,
                 with_cp=False, **unused):
        super().__init__()
        if not isinstance(with_cp, bool):
            raise ValueError(f'the baseline (mmseg MiT) takes with_cp True '
                             f'or False, not stages {with_cp}')
        setting = resolve_mit_arch(arch)
        kwargs = dict(
            embed_dims=setting['embed_dims'],
            num_layers=setting['num_layers'],
            num_heads=setting['num_heads'],
            sr_ratios=setting['sr_ratios'],
            drop_path_rate=drop_path_rate,
            with_cp=with_cp)
        self.rgb_channels = RGB_CHANNELS
        self.aux_channels = aux_channels
        self.rgb = MixVisionTransformer(in_channels=RGB_CHANNELS, **kwargs)
        self.aux = MixVisionTransformer(in_channels=aux_channels, **kwargs)

    def forward(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        rgb = inputs[:, :self.rgb_channels]
        aux = inputs[:, self.rgb_channels:]
        aux = aux.expand(-1, self.aux_channels, -1, -1)
        return [a + b for a, b in zip(self.rgb(rgb), self.aux(aux))]


@dataclass(frozen=True)
class Variant:
    """One row.

    Attributes:
        name (str): As given (``'cp'``, ``'bf16+cp-stage3'``, ...).
        precision (str): ``'fp32'`` or ``'mixed'`` (bf16 autocast on the
            CPU, fp16 AMP on CUDA).
        with_cp (bool | list[int]): ``backbone.with_cp``.
        baseline (bool): The dual-MiT fine-tuned baseline.
        explicit_precision (bool): The name says fp32 / bf16.
    """
    name: str
    precision: str
    with_cp: Union[bool, List[int]]
    baseline: bool
    explicit_precision: bool


def parse_variant(name: str, default_precision: str) -> Variant:
    """Read a row name (names joined by ``+``).

    Args:
        name (str): E.g. ``'fp32'``, ``'cp-stage3'``, ``'bf16+baseline'``.
        default_precision (str): ``'fp32'`` or ``'mixed'``, for a name
            without fp32 / bf16.

    Returns:
        Variant: The row.

    Raises:
        ValueError: For an unknown or contradictory name.
    """
    precision, with_cp, baseline = None, set(), False
    for token in name.split('+'):
        stage = re.fullmatch(r'cp-stage(\d+)', token)
        if token in ('fp32', 'bf16', 'amp'):
            if precision is not None:
                raise ValueError(f'row {name!r} names two precisions')
            precision = 'fp32' if token == 'fp32' else 'mixed'
        elif token == 'cp':
            with_cp = True
        elif stage:
            if int(stage.group(1)) < 1:
                raise ValueError(f'row {name!r}: stages count from 1')
            if with_cp is not True:
                with_cp.add(int(stage.group(1)) - 1)
        elif token == 'baseline':
            baseline = True
        elif token != 'dplnet':
            raise ValueError(
                f'unknown row {token!r} in {name!r}: give fp32, bf16, cp, '
                f'cp-stage<N> (N from 1), baseline or dplnet, alone or '
                f'joined by +')
    if baseline and with_cp not in (True, set()):
        raise ValueError(f'row {name!r}: the baseline (mmseg MiT) takes cp '
                         f'for every stage only, not cp-stage<N>')
    return Variant(
        name=name,
        precision=precision or default_precision,
        with_cp=with_cp if with_cp is True else sorted(with_cp) or False,
        baseline=baseline,
        explicit_precision=precision is not None)


def mixed_precision(device: str) -> Tuple[bool, str, str]:
    """Whether the ``bf16`` rows can run on ``device``, and how.

    Args:
        device (str): ``'cpu'`` or ``'cuda'``.

    Returns:
        tuple[bool, str, str]: Available, the compute dtype (``'bf16'``,
        ``'fp16'``) and the reason (the CPU flags found or missing).
    """
    if device.startswith('cuda'):
        return True, 'fp16', 'AmpOptimWrapper on CUDA'
    supported, reason = cpu_bf16_support()
    return supported, 'bf16', reason


def resolve_variants(
        args: argparse.Namespace, mixed_ok: bool,
        reason: str) -> List[Tuple[Variant, Optional[str]]]:
    """The rows to measure, each with the reason it is skipped (or None).

    Args:
        args (argparse.Namespace): ``variants``, ``amp``, ``with_cp``,
            ``baseline``.
        mixed_ok (bool): Mixed precision is available.
        reason (str): Why it is (not).

    Returns:
        list[tuple[Variant, str | None]]: The rows, in order.
    """
    default_precision = 'mixed' if args.amp and mixed_ok else 'fp32'
    names = list(args.variants or (['fp32'] +
                                   (['bf16'] if mixed_ok else [])))
    for flag, name in ((args.with_cp, 'cp'), (args.baseline, 'baseline')):
        if flag and name not in names:
            names.append(name)
    if len(set(names)) != len(names):
        raise ValueError(f'--variants names a row twice: {names}')
    rows = []
    for name in names:
        variant = parse_variant(name, default_precision)
        skip = None
        if variant.precision == 'mixed' and not mixed_ok:
            skip = (f'no native bf16 on this CPU ({reason}): bf16 would be '
                    f'emulated, slower than fp32; MMSEG_DPLNET_CPU_BF16=1 '
                    f'forces it')
        rows.append((variant, skip))
    return rows


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark the train step (time, peak memory, compute '
        'floor)')
    parser.add_argument('config', help='config file')
    parser.add_argument('--shape', type=int, nargs=2, default=[480, 640],
                        metavar=('H', 'W'), help='input height and width')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--iters', type=int, default=3,
                        help='timed steps (median reported)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument(
        '--rounds', type=int, default=1,
        help='run every row this many times, rows interleaved (each run '
        'in its own process), and report the medians: a busy or shared '
        'machine drifts between rows')
    parser.add_argument(
        '--variants', nargs='+', metavar='ROW',
        help='rows: fp32, bf16, cp, cp-stage<N>, baseline, or names joined '
        'by + (default: fp32, and bf16 where available)')
    parser.add_argument('--with-cp', action='store_true',
                        help='also measure the cp row')
    parser.add_argument('--baseline', action='store_true',
                        help='also measure the dual-MiT fine-tuned baseline')
    parser.add_argument(
        '--amp', action='store_true',
        help='rows without fp32 / bf16 in their name (cp, baseline) run in '
        'mixed precision (bf16 autocast on a CPU with native bf16, fp16 '
        'AMP on CUDA)')
    parser.add_argument('--device', default=None,
                        help='cpu or cuda (default: cuda if available)')
    parser.add_argument('--matmul-size', type=int, default=2048,
                        help='square torch.mm whose throughput sets the '
                        'floor')
    parser.add_argument('--work-dir',
                        help='dump benchmark_train_<time>.json here')
    add_cfg_options_argument(parser)
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name in ('batch_size', 'iters', 'matmul_size'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    if args.warmup < 0:
        parser.error('--warmup must be >= 0')
    return args


# ---------------------------------------------------------------- worker
def variant_config(cfg, variant: Variant, device: str):
    """The config's model / optimizer adapted for one row.

    Args:
        cfg (Config): The config.
        variant (Variant): The row.
        device (str): Where it runs.

    Returns:
        Config: ``cfg``, changed in place.
    """
    model = cfg.model
    model.backbone.init_cfg = None  # weights do not change the cost
    model.pop('pretrained', None)
    optim = cfg.optim_wrapper
    for key in AMP_ONLY:
        optim.pop(key, None)
    if variant.precision == 'fp32':
        optim['type'] = 'OptimWrapper'
    elif device.startswith('cuda'):
        optim.update(type='AmpOptimWrapper', loss_scale='dynamic')
    else:
        optim['type'] = 'CPUBF16OptimWrapper'
    if variant.with_cp or 'with_cp' in model.backbone:
        model.backbone.with_cp = variant.with_cp
    if variant.baseline:
        model.backbone.type = DualMiTSumBaseline
        optim.pop('constructor', None)  # every parameter learns
    return cfg


def synthetic_batch(cfg, batch: int, shape: List[int]) -> dict:
    """A fixed batch in PackSegInputs' format."""
    generator = torch.Generator().manual_seed(0)
    channels = stacked_channels(cfg.model)
    classes = cfg.model.decode_head.num_classes
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (channels, *shape),
                                    generator=generator).float())
        sample = SegDataSample(metainfo=dict(
            img_shape=tuple(shape), ori_shape=tuple(shape),
            pad_shape=tuple(shape)))
        sample.gt_sem_seg = PixelData(data=torch.randint(
            0, classes, (1, *shape), generator=generator))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def current_rss_bytes() -> int:
    """The process's resident set size now (``/proc/self/statm``; where
    there is none, the peak so far)."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except (OSError, ValueError, IndexError):
        return peak_rss_bytes()


def peak_rss_bytes() -> int:
    """The process's peak resident set size (``ru_maxrss``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == 'darwin' else peak * 1024  # KiB on Linux


def precision_of(optim_wrapper) -> Tuple[str, str]:
    """What an optimizer wrapper computes in: (label, dtype name)."""
    name = type(optim_wrapper).__name__
    if name == 'CPUBF16OptimWrapper':
        return 'bf16 autocast', 'bf16'
    if name == 'AmpOptimWrapper':
        dtype = getattr(optim_wrapper, 'cast_dtype', None) or torch.float16
        short = dtype_name(dtype)
        return f'{short} AMP', short
    return 'fp32', 'fp32'


def run_worker(args: argparse.Namespace) -> Dict[str, object]:
    """Measure one row in this process.

    Args:
        args (argparse.Namespace): The options; ``worker`` is the row's
            :class:`Variant` as JSON.

    Returns:
        dict: Step time, memory, parameters, the compute count and the
        precision it ran in.
    """
    variant = Variant(**json.loads(args.worker))
    cuda = args.device.startswith('cuda')
    rss_imports = current_rss_bytes()
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    cfg = variant_config(cfg, variant, args.device)
    cfg.model.data_preprocessor['size'] = tuple(args.shape)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(args.device)
    model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    data = synthetic_batch(cfg, args.batch_size, args.shape)
    rss_built = current_rss_bytes()
    if cuda:
        torch.cuda.synchronize()
        allocated_built = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for step in range(args.warmup + args.iters):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        model.train_step(data, optim_wrapper)
        if cuda:
            torch.cuda.synchronize()
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    peak_rss = peak_rss_bytes()  # before counting: the trace is not a step
    memory = dict(peak=peak_rss, over_imports=peak_rss - rss_imports,
                  over_model=peak_rss - rss_built)
    if cuda:
        peak = torch.cuda.max_memory_allocated()
        memory = dict(peak=peak, over_imports=peak,
                      over_model=peak - allocated_built, peak_rss=peak_rss)
    memory.update(rss_after_imports=rss_imports, rss_after_model=rss_built)
    inputs = model.data_preprocessor(data, False)['inputs']
    macs = train_step_macs(model, inputs)
    label, dtype = precision_of(optim_wrapper)
    return dict(
        step_time=statistics.median(times),
        step_times=times,
        memory=memory,
        learnable=sum(p.numel() for p in model.parameters()
                      if p.requires_grad),
        total=sum(p.numel() for p in model.parameters()),
        macs=macs.to_dict(),
        precision=label,
        compute_dtype=dtype,
        optim_wrapper=type(optim_wrapper).__name__,
        with_cp=variant.with_cp)


# ---------------------------------------------------------------- parent
def measure_row(variant: Variant, args: argparse.Namespace) -> dict:
    """Run one row's worker process; its result.

    Args:
        variant (Variant): The row.
        args (argparse.Namespace): The options (``device`` resolved).

    Returns:
        dict: What :func:`run_worker` returned.
    """
    command = [sys.executable, __file__] + sys.argv[1:] + [
        '--worker', json.dumps(asdict(variant)), '--device', args.device]
    print(f'measuring {variant.name} ...', flush=True)
    out = subprocess.run(command, capture_output=True, text=True,
                         env=dict(os.environ))
    lines = [line for line in out.stdout.splitlines()
             if line.startswith('RESULT ')]
    if out.returncode != 0 or not lines:
        sys.exit(f'row {variant.name} failed (exit {out.returncode}):\n'
                 f'{out.stderr[-4000:]}')
    return json.loads(lines[-1][len('RESULT '):])


def median_run(runs: List[dict]) -> dict:
    """One row's result over its rounds: the median step time (each
    round's under ``round_step_times``) and the memory of the round with
    the median peak.

    Args:
        runs (list[dict]): What :func:`run_worker` returned, per round.

    Returns:
        dict: The first run's result with the medians.
    """
    result = dict(runs[0])
    result['round_step_times'] = [r['step_time'] for r in runs]
    result['step_time'] = statistics.median(result['round_step_times'])
    by_peak = sorted(runs, key=lambda r: r['memory']['peak'])
    result['memory'] = by_peak[(len(runs) - 1) // 2]['memory']
    return result


def main() -> None:
    args = parse_args()
    args.device = args.device or ('cuda'
                                  if torch.cuda.is_available() else 'cpu')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit('--device cuda: CUDA is not available on this machine')
    if args.worker:
        print('RESULT ' + json.dumps(run_worker(args)))
        return
    mixed_ok, mixed_dtype, reason = mixed_precision(args.device)
    try:
        rows = resolve_variants(args, mixed_ok, reason)
    except ValueError as error:
        sys.exit(f'--variants: {error}')
    threads = torch.get_num_threads()
    dtypes = ['fp32'] + ([mixed_dtype] if any(
        v.precision == 'mixed' and skip is None for v, skip in rows) else [])
    torch_dtypes = dict(fp32=torch.float32, bf16=torch.bfloat16,
                        fp16=torch.float16)
    throughput = {
        name: matmul_gflops(torch_dtypes[name], args.device,
                                  args.matmul_size)
        for name in dtypes
    }
    runs = {v.name: [] for v, skip in rows if skip is None}
    for _ in range(args.rounds):
        for variant, skip in rows:
            if skip is None:
                runs[variant.name].append(measure_row(variant, args))
    results = {}
    for variant, skip in rows:
        if skip is not None:
            results[variant.name] = dict(skipped=skip)
            continue
        result = median_run(runs[variant.name])
        rate = throughput[result['compute_dtype']]
        result['floor'] = floor_seconds(result['macs']['total'], rate)
        result['x_floor'] = result['step_time'] / result['floor']
        results[variant.name] = result
    summary = dict(
        config=args.config,
        device=args.device,
        threads=threads,
        batch_size=args.batch_size,
        shape=args.shape,
        iters=args.iters,
        warmup=args.warmup,
        rounds=args.rounds,
        mixed_precision=dict(available=mixed_ok, dtype=mixed_dtype,
                             reason=reason),
        matmul_size=args.matmul_size,
        throughput_gflops=throughput,
        rule=TRAIN_RULE,
        rows=results)
    print_tables(summary, args)
    if args.work_dir is not None:
        os.makedirs(args.work_dir, exist_ok=True)
        path = osp.join(args.work_dir,
                        time.strftime('benchmark_train_%Y%m%d_%H%M%S.json'))
        with open(path, 'w') as f:
            json.dump(summary, f, indent=4)
        print(f'Results saved to {path}')


def print_tables(summary: dict, args: argparse.Namespace) -> None:
    """Print the rows (time, memory, floor; ratios to the baseline if any),
    the compute count and the throughput.

    Args:
        summary (dict): What :func:`main` gathered.
        args (argparse.Namespace): The options.
    """
    rows = summary['rows']
    measured = {k: r for k, r in rows.items() if 'skipped' not in r}
    base = measured.get('baseline')
    cuda = args.device.startswith('cuda')
    mixed = summary['mixed_precision']
    rates = ', '.join(f'{k} {v:.1f} GFLOP/s'
                      for k, v in summary['throughput_gflops'].items())
    size = summary['matmul_size']
    print(f'\ntrain step, {args.config}, input {args.batch_size}x'
          f'{args.shape[0]}x{args.shape[1]}, {args.device}, '
          f'{summary["threads"]} torch thread(s), median of {args.iters} '
          f'step(s) after {args.warmup} warm-up'
          + (f', medians of {args.rounds} interleaved rounds'
             if args.rounds > 1 else ''))
    print(f'mixed precision (bf16 rows): '
          f'{mixed["dtype"] if mixed["available"] else "unavailable"} '
          f'({mixed["reason"]})')
    print(f'matmul throughput (torch.mm {size}x{size}, '
          f'{summary["threads"]} thread(s), median of 5): {rates}')
    memory = 'peak allocated' if cuda else 'peak RSS'
    header = ('row', 'precision', 'learnable / total', 'step time (s)',
              f'{memory} (MiB)', 'over imports (MiB)', 'over model (MiB)',
              'step GFLOP', 'floor (s)', 'x the floor', 'time / baseline',
              'peak / baseline')
    print('| ' + ' | '.join(header) + ' |')
    print('|' + '---|' * len(header))
    mib = 2**20
    for name, r in rows.items():
        if 'skipped' in r:
            print(f'| {name} | skipped: {r["skipped"]} |')
            continue
        m = r['memory']
        ratio_t = f'{r["step_time"] / base["step_time"]:.2f}' if base else '-'
        ratio_m = (f'{m["peak"] / base["memory"]["peak"]:.2f}'
                   if base else '-')
        print(f'| {name} | {r["precision"]} | {r["learnable"] / 1e6:.2f}M / '
              f'{r["total"] / 1e6:.2f}M | {r["step_time"]:.4g} | '
              f'{m["peak"] / mib:.1f} | {m["over_imports"] / mib:.1f} | '
              f'{m["over_model"] / mib:.1f} | '
              f'{2 * r["macs"]["total"] / 1e9:.4g} | {r["floor"]:.4g} | '
              f'{r["x_floor"]:.3g} | {ratio_t} | {ratio_m} |')
    print('floor = 2 x train step MACs / the matmul throughput of the '
          "row's precision; x the floor = step time / floor")
    print('\ncompute count per step (multiply-adds, get_flops\' counter; '
          f'{args.batch_size} image(s))')
    parts = ('forward', 'recomputed', 'input_grads', 'second_operands',
             'weight_grads', 'total')
    print('| row | ' + ' | '.join(parts) + ' |')
    print('|' + '---|' * (len(parts) + 1))
    for name, r in measured.items():
        print(f'| {name} | ' + ' | '.join(str(r['macs'][p])
                                          for p in parts) + ' |')
    print(f'rule: {summary["rule"]}')


if __name__ == '__main__':
    main()
