"""The adapter of DPLNet's multimodal prompt generator (MPG)."""
import torch
import torch.nn as nn
from mmengine.model import BaseModule


class PromptAdapter(BaseModule):
    """Fuse auxiliary prompt tokens with the frozen RGB tokens.

    ``prompt = expand(aux_reduce(aux) + rgb_reduce(rgb))``: two Linear
    layers C -> C / ratio, summed, then a Linear C / ratio -> C; no
    activation. The result is added to the RGB tokens and is the auxiliary
    input of the next stage's prompt embedding.

    Args:
        embed_dims (int): Channels C of the stage.
        reduction (int): Hidden width ratio. Default: 4.
    """

    def __init__(self, embed_dims: int, reduction: int = 4, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        hidden_dims = embed_dims // reduction
        self.aux_reduce = nn.Linear(embed_dims, hidden_dims)
        self.rgb_reduce = nn.Linear(embed_dims, hidden_dims)
        self.expand = nn.Linear(hidden_dims, embed_dims)

    def forward(self, aux_tokens: torch.Tensor,
                rgb_tokens: torch.Tensor) -> torch.Tensor:
        """Compute the stage's prompt.

        Args:
            aux_tokens (Tensor): Embedded auxiliary tokens, (B, N, C).
            rgb_tokens (Tensor): Frozen RGB patch tokens, (B, N, C).

        Returns:
            Tensor: The prompt, (B, N, C).
        """
        return self.expand(
            self.aux_reduce(aux_tokens) + self.rgb_reduce(rgb_tokens))
