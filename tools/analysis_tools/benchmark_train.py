"""Train-step time and peak memory of a config's model.

    python tools/analysis_tools/benchmark_train.py CONFIG --shape 480 640 \
        [--with-cp] [--baseline] [--batch-size 1] [--iters 3] [--amp]

Rows measured (each in its own process, so that each peak is its own):

- ``dplnet``: the config's model as it is;
- ``dplnet+cp`` (``--with-cp``): the same with ``backbone.with_cp=True``;
- ``baseline`` (``--baseline``): two stock mmseg MiT of the same size, fully
  fine-tuned, their features summed, and the same head: a lower bound on
  the cost of dual-branch methods such as CMX.

A step is ``model.train_step`` (data preprocessor, forward, loss, backward,
optimizer step) on the same synthetic batch. Time is the median over
``--iters`` steps after ``--warmup``; memory is the peak resident set size
above the process's size after imports (CPU), or
``torch.cuda.max_memory_allocated`` (GPU).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Dict, List

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_dplnet  # noqa: F401
from mmseg.models.backbones import MixVisionTransformer
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_dplnet.models import resolve_mit_arch
from mmseg_dplnet.utils import (RGB_CHANNELS, add_cfg_options_argument,
                                load_config, stacked_channels)


class DualMiTSumBaseline(nn.Module):
    """Two stock MiT encoders, one per modality, features summed (built by
    class, not registered: it exists only for this benchmark).

    Args:
        arch (str | dict): MiT size, as for DualPromptMiT.
        aux_channels (int): Input channels of the auxiliary encoder; a
            single-channel modality is replicated to them, as DualPromptMiT
            does.
        drop_path_rate (float): Stochastic depth of both encoders.
    """

    def __init__(self, arch='b5', aux_channels=3, drop_path_rate=0.1,
                 **unused):
        super().__init__()
        setting = resolve_mit_arch(arch)
        kwargs = dict(
            embed_dims=setting['embed_dims'],
            num_layers=setting['num_layers'],
            num_heads=setting['num_heads'],
            sr_ratios=setting['sr_ratios'],
            drop_path_rate=drop_path_rate)
        self.aux_channels = aux_channels
        self.rgb = MixVisionTransformer(in_channels=RGB_CHANNELS, **kwargs)
        self.aux = MixVisionTransformer(in_channels=aux_channels, **kwargs)

    def forward(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        rgb, aux = inputs[:, :RGB_CHANNELS], inputs[:, RGB_CHANNELS:]
        aux = aux.expand(-1, self.aux_channels, -1, -1)
        return [a + b for a, b in zip(self.rgb(rgb), self.aux(aux))]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark the train step (time, peak memory)')
    parser.add_argument('config', help='config file')
    parser.add_argument('--shape', type=int, nargs=2, default=[480, 640],
                        metavar=('H', 'W'), help='input height and width')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--iters', type=int, default=3,
                        help='timed steps (median reported)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--with-cp', action='store_true',
                        help='also measure with activation checkpointing')
    parser.add_argument('--baseline', action='store_true',
                        help='also measure the dual-MiT fine-tuned baseline')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (GPU only)')
    parser.add_argument('--device', default=None,
                        help='cpu or cuda (default: cuda if available)')
    add_cfg_options_argument(parser)
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    return parser.parse_args()


def variant_config(cfg: Config, variant: str, amp: bool) -> Config:
    """The config's model / optimizer adapted for one benchmark row."""
    model = cfg.model
    model.backbone.init_cfg = None  # weights do not change the cost
    model.pop('pretrained', None)
    optim = cfg.optim_wrapper
    optim['type'] = 'AmpOptimWrapper' if amp else 'OptimWrapper'
    if not amp:
        optim.pop('loss_scale', None)
    if variant == 'dplnet+cp':
        model.backbone.with_cp = True
    elif variant == 'baseline':
        model.backbone.type = DualMiTSumBaseline
        optim.pop('constructor', None)  # every parameter learns
    return cfg


def synthetic_batch(cfg: Config, batch: int, shape: List[int]) -> dict:
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


def peak_memory_bytes(device: str, rss_after_imports: int) -> int:
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (peak_kib - rss_after_imports) * 1024


def run_worker(args: argparse.Namespace) -> Dict[str, float]:
    """Measure one row in this process; print its result as JSON."""
    rss_after_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    cfg = variant_config(cfg, args.worker, args.amp)
    cfg.model.data_preprocessor['size'] = tuple(args.shape)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(args.device)
    model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    data = synthetic_batch(cfg, args.batch_size, args.shape)
    times = []
    for step in range(args.warmup + args.iters):
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        model.train_step(data, optim_wrapper)
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    learnable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return dict(
        step_time=statistics.median(times),
        peak_memory=peak_memory_bytes(args.device, rss_after_imports),
        learnable=learnable,
        total=sum(p.numel() for p in model.parameters()))


def main() -> None:
    args = parse_args()
    args.device = args.device or ('cuda'
                                  if torch.cuda.is_available() else 'cpu')
    if args.worker:
        print('RESULT ' + json.dumps(run_worker(args)))
        return
    variants = ['dplnet'] + (['dplnet+cp'] if args.with_cp else []) + (
        ['baseline'] if args.baseline else [])
    results = {}
    for variant in variants:
        command = [sys.executable, __file__] + sys.argv[1:] + [
            '--worker', variant, '--device', args.device]
        print(f'measuring {variant} ...', flush=True)
        out = subprocess.run(command, capture_output=True, text=True,
                             env=dict(os.environ))
        lines = [line for line in out.stdout.splitlines()
                 if line.startswith('RESULT ')]
        if out.returncode != 0 or not lines:
            sys.exit(f'{variant} failed:\n{out.stderr[-4000:]}')
        results[variant] = json.loads(lines[-1][len('RESULT '):])
    print_table(results, args)


def print_table(results: Dict[str, dict], args: argparse.Namespace) -> None:
    """Print one row per variant, with ratios to the baseline if any."""
    base = results.get('baseline')
    precision = 'AMP' if args.amp else 'fp32'
    print(f'\ntrain step, {args.config}, input {args.batch_size}x'
          f'{args.shape[0]}x{args.shape[1]}, {args.device}, {precision}, '
          f'median of {args.iters}')
    header = ('model', 'learnable', 'step time (s)', 'peak memory (GiB)',
              'time / baseline', 'memory / baseline')
    print('| ' + ' | '.join(header) + ' |')
    print('|' + '---|' * len(header))
    for name, r in results.items():
        ratio_t = f'{r["step_time"] / base["step_time"]:.2f}' if base else '-'
        ratio_m = (f'{r["peak_memory"] / base["peak_memory"]:.2f}'
                   if base else '-')
        print(f'| {name} | {r["learnable"] / 1e6:.2f}M / '
              f'{r["total"] / 1e6:.2f}M | {r["step_time"]:.2f} | '
              f'{r["peak_memory"] / 2**30:.2f} | {ratio_t} | {ratio_m} |')


if __name__ == '__main__':
    main()
