"""Visualisation of multimodal samples (registered in mmseg).

Importing this package registers :class:`MultimodalSegLocalVisualizer` in
mmseg's ``VISUALIZERS``; the helpers return RGB uint8 images that other code
(the demo script, figures) composes.
"""
from .aux_sources import read_aux_for_display, split_stacked_image
from .colorize import colorize_aux, colorize_labels, overlay
from .legend import draw_legend
from .multimodal_visualizer import MultimodalSegLocalVisualizer

__all__ = [
    'MultimodalSegLocalVisualizer', 'colorize_aux', 'colorize_labels',
    'overlay', 'draw_legend', 'read_aux_for_display', 'split_stacked_image'
]
