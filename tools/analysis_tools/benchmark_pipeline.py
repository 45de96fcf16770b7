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
import os
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
from mmseg_dplnet.datasets import MultiModalSegDataset, RGBXLayout
from mmseg_dplnet.utils import add_cfg_options_argument, load_config

# native (h, w) of the datasets, used for synthetic samples
NATIVE_SIZES = dict(
    NYUv2SegDataset=(480, 640),
    SUNRGBDSegDataset=(530, 730),
    MFNetDataset=(480, 640),
    PST900Dataset=(720, 1280))
NUM_SYNTHETIC_FILES = 8


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


def _smooth_rgb(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """An RGB image with gradients and boxes (compresses like a photo)."""
    h, w = size
    y, x = np.mgrid[:h, :w].astype(np.float32)
    img = np.stack([x / w * 200, y / h * 200, (x + y) / (h + w) * 255], -1)
    for _ in range(12):
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        img[y0:y0 + h // 4, x0:x0 + w // 4] = rng.integers(0, 256, 3)
    img += rng.normal(0, 4, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _suffix(dataset: MultiModalSegDataset, attr: str) -> str:
    suffixes = getattr(dataset, attr)
    return suffixes if isinstance(suffixes, str) else suffixes[0]


def write_synthetic_dataset(dataset: MultiModalSegDataset, root: str,
                            size: Tuple[int, int]) -> str:
    """Write ``NUM_SYNTHETIC_FILES`` samples in the dataset's layout.

    Args:
        dataset (MultiModalSegDataset): A lazily built dataset: its layout,
            split, suffixes, modality and bit depth are followed.
        root (str): The new data_root.
        size (tuple): ``(h, w)`` of the samples.

    Returns:
        str: The name of the layout written.
    """
    layouts = {layout.name: layout for layout in dataset.LAYOUTS}
    layout: RGBXLayout = layouts.get(dataset.layout, dataset.LAYOUTS[0])
    split = dataset.split
    bits = dataset.aux_options.get('aux_bit_depth', 8)
    num_ids = len(dataset.METAINFO['classes']) + int(dataset.reduce_zero_label)
    rng = np.random.default_rng(0)
    h, w = size
    y, x = np.mgrid[:h, :w]
    names = [f'{i:06d}' for i in range(NUM_SYNTHETIC_FILES)]

    def folder(template: str, aux: str = '') -> str:
        path = layout.path(root, template, split, aux)
        os.makedirs(path, exist_ok=True)
        return path

    img_dir = folder(layout.img_dir)
    seg_dir = folder(layout.seg_map_dir)
    aux_dir = None if layout.aux_dir is None else folder(
        layout.aux_dir, dataset.aux_folder_name(layout))
    for i, name in enumerate(names):
        bgr = _smooth_rgb(rng, size)[..., ::-1]
        if dataset.aux_modality == 'hha':
            aux = _smooth_rgb(rng, size)
        elif bits == 16:
            aux = (500 + 9000 * (x + y) / (h + w)).astype(np.uint16)
        else:
            aux = ((x + y + 16 * i) * 255 // (h + w + 128)).astype(np.uint8)
        label = ((x * 8 // w + y * 6 // h + i) % num_ids).astype(np.uint8)
        if aux_dir is None:  # 4-channel RGBX file
            assert cv2.imwrite(
                osp.join(img_dir, name + '.png'), np.dstack([bgr, aux]))
        else:
            assert cv2.imwrite(
                osp.join(img_dir, name + _suffix(dataset, 'img_suffix')),
                np.ascontiguousarray(bgr))
            assert cv2.imwrite(
                osp.join(aux_dir, name + _suffix(dataset, 'aux_suffix')), aux)
        assert cv2.imwrite(
            osp.join(seg_dir, name + _suffix(dataset, 'seg_map_suffix')),
            label)
    if layout.split_file is not None:
        with open(layout.path(root, layout.split_file, split), 'w') as f:
            f.write('\n'.join(names) + '\n')
    return layout.name


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
        layout = write_synthetic_dataset(probe, tmp_root, size)
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
