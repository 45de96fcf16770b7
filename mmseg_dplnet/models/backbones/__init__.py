from .dual_prompt_mit import MIT_ARCHS, DualPromptMiT, resolve_mit_arch

__all__ = ['DualPromptMiT', 'MIT_ARCHS', 'resolve_mit_arch']
