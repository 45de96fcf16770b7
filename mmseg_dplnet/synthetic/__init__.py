"""Synthetic RGB-D scenes for the demo and the tests."""
from .dataset_writer import write_synthetic_nyuv2
from .rgbd_scenes import (CLASSES, NYUV2_IDS, PALETTE, RGB_AMBIGUOUS, Scene,
                          render_scene)

__all__ = [
    'CLASSES', 'NYUV2_IDS', 'PALETTE', 'RGB_AMBIGUOUS', 'Scene', 'render_scene',
    'write_synthetic_nyuv2'
]
