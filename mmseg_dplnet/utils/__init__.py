from .checkpoint_loading import (UnsafeCheckpointError,
                                 allow_runner_checkpoints,
                                 load_local_checkpoint,
                                 register_checkpoint_loading)
from .config_cli import add_cfg_options_argument, load_config
from .launch import (configure_launcher, fall_back_to_fp32_without_cuda,
                     shut_down_distributed)

__all__ = [
    'add_cfg_options_argument', 'load_config',
    'UnsafeCheckpointError', 'allow_runner_checkpoints',
    'load_local_checkpoint', 'register_checkpoint_loading',
    'configure_launcher', 'fall_back_to_fp32_without_cuda',
    'shut_down_distributed'
]
