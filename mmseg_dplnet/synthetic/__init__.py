"""Synthetic data: the demo's RGB-D scenes, and samples in any dataset's
layout for benchmarks."""
from .dataset_writer import write_synthetic_nyuv2
from .layout_writer import write_layout_samples
from .rgbd_scenes import (CLASSES, NYUV2_IDS, PALETTE, RGB_AMBIGUOUS, Scene,
                          render_scene)

__all__ = [
    'CLASSES', 'NYUV2_IDS', 'PALETTE', 'RGB_AMBIGUOUS', 'Scene', 'render_scene',
    'write_layout_samples', 'write_synthetic_nyuv2'
]
