"""Runner, loops and hooks (registered in mmseg's registries)."""
from .cpu_bf16_optim_wrapper import CPUBF16OptimWrapper
from .hooks import *  # noqa: F401,F403
from .loops import (RGBXEpochBasedTrainLoop, RGBXIterBasedTrainLoop,
                    RGBXTestLoop, RGBXValLoop, follow_model_modality)
from .runner import PortableRunner

__all__ = [
    'CPUBF16OptimWrapper', 'PortableRunner', 'RGBXIterBasedTrainLoop',
    'RGBXEpochBasedTrainLoop', 'RGBXValLoop', 'RGBXTestLoop', 'follow_model_modality'
]
