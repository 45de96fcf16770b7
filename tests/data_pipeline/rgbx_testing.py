"""Helpers of the data pipeline tests: real configs, real components.

The dataset configs are loaded from ``configs/_base_/datasets`` with
``mmengine.Config.fromfile``; the tests only point ``data_root`` at a tiny
fixture and, where a pipeline would up-scale the 24x32 fixture to the
dataset's native resolution, replace that resolution by the fixture's.
"""
import copy
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

import mmseg_dplnet  # noqa: F401  (registers datasets and transforms)
from mmseg.registry import DATASETS, MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATASET_CONFIGS = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets')

# The paper's normalisation, written out here on purpose: the tests compare
# the configs' data preprocessor against these numbers, not against itself.
PAPER_RGB_MEAN = np.array([123.675, 116.28, 103.53], dtype=np.float64)
PAPER_RGB_STD = np.array([58.395, 57.12, 57.375], dtype=np.float64)
PAPER_AUX_MEAN, PAPER_AUX_STD = 0.449, 0.226


def load_config(name: str) -> Config:
    """Load ``configs/_base_/datasets/<name>.py``."""
    return Config.fromfile(osp.join(DATASET_CONFIGS, name + '.py'))


def fit_pipeline(pipeline: Sequence[dict],
                 size: Tuple[int, int],
                 crop: Optional[Tuple[int, int]] = None) -> List[dict]:
    """A copy of a config pipeline at the fixture's resolution.

    Only the native resolutions change: ``scale`` of ``Resize`` /
    ``RandomResize`` becomes the fixture size ``(h, w)`` (so ``Resize`` is the
    identity and ``RandomResize`` keeps its ratio range), ``crop_size`` of
    ``RandomCrop`` becomes ``crop``. Everything else is the config's.
    """
    pipeline = copy.deepcopy(list(pipeline))
    for transform in pipeline:
        if transform['type'] in ('Resize', 'RandomResize'
                                 ) and transform.get('scale') is not None:
            transform['scale'] = (size[1], size[0])
        if transform['type'] == 'RandomCrop' and crop is not None:
            transform['crop_size'] = crop
    return pipeline


def build_dataset(cfg: Config,
                  dataloader: str,
                  data_root: str,
                  pipeline: Optional[Sequence[dict]] = None,
                  **overrides):
    """Build the dataset of ``cfg[dataloader]`` on ``data_root``."""
    dataset_cfg = copy.deepcopy(cfg[dataloader]['dataset'])
    dataset_cfg['data_root'] = data_root
    if pipeline is not None:
        dataset_cfg['pipeline'] = list(pipeline)
    dataset_cfg.update(overrides)
    return DATASETS.build(dataset_cfg)


def build_preprocessor(cfg: Config,
                       size: Optional[Tuple[int, int]] = None,
                       **overrides):
    """The data preprocessor a recipe builds from this dataset config: the
    model base config's, with the dataset's merged in (pad size optionally
    set)."""
    model = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', '_base_', 'models', 'dplnet_mit-b5.py'))
    dp_cfg = copy.deepcopy(model.model.data_preprocessor)
    dp_cfg.update(cfg.data_preprocessor)
    if size is not None:
        dp_cfg['size'] = size
    dp_cfg.update(overrides)
    return MODELS.build(dp_cfg)


def preprocess(preprocessor,
               packed: Sequence[dict],
               training: bool = False) -> dict:
    """Collate packed samples and run them through the data preprocessor."""
    return preprocessor(pseudo_collate(list(packed)), training=training)


def paper_normalised(rgb: np.ndarray, aux_unit: np.ndarray) -> np.ndarray:
    """``(C, H, W)`` float64 of what the model must receive.

    Args:
        rgb (np.ndarray): ``(H, W, 3)`` in R, G, B order, 0..255.
        aux_unit (np.ndarray): ``(H, W)`` or ``(H, W, C)`` in [0, 1]; a 2-D
            array is taken as one channel.
    """
    rgb = (rgb.astype(np.float64) - PAPER_RGB_MEAN) / PAPER_RGB_STD
    aux = aux_unit.astype(np.float64)
    if aux.ndim == 2:
        aux = aux[..., None]
    aux = (aux - PAPER_AUX_MEAN) / PAPER_AUX_STD
    return np.concatenate([rgb, aux], -1).transpose(2, 0, 1)


def denormalise_rgb(inputs: torch.Tensor) -> np.ndarray:
    """``(H, W, 3)`` 0..255 values back from normalised RGB channels."""
    rgb = inputs[:3].double().numpy().transpose(1, 2, 0)
    return rgb * PAPER_RGB_STD + PAPER_RGB_MEAN


def expected_gt(raw_label: np.ndarray, reduce_zero_label: bool) -> np.ndarray:
    """The ground truth mmseg must train on for a raw label file."""
    raw = raw_label.astype(np.int64)
    if reduce_zero_label:
        return np.where(raw == 0, 255, raw - 1)
    return raw
