"""Inference speed of a config's segmentor on synthetic RGB-X inputs.

    python tools/analysis_tools/benchmark.py CONFIG [CHECKPOINT] \
        [--shape H W] [--batch-size 1] [--num-images 200] [--warmup 5] \
        [--repeat 1] [--device cpu|cuda] [--work-dir DIR] [--cfg-options ...]

For the speed on the config's test set, mmseg's own
``tools/analysis_tools/benchmark.py`` works on these configs as it is; this
tool needs no dataset: it times random images of ``--shape`` (default: the
data preprocessor's size) with the model's channels (RGB in 0..255, the
auxiliary channels in [0, 1]).

Timed: ``model(inputs, data_samples, mode='predict')`` per batch (the
forward with the config's ``test_cfg``, the resize of the logits, the
argmax), fp32, ``torch.no_grad``, with ``torch.cuda.synchronize()`` around
it on a GPU; not the data preprocessor. Reported per run: images/s and the
latency in ms per image (mean and median over the timed batches). Without
CHECKPOINT the weights are random: the speed does not depend on them.
"""
import argparse
import os.path as osp
import statistics
import sys
import time

import torch
from mmengine.fileio import dump
from mmengine.model import revert_sync_batchnorm
from mmengine.utils import mkdir_or_exist

from mmseg.structures import SegDataSample
from mmseg_dplnet.apis import init_model
from mmseg_dplnet.utils import (RGB_CHANNELS, add_cfg_options_argument,
                                load_config, stacked_channels)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Inference speed on synthetic RGB-X inputs')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'))
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--num-images', type=int, default=200,
                        help='images timed per run (after the warm-up)')
    parser.add_argument('--warmup', type=int, default=5,
                        help='batches run before timing')
    parser.add_argument('--repeat', type=int, default=1, help='timed runs')
    parser.add_argument('--device', choices=['cpu', 'cuda'])
    parser.add_argument('--work-dir', help='dump benchmark_<time>.json here')
    add_cfg_options_argument(parser)
    args = parser.parse_args()
    for name in ('num_images', 'batch_size', 'repeat'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    return args


def time_batches(model, batch: dict, num_images: int, warmup: int,
                 cuda: bool) -> dict:
    """Run ``batch`` until ``num_images`` are timed; the run's figures."""
    data = model.data_preprocessor(batch, False)
    latencies = []
    for step in range(warmup + -(-num_images // len(batch['inputs']))):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.no_grad():
            model(data['inputs'], data['data_samples'], mode='predict')
        if cuda:
            torch.cuda.synchronize()
        if step >= warmup:
            latencies.append(1000 * (time.perf_counter() - start) /
                             len(batch['inputs']))
    images = len(latencies) * len(batch['inputs'])
    seconds = sum(latencies) * len(batch['inputs']) / 1000
    return dict(
        images=images,
        seconds=seconds,
        images_per_s=images / seconds,
        latency_ms_mean=statistics.mean(latencies),
        latency_ms_median=statistics.median(latencies))


def main() -> None:
    args = parse_args()
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device == 'cuda' and not torch.cuda.is_available():
        sys.exit('--device cuda: CUDA is not available on this machine')
    cfg = load_config(args.config, args.cfg_options)
    shape = tuple(args.shape or cfg.model.data_preprocessor.get('size') or ())
    if len(shape) != 2:
        sys.exit('give --shape H W (the data preprocessor has no size)')
    channels = stacked_channels(cfg.model)
    model = revert_sync_batchnorm(init_model(cfg, args.checkpoint, device))
    generator = torch.Generator().manual_seed(0)
    inputs = [
        torch.rand((channels, *shape), generator=generator) *
        torch.tensor([255.] * RGB_CHANNELS + [1.] *
                     (channels - RGB_CHANNELS)).view(-1, 1, 1)
        for _ in range(args.batch_size)
    ]
    meta = dict(img_shape=shape, ori_shape=shape, pad_shape=shape)
    batch = dict(
        inputs=inputs,
        data_samples=[
            SegDataSample(metainfo=meta) for _ in range(args.batch_size)
        ])
    print(f'Config: {args.config}\nWeights: '
          f'{args.checkpoint or "random (the speed does not depend on them)"}'
          f'\nInputs: synthetic, {args.batch_size}x{channels}x{shape[0]}x'
          f'{shape[1]}\nDevice: {device}, fp32, {args.warmup} warm-up '
          f'batches, {args.num_images} images timed per run', flush=True)
    runs = []
    for run in range(args.repeat):
        result = time_batches(model, batch, args.num_images, args.warmup,
                              device == 'cuda')
        runs.append(result)
        print(f'Run {run + 1}/{args.repeat}: {result["images_per_s"]:.2f} '
              f'images/s, latency mean {result["latency_ms_mean"]:.2f} '
              f'ms/image, median {result["latency_ms_median"]:.2f} ms/image '
              f'({result["images"]} images in {result["seconds"]:.2f} s)',
              flush=True)
    speeds = [r['images_per_s'] for r in runs]
    summary = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        device=device,
        shape=[args.batch_size, channels, *shape],
        runs=runs,
        images_per_s_mean=statistics.mean(speeds),
        images_per_s_std=statistics.pstdev(speeds))
    print(f'Overall: {summary["images_per_s_mean"]:.2f} images/s (mean of '
          f'{args.repeat} run(s), std {summary["images_per_s_std"]:.2f})')
    if args.work_dir is not None:
        mkdir_or_exist(args.work_dir)
        path = osp.join(args.work_dir,
                        time.strftime('benchmark_%Y%m%d_%H%M%S.json'))
        dump(summary, path, indent=4)
        print(f'Results saved to {path}')


if __name__ == '__main__':
    main()
