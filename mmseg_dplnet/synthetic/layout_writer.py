"""Synthetic samples in the layout of any multimodal dataset.

Gradients and boxes (which compress like photos), smooth depth, thermal or
HHA maps of the dataset's bit depth, and label ids of its classes: data to
time a dataset's pipeline (``tools/analysis_tools/benchmark_pipeline.py``)
without the dataset. Not meant to be learned from: the demo's scenes are
:func:`~.dataset_writer.write_synthetic_nyuv2`.
"""
import os
import os.path as osp
from typing import Tuple

import cv2
import numpy as np

from mmseg_dplnet.datasets import MultiModalSegDataset, RGBXLayout


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


def write_layout_samples(dataset: MultiModalSegDataset,
                         root: str,
                         size: Tuple[int, int],
                         num_samples: int = 8) -> str:
    """Write synthetic samples in the layout a dataset reads.

    Args:
        dataset (MultiModalSegDataset): A lazily built dataset
            (``lazy_init=True``): its layout (the first one for ``'auto'``),
            split, suffixes, modality and bit depth are followed.
        root (str): The new data_root.
        size (tuple): ``(h, w)`` of the samples.
        num_samples (int): Samples to write. Default: 8.

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
    names = [f'{i:06d}' for i in range(num_samples)]

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
