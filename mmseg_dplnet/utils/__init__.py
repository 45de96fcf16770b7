from .checkpoint_loading import (UnsafeCheckpointError,
                                 allow_runner_checkpoints,
                                 load_local_checkpoint,
                                 register_checkpoint_loading)
from .config_cli import add_cfg_options_argument, load_config
from .channel_split import (RGB_CHANNELS, apply_aux_modality,
                            model_aux_modality, stacked_channels)

__all__ = [
    'add_cfg_options_argument', 'load_config',
    'UnsafeCheckpointError', 'allow_runner_checkpoints',
    'load_local_checkpoint', 'register_checkpoint_loading', 'RGB_CHANNELS',
    'apply_aux_modality', 'model_aux_modality', 'stacked_channels'
]
