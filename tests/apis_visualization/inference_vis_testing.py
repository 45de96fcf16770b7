"""Paths and readers shared by the inference and visualisation tests."""
import os.path as osp

import cv2
import numpy as np
from dplnet_testing import CONFIG_DIR

#: The small DualPromptMiT of the demo (8 classes, 16-bit depth, 120x160).
DPLNET_CONFIG = osp.join(CONFIG_DIR, 'demo', 'dplnet_synthetic.py')
#: The stock RGB-only SegFormer on the same data.
SEGFORMER_CONFIG = osp.join(CONFIG_DIR, 'demo', 'segformer_rgb_synthetic.py')
#: (h, w) of the synthetic images, the config's size.
SIZE = (120, 160)
NUM_TEST = 2
VISUALIZER = 'MultimodalSegLocalVisualizer'
#: Environment of the tools run by these tests (see conftest.py).
ONE_THREAD = {'OMP_NUM_THREADS': '1'}


def sample_files(root: str, index: int = 0):
    """RGB, depth and label files of test sample ``index``."""
    stem = f'test_{index:05d}'
    return (osp.join(root, 'RGB',
                     stem + '.jpg'), osp.join(root, 'Depth', stem + '.png'),
            osp.join(root, 'Label', stem + '.png'))


def read_rgb(path: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB of an image file."""
    return np.ascontiguousarray(cv2.imread(path, cv2.IMREAD_COLOR)[..., ::-1])


def read_unchanged(path: str) -> np.ndarray:
    """The file's array as stored (bit depth kept)."""
    array = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert array is not None, path
    return array
