"""Samples per second of a config's train pipeline (loading + transforms).

    taskset -c 0 python tools/analysis_tools/benchmark_pipeline.py CONFIG \
        [--num-samples 200] [--data-root DIR] [--synthetic H W]

Runs ``train_dataloader.dataset`` in this one process, as one dataloader
worker would (OpenCV and torch single-threaded, like mmengine's
``opencv_num_threads=0``), without the model: ``taskset -c 0`` gives the
figure of one CPU core. The time per transform is printed as well.

Data: ``--data-root`` or the config's ``data_root``. With ``--synthetic H
W``, or when that folder holds no accepted layout, a temporary synthetic
dataset of H x W samples (default: the dataset's native size) is written in
the layout, suffixes and bit depth the config's dataset expects, then
removed.
"""
import argparse
import os.path as osp
import shutil
import tempfile
import time
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
import torch
from mmengine.registry import init_default_scope

import mmseg_dplnet  # noqa: F401  (registers datasets and transforms)
from mmseg.registry import DATASETS
from mmseg_dplnet.datasets import MultiModalSegDataset
from mmseg_dplnet.synthetic import write_layout_samples
from mmseg_dplnet.utils import add_cfg_options_argument, load_config

# native (h, w) of the datasets, used for synthetic samples
NATIVE_SIZES = dict(
    NYUv2SegDataset=(480, 640),
    SUNRGBDSegDataset=(530, 730),
    MFNetDataset=(480, 640),
    PST900Dataset=(720, 1280))


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Throughput of a config\'s train pipeline')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--num-samples', type=int, default=200, help='samples to time')
    parser.add_argument(
        '--warmup', type=int, default=10, help='untimed samples first')
    parser.add_argument('--data-root', help='override the config data_root')
    parser.add_argument(
        '--synthetic',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='time a temporary synthetic dataset of H x W samples')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the random transforms')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def _can_write_synthetic(dataset) -> bool:
    """Whether the dataset finds its files from a layout this tool writes."""
    return (isinstance(dataset, MultiModalSegDataset) and dataset.uses_layouts)


def _has_data(dataset, data_root: Optional[str]) -> bool:
    """Whether ``data_root`` holds data the dataset can read."""
    if not data_root or not osp.isdir(data_root):
        return False
    if not _can_write_synthetic(dataset):
        return True
    return any(
        layout.is_present(data_root, dataset.split)
        for layout in dataset.LAYOUTS
        if dataset.layout in ('auto', layout.name))


def time_pipeline(dataset, num_samples: int,
                  warmup: int) -> Tuple[float, Dict[str, float]]:
    """Run ``num_samples`` samples through the pipeline.

    Returns:
        tuple: Total seconds, and seconds per transform name.
    """
    per_transform: Dict[str, float] = defaultdict(float)
    transforms: List = dataset.pipeline.transforms
    total = 0.
    for step in range(warmup + num_samples):
        start = time.perf_counter()
        results = dataset.get_data_info(step % len(dataset))
        now = time.perf_counter()
        timed = step >= warmup
        if timed:
            per_transform['(get_data_info)'] += now - start
        for transform in transforms:
            before = now
            results = transform(results)
            now = time.perf_counter()
            if timed:
                per_transform[type(transform).__name__] += now - before
        if timed:
            total += now - start
    return total, per_transform


def main() -> None:
    """Build the train dataset, write synthetic data if needed, time it."""
    args = parse_args()
    cv2.setNumThreads(0)
    torch.set_num_threads(1)
    np.random.seed(args.seed)
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg.train_dataloader.dataset
    while 'dataset' in dataset_cfg:  # dataset wrappers
        dataset_cfg = dataset_cfg.dataset
    data_root = args.data_root or dataset_cfg.get('data_root')

    probe = DATASETS.build(
        dict(dataset_cfg, data_root=data_root, lazy_init=True))
    tmp_root: Optional[str] = None
    if args.synthetic or not _has_data(probe, data_root):
        dataset_type = type(probe).__name__
        if not _can_write_synthetic(probe):
            raise SystemExit(
                f'no data under {data_root}, and synthetic data can only be '
                f'written for the layouts of the multimodal datasets (not '
                f'for {dataset_type} with data_prefix)')
        size = tuple(
            args.synthetic
            or NATIVE_SIZES.get(dataset_type, cfg.get('crop_size',
                                                      (480, 640))))
        tmp_root = tempfile.mkdtemp(prefix='benchmark_pipeline_')
        layout = write_layout_samples(probe, tmp_root, size)
        data_root = tmp_root
        source = (f'synthetic {size[0]}x{size[1]} samples, {layout} layout '
                  f'({tmp_root})')
    else:
        source = data_root
    try:
        dataset = DATASETS.build(dict(dataset_cfg, data_root=data_root))
        print(f'dataset: {type(dataset).__name__}, split '
              f'{getattr(dataset, "split", "?")}, {len(dataset)} samples '
              f'from {source}')
        total, per_transform = time_pipeline(dataset, args.num_samples,
                                             args.warmup)
    finally:
        if tmp_root is not None:
            shutil.rmtree(tmp_root, ignore_errors=True)
    print(f'{"step":<28}{"ms / sample":>12}')
    for name, seconds in per_transform.items():
        print(f'{name:<28}{seconds / args.num_samples * 1000:>12.2f}')
    print(f'{"total":<28}{total / args.num_samples * 1000:>12.2f}')
    print(f'train pipeline throughput: {args.num_samples / total:.1f} '
          f'samples/s ({args.num_samples} samples, one process)')


if __name__ == '__main__':
    main()
