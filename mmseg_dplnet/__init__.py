"""mmseg-dplnet: DPLNet multimodal segmentation as an MMSegmentation plugin.

Importing the package (directly, or through a config's
``custom_imports = dict(imports=['mmseg_dplnet'])``) registers its models,
datasets, transforms and visualizer in mmseg's registries, and makes
mmengine load checkpoints weights-only while still reading the runner's own
checkpoints (see :mod:`mmseg_dplnet.utils.checkpoint_loading`).
"""
from . import apis, datasets, models, visualization  # noqa: F401,I001
from .utils import register_checkpoint_loading
from .version import __version__, version_info

register_checkpoint_loading()

__all__ = ['__version__', 'version_info']
