from .prompt_checkpoint_hook import PromptCheckpointHook
from .random_state_hook import RandomStateHook
from .visualization_hook import RGBXSegVisualizationHook

__all__ = [
    'PromptCheckpointHook', 'RandomStateHook', 'RGBXSegVisualizationHook'
]
