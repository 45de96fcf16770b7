"""mmseg-dplnet: DPLNet multimodal segmentation as an MMSegmentation plugin.

Importing the package (directly, or through a config's
``custom_imports = dict(imports=['mmseg_dplnet'])``) registers its models,
datasets, transforms, runner, loops, hooks, metric, inferencer and
visualizer in mmseg's registries; lets mmengine find its installed configs
by package path (``mmseg_dplnet::dplnet/nyuv2_b5.py``); and makes mmengine
load checkpoints weights-only while still reading the runner's own
checkpoints (see :mod:`mmseg_dplnet.utils.checkpoint_loading`).
"""
from mmengine.config.utils import MODULE2PACKAGE

from . import (apis, datasets, engine, evaluation, models,  # noqa: F401,I001
               registry, visualization)
from .utils import register_checkpoint_loading
from .version import __version__, version_info

register_checkpoint_loading()
# mmengine resolves ``package::path`` configs only for the packages in this
# table (the OpenMMLab ones); the entry points it to our ``.mim/configs``
MODULE2PACKAGE.setdefault('mmseg_dplnet', 'mmseg-dplnet')

__all__ = ['__version__', 'version_info']
