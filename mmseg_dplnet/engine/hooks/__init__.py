from .visualization_hook import RGBXSegVisualizationHook

__all__ = ['RGBXSegVisualizationHook']
