from .dual_prompt_block import DualPromptBlock
from .prompt_adapter import PromptAdapter
from .prompt_attention import PromptAttentionBranch, PromptedEfficientAttention

__all__ = [
    'DualPromptBlock', 'PromptAdapter', 'PromptAttentionBranch',
    'PromptedEfficientAttention'
]
