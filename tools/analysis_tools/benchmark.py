"""Inference speed of a config's segmentor on synthetic RGB-X inputs.

    python tools/analysis_tools/benchmark.py CONFIG [CHECKPOINT] \
        [--shape H W] [--batch-size 1] [--num-images 200] [--warmup 5] \
        [--repeat 1] [--device cpu|cuda] [--amp] [--matmul-size 2048] \
        [--work-dir DIR] [--cfg-options ...]

For the speed on the config's test set, mmseg's own
``tools/analysis_tools/benchmark.py`` works on these configs as it is; this
tool needs no dataset: it times random images of ``--shape`` (default: the
data preprocessor's size) with the model's channels (RGB in 0..255, the
auxiliary channels in [0, 1]).

Timed: ``model(inputs, data_samples, mode='predict')`` per batch (the
forward with the config's ``test_cfg``, the resize of the logits, the
argmax), ``torch.no_grad``, with ``torch.cuda.synchronize()`` around it on
a GPU; not the data preprocessor. Precision: fp32, or with ``--amp``
autocast as :func:`mmseg_dplnet.utils.cpu_bf16.amp_autocast` chooses it
(bf16 on a CPU with native bf16, fp16 on CUDA, fp32 on another CPU, said
in the header). Reported per run: images/s and the latency in ms per image
(mean and median over the timed batches). Without CHECKPOINT the weights
are random: the speed does not depend on them.

Compute floor (:mod:`mmseg_dplnet.utils.compute_floor`): the multiply-adds
of one forward of one image at the shape, counted with get_flops' counter
(``model(inputs)``, backbone + decode head: the same number as
``get_flops.py --shape H W``; the final resize of the logits and the argmax
are not counted), and this machine's ``torch.mm`` throughput
(``--matmul-size`` square matrices, the current thread count, median of 5)
in the precision that ran; ``floor = 2 x MACs / throughput`` per image and
``x the floor = median latency / floor`` (the median of all timed
batches).
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import Tuple

import torch
from mmengine.fileio import dump
from mmengine.model import revert_sync_batchnorm
from mmengine.utils import mkdir_or_exist

from mmseg.structures import SegDataSample
from mmseg_dplnet.apis import init_model
from mmseg_dplnet.utils import (RGB_CHANNELS, add_cfg_options_argument,
                                floor_seconds, forward_macs, load_config,
                                matmul_gflops, stacked_channels)
from mmseg_dplnet.utils.compute_floor import dtype_name
from mmseg_dplnet.utils.cpu_bf16 import (amp_autocast, amp_dtype,
                                         cpu_bf16_support)


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
    parser.add_argument(
        '--amp', action='store_true',
        help='autocast: bf16 on a CPU with native bf16, fp16 on CUDA (fp32 '
        'on another CPU)')
    parser.add_argument('--matmul-size', type=int, default=2048,
                        help='square torch.mm whose throughput sets the '
                        'floor')
    parser.add_argument('--work-dir', help='dump benchmark_<time>.json here')
    add_cfg_options_argument(parser)
    args = parser.parse_args()
    for name in ('num_images', 'batch_size', 'repeat', 'matmul_size'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    return args


def precision(device: str, amp: bool) -> Tuple[torch.dtype, str]:
    """The dtype the model computes in, and how the header says it.

    Args:
        device (str): ``'cpu'`` or ``'cuda'``.
        amp (bool): ``--amp`` was given.

    Returns:
        tuple[torch.dtype, str]: The dtype and its description.
    """
    if not amp:
        return torch.float32, 'fp32'
    dtype = amp_dtype(device)
    if device == 'cuda':
        return dtype, f'{dtype_name(dtype)} autocast (--amp)'
    reason = cpu_bf16_support()[1]
    if dtype is None:
        return torch.float32, (f'fp32 (--amp, but no native bf16 on this '
                               f'CPU: {reason}; MMSEG_DPLNET_CPU_BF16=1 '
                               f'forces it)')
    return dtype, f'{dtype_name(dtype)} autocast (--amp; {reason})'


def time_batches(model, data: dict, num_images: int, warmup: int,
                 cuda: bool, amp: bool) -> dict:
    """Run the preprocessed batch ``data`` until ``num_images`` are timed.

    Args:
        model (nn.Module): The segmentor, in eval mode.
        data (dict): The data preprocessor's output (``inputs``,
            ``data_samples``).
        num_images (int): Images to time (whole batches, rounded up).
        warmup (int): Batches run before timing.
        cuda (bool): Synchronise the GPU around each batch.
        amp (bool): Autocast (:func:`amp_autocast`).

    Returns:
        dict: The run's images, seconds, images/s, mean and median latency
        (ms/image) and every batch's latency (``latencies_ms``).
    """
    latencies = []
    size = len(data['inputs'])
    for step in range(warmup + -(-num_images // size)):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.no_grad(), amp_autocast(str(data['inputs'].device),
                                           amp):
            model(data['inputs'], data['data_samples'], mode='predict')
        if cuda:
            torch.cuda.synchronize()
        if step >= warmup:
            latencies.append(1000 * (time.perf_counter() - start) / size)
    images = len(latencies) * size
    seconds = sum(latencies) * size / 1000
    return dict(
        images=images,
        seconds=seconds,
        images_per_s=images / seconds,
        latency_ms_mean=statistics.mean(latencies),
        latency_ms_median=statistics.median(latencies),
        latencies_ms=latencies)


def compute_floor(model, inputs: torch.Tensor, dtype: torch.dtype,
                  latency_ms: float, device: str, matmul_size: int) -> dict:
    """Count one forward, measure the throughput, print the floor.

    Args:
        model (nn.Module): The segmentor.
        inputs (Tensor): One preprocessed image, (1, C, H, W).
        dtype (torch.dtype): What the model computed in.
        latency_ms (float): The median latency per image.
        device (str): Where it ran.
        matmul_size (int): Side of the timed ``torch.mm``.

    Returns:
        dict: ``macs_per_image``, ``throughput_gflops``, ``matmul``,
        ``floor_ms``, ``x_floor``.
    """
    macs = forward_macs(model, inputs)
    threads = torch.get_num_threads()
    rate = matmul_gflops(dtype, device, matmul_size)
    floor_ms = 1000 * floor_seconds(macs, rate)
    _, channels, height, width = inputs.shape
    name = dtype_name(dtype)
    print(f'Forward MACs per image: {macs} (get_flops\' counter, '
          f'model(inputs) at 1x{channels}x{height}x{width}; x2 = '
          f'{2 * macs / 1e9:.4g} GFLOP; the final resize and argmax not '
          f'counted)')
    print(f'Matmul throughput: {name} {rate:.1f} GFLOP/s (torch.mm '
          f'{matmul_size}x{matmul_size}, {threads} thread(s), median of 5)')
    print(f'Compute floor: {floor_ms:.4g} ms/image (2 x MACs / {name} '
          f'throughput); x the floor: {latency_ms / floor_ms:.3g} (median '
          f'latency {latency_ms:.4g} ms/image / floor)')
    return dict(
        macs_per_image=macs,
        matmul=dict(size=matmul_size, threads=threads, dtype=name),
        throughput_gflops=rate,
        floor_ms=floor_ms,
        x_floor=latency_ms / floor_ms)


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
    dtype, described = precision(device, args.amp)
    print(f'Config: {args.config}\nWeights: '
          f'{args.checkpoint or "random (the speed does not depend on them)"}'
          f'\nInputs: synthetic, {args.batch_size}x{channels}x{shape[0]}x'
          f'{shape[1]}\nDevice: {device}, {described}, {args.warmup} '
          f'warm-up batches, {args.num_images} images timed per run',
          flush=True)
    data = model.data_preprocessor(batch, False)
    runs, latencies = [], []
    for run in range(args.repeat):
        result = time_batches(model, data, args.num_images, args.warmup,
                              device == 'cuda', args.amp)
        latencies += result.pop('latencies_ms')
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
    summary.update(precision=described,
                   **compute_floor(model, data['inputs'][:1], dtype,
                                   statistics.median(latencies), device,
                                   args.matmul_size))
    if cfg.model.get('test_cfg', {}).get('mode') == 'slide':
        print('Note: test_cfg mode "slide" runs the model on overlapping '
              'crops; the floor counts ONE forward of the whole image')
    if args.work_dir is not None:
        mkdir_or_exist(args.work_dir)
        path = osp.join(args.work_dir,
                        time.strftime('benchmark_%Y%m%d_%H%M%S.json'))
        dump(summary, path, indent=4)
        print(f'Results saved to {path}')


if __name__ == '__main__':
    main()
