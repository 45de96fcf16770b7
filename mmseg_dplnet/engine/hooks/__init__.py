from .random_state_hook import RandomStateHook
from .visualization_hook import RGBXSegVisualizationHook

__all__ = ['RandomStateHook', 'RGBXSegVisualizationHook']
