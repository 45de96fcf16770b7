from .checkpoint_loading import (UnsafeCheckpointError,
                                 allow_runner_checkpoints,
                                 load_local_checkpoint,
                                 register_checkpoint_loading)
from .launch import (configure_launcher, fall_back_to_fp32_without_cuda,
                     shut_down_distributed)

__all__ = [
    'UnsafeCheckpointError', 'allow_runner_checkpoints',
    'load_local_checkpoint', 'register_checkpoint_loading',
    'configure_launcher', 'fall_back_to_fp32_without_cuda',
    'shut_down_distributed'
]
