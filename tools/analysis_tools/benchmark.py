"""Inference speed of a config's segmentor: images/s and latency per image.

    python tools/analysis_tools/benchmark.py CONFIG [CHECKPOINT] \
        [--num-images 200] [--shape H W] [--batch-size 1] [--warmup 5] \
        [--device cpu|cuda] [--repeat 1] [--work-dir DIR] [--cfg-options ...]

Inputs: the images of the config's test set, through its test pipeline
and dataloader (cycled when it has fewer than ``--num-images``); or
synthetic images of ``--shape`` when it is given or when the test set is not
found (then the data preprocessor's ``size``), with as many channels as
``model.data_preprocessor.mean`` has values (RGB in 0..255, then the
auxiliary channels in [0, 1]).

What is timed: ``model(inputs, data_samples, mode='predict')`` on each
batch (the forward with the config's ``test_cfg``, the resize of the
logits to the image size, the argmax), in fp32 under ``torch.no_grad``,
with ``torch.cuda.synchronize()`` before and after on a GPU. Not timed:
loading / decoding the files, the pipeline, the data preprocessor
(normalisation, transfer to the device). The first ``--warmup`` batches are
run but not timed. Reported per run: images/s (timed images / timed
seconds) and latency in ms per image (a batch's time / its images; mean and
median over the timed batches).

Without CHECKPOINT the weights are random (the output says so): the speed
does not depend on them. The pretrained backbone file of ``init_cfg`` is
never loaded.
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import Dict, Iterator, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.dataset import BaseDataset
from mmengine.fileio import dump
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint
from mmengine.utils import mkdir_or_exist

import mmseg_dplnet  # noqa: F401  (registers the DPLNet modules)
from mmseg_dplnet.utils import add_cfg_options_argument, load_config
from mmseg.registry import DATASETS, MODELS
from mmseg.structures import SegDataSample


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark the inference speed of a segmentor '
        '(images/s, ms/image)')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint file; without it the weights are random')
    parser.add_argument(
        '--num-images',
        type=int,
        default=200,
        help='images timed per run (after the warm-up)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='time synthetic inputs of this size instead of the test set')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=1,
        help='images per forward (with the test set: its images must have '
        'one size after the test pipeline)')
    parser.add_argument(
        '--warmup',
        type=int,
        default=5,
        help='batches run before timing (not timed)')
    parser.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        help='device (default: cuda if available, else cpu)')
    parser.add_argument(
        '--repeat', type=int, default=1, help='number of timed runs')
    parser.add_argument(
        '--work-dir',
        help='if given, the results are dumped there as '
        'benchmark_<timestamp>.json')
    add_cfg_options_argument(parser)
    args = parser.parse_args()
    for name in ('num_images', 'batch_size', 'repeat'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    if args.warmup < 0:
        parser.error('--warmup must be >= 0')
    return args


def build_model(cfg: Config, checkpoint: Optional[str],
                device: str) -> torch.nn.Module:
    """The segmentor in eval mode on ``device``, random or loaded weights.

    The backbone's ``init_cfg`` is dropped: the pretrained file it names is
    not needed (and usually absent) for timing.
    """
    cfg.model.backbone.init_cfg = None
    cfg.model.pop('pretrained', None)
    cfg.model.train_cfg = None
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint} not found')
        load_checkpoint(model, checkpoint, map_location='cpu')
    model = revert_sync_batchnorm(model)
    return model.to(device).eval()


def input_channels(cfg: Config) -> Tuple[int, int]:
    """(all channels, RGB channels) of the model's input."""
    mean = (cfg.model.get('data_preprocessor') or {}).get('mean')
    if not mean:
        raise ValueError('model.data_preprocessor.mean is not set: the '
                         'number of input channels is read from its length')
    rgb = cfg.model.get('backbone', {}).get('rgb_channels', 3)
    return len(mean), min(rgb, len(mean))


def synthetic_batches(cfg: Config, shape: Tuple[int, int],
                      batch_size: int) -> Iterator[dict]:
    """The same batch of random RGB-X images, forever."""
    channels, rgb = input_channels(cfg)
    generator = torch.Generator().manual_seed(0)
    inputs = []
    for _ in range(batch_size):
        image = torch.rand((channels, *shape), generator=generator)
        image[:rgb] *= 255  # RGB in 0..255, auxiliary channels in [0, 1]
        inputs.append(image)
    while True:
        samples = [
            SegDataSample(
                metainfo=dict(
                    img_shape=shape, ori_shape=shape, pad_shape=shape))
            for _ in range(batch_size)
        ]
        yield dict(inputs=inputs, data_samples=samples)


def dataset_batches(cfg: Config, dataset: BaseDataset,
                    batch_size: int) -> Iterator[dict]:
    """The test set's batches, through its pipeline, cycled forever."""
    loader_cfg = cfg.test_dataloader.copy()
    loader_cfg['dataset'] = dataset
    loader_cfg['batch_size'] = batch_size
    loader_cfg['sampler'] = dict(type='DefaultSampler', shuffle=False)
    loader = Runner.build_dataloader(loader_cfg)
    while True:
        yield from loader


