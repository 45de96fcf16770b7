from .dual_prompt_mit import MIT_ARCHS, DualPromptMiT, resolve_mit_arch
from .dual_prompt_swin import DualPromptSwin
from .dual_prompt_vit import DualPromptViT

__all__ = [
    'DualPromptMiT', 'DualPromptSwin', 'DualPromptViT', 'MIT_ARCHS',
    'resolve_mit_arch'
]
