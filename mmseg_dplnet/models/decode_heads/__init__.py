from .dplnet_head import DPLNetHead

__all__ = ['DPLNetHead']