def find_test_set(cfg: Config) -> Tuple[Optional[BaseDataset], str]:
    """(the test dataset, a description), or (None, why it is not found)."""
    try:
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
    except FileNotFoundError as error:
        return None, str(error).splitlines()[0].split('. ')[0]
    return dataset, (f'{type(dataset).__name__} test set '
                     f'({len(dataset)} images, test pipeline)')


def time_run(model: torch.nn.Module, batches: Iterator[dict], num_images: int,
             warmup: int, device: str) -> Tuple[Dict[str, float], List[float]]:
    """Time ``mode='predict'`` on batches until ``num_images`` are timed.

    Args:
        model (nn.Module): The segmentor, in eval mode on ``device``.
        batches (Iterator[dict]): Batches in the dataloader's format.
        num_images (int): Images to time.
        warmup (int): Batches run first, not timed.
        device (str): ``'cpu'`` or ``'cuda'``.

    Returns:
        tuple[dict, list[float]]: ``images``, ``seconds``,
        ``images_per_s``, ``latency_ms_mean`` and ``latency_ms_median`` (per
        image); and the latency of each timed batch, in ms per image.
    """
    cuda = device.startswith('cuda')
    latencies: List[float] = []
    images = 0
    seconds = 0.
    done_warmup = 0
    while images < num_images:
        data = model.data_preprocessor(next(batches), False)
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.no_grad():
            model(data['inputs'], data['data_samples'], mode='predict')
        if cuda:
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - start
        if done_warmup < warmup:
            done_warmup += 1
            continue
        batch = data['inputs'].shape[0]
        images += batch
        seconds += elapsed
        latencies.append(1000 * elapsed / batch)
    return dict(
        images=images,
        seconds=seconds,
        images_per_s=images / seconds,
        latency_ms_mean=statistics.mean(latencies),
        latency_ms_median=statistics.median(latencies)), latencies


def main() -> None:
    args = parse_args()
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device == 'cuda' and not torch.cuda.is_available():
        sys.exit('--device cuda: CUDA is not available on this machine')
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    torch.backends.cudnn.benchmark = bool(
        cfg.get('env_cfg', {}).get('cudnn_benchmark', False))

    if args.shape is not None:
        dataset, shape = None, tuple(args.shape)
        source = 'synthetic inputs (--shape)'
    else:
        dataset, description = find_test_set(cfg)
        if dataset is not None:
            shape, source = None, description
        else:
            size = (cfg.model.get('data_preprocessor') or {}).get('size')
            if size is None:
                sys.exit(f'test set not found ({description}) and the data '
                         f'preprocessor has no size: give --shape H W')
            shape = tuple(size)
            source = ('synthetic inputs of the data preprocessor\'s size '
                      '(test set not found)')
            print(f'Test set not found: {description}', flush=True)

    model = build_model(cfg, args.checkpoint, device)
    channels, _ = input_channels(cfg)
    weights = (
        args.checkpoint if args.checkpoint else
        'random (no CHECKPOINT given; the speed does not depend on '
        'the weights)')
    print(f'Config: {args.config}')
    print(f'Weights: {weights}')
    shape_text = f', {channels}x{shape[0]}x{shape[1]}' if shape else ''
    cycled = (' (cycled)' if dataset is not None and len(dataset)
              < args.num_images + args.warmup * args.batch_size else '')
    print(f'Inputs: {source}{cycled}{shape_text}, {channels} channels')
    threads = (f' ({torch.get_num_threads()} threads)'
               if device == 'cpu' else f' ({torch.cuda.get_device_name()})')
    print(
        f'Device: {device}{threads}, fp32, batch size {args.batch_size}, '
        f'{args.warmup} warm-up batches not timed, {args.num_images} '
        f'images timed per run',
        flush=True)

    runs, latencies = [], []
    for run in range(args.repeat):
        batches = (
            synthetic_batches(cfg, shape, args.batch_size)
            if shape else dataset_batches(cfg, dataset, args.batch_size))
        result, batch_latencies = time_run(model, batches, args.num_images,
                                           args.warmup, device)
        runs.append(result)
        latencies += batch_latencies
        print(
            f'Run {run + 1}/{args.repeat}: '
            f'{result["images_per_s"]:.2f} images/s, latency mean '
            f'{result["latency_ms_mean"]:.2f} ms/image, median '
            f'{result["latency_ms_median"]:.2f} ms/image '
            f'({result["images"]} images in {result["seconds"]:.2f} s)',
            flush=True)

    speeds = [r['images_per_s'] for r in runs]
    summary = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        device=device,
        batch_size=args.batch_size,
        inputs=source,
        runs=runs,
        images_per_s_mean=statistics.mean(speeds),
        images_per_s_std=statistics.pstdev(speeds),
        latency_ms_mean=statistics.mean(latencies),
        latency_ms_median=statistics.median(latencies))
    print(f'Overall: {summary["images_per_s_mean"]:.2f} images/s (mean of '
          f'{args.repeat} run(s), std {summary["images_per_s_std"]:.2f}), '
          f'latency mean {summary["latency_ms_mean"]:.2f} ms/image, median '
          f'{summary["latency_ms_median"]:.2f} ms/image (all timed batches)')
    if args.work_dir is not None:
        mkdir_or_exist(args.work_dir)
        stamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
        path = osp.join(args.work_dir, f'benchmark_{stamp}.json')
        dump(summary, path, indent=4)
        print(f'Results saved to {path}')


if __name__ == '__main__':
    main()
