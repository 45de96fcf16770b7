from .channel_split import (RGB_CHANNELS, apply_aux_modality,
                            model_aux_modality, stacked_channels)
from .checkpoint_loading import (CheckpointFileError, UnsafeCheckpointError,
                                 allow_runner_checkpoints,
                                 load_http_checkpoint, load_local_checkpoint,
                                 register_checkpoint_loading)
from .compute_floor import (TRAIN_RULE, TrainStepMacs, floor_seconds,
                            forward_macs, matmul_gflops, train_step_macs)
from .config_cli import (add_cfg_options_argument, load_config,
                         mmseg_tool_script)
from .saliency import saliency_map

__all__ = [
    'RGB_CHANNELS', 'apply_aux_modality', 'model_aux_modality',
    'stacked_channels', 'CheckpointFileError', 'UnsafeCheckpointError',
    'allow_runner_checkpoints', 'load_http_checkpoint',
    'load_local_checkpoint', 'register_checkpoint_loading',
    'add_cfg_options_argument', 'load_config', 'mmseg_tool_script',
    'saliency_map', 'TRAIN_RULE', 'TrainStepMacs', 'floor_seconds',
    'forward_macs', 'matmul_gflops', 'train_step_macs'
]
