"""Visualisation of multimodal samples (registered in mmseg).

Importing this package registers :class:`MultimodalSegLocalVisualizer` in
mmseg's ``VISUALIZERS``: the one way to draw an RGB-X sample (RGB |
auxiliary | ground truth | prediction, and a legend of the classes).
"""
from .aux_display import colorize_aux, split_stacked_image
from .multimodal_visualizer import MultimodalSegLocalVisualizer

__all__ = [
    'MultimodalSegLocalVisualizer', 'colorize_aux', 'split_stacked_image'
]
