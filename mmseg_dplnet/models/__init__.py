"""DPLNet models (registered in mmseg's MODELS and optimizer registries)."""
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .decode_heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
