"""DualPromptMiT: a frozen SegFormer MiT taught an auxiliary modality by
DPLNet's dual prompts (Dong et al., IROS 2024)."""
import math
from typing import Dict, List, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule, ModuleList
from mmengine.model.weight_init import (constant_init, normal_init,
                                        trunc_normal_init)

from mmseg.models.utils import PatchEmbed, nlc_to_nchw
from mmseg.registry import MODELS
from mmseg_dplnet.utils.channel_split import RGB_CHANNELS
from ..layers.dual_prompt_block import DualPromptBlock
from ..layers.prompt_adapter import PromptAdapter
from ..weights.pretrained import is_prompt_key, load_pretrained_mit

# SegFormer's MiT sizes: stage width = embed_dims * num_heads[i].
MIT_ARCHS: Dict[str, dict] = {
    'b0': dict(embed_dims=32, num_layers=[2, 2, 2, 2]),
    'b1': dict(embed_dims=64, num_layers=[2, 2, 2, 2]),
    'b2': dict(embed_dims=64, num_layers=[3, 4, 6, 3]),
    'b3': dict(embed_dims=64, num_layers=[3, 4, 18, 3]),
    'b4': dict(embed_dims=64, num_layers=[3, 8, 27, 3]),
    'b5': dict(embed_dims=64, num_layers=[3, 6, 40, 3]),
}
MIT_DEFAULTS = dict(
    num_heads=[1, 2, 5, 8],
    patch_sizes=[7, 3, 3, 3],
    strides=[4, 2, 2, 2],
    sr_ratios=[8, 4, 2, 1],
    mlp_ratio=4)


def resolve_mit_arch(arch: Union[str, dict]) -> dict:
    """Return the full MiT settings of ``arch``.

    Args:
        arch (str | dict): ``'b0'`` .. ``'b5'``, or a dict with
            ``embed_dims`` and ``num_layers`` (and optionally ``num_heads``,
            ``patch_sizes``, ``strides``, ``sr_ratios``, ``mlp_ratio``).

    Returns:
        dict: All of the keys above.
    """
    if isinstance(arch, str):
        if arch.lower() not in MIT_ARCHS:
            raise ValueError(f'unknown MiT arch {arch!r}; choose one of '
                             f'{sorted(MIT_ARCHS)} or give a dict')
        arch = MIT_ARCHS[arch.lower()]
    missing = {'embed_dims', 'num_layers'} - set(arch)
    if missing:
        raise ValueError(f'a custom arch needs {sorted(missing)}')
    settings = dict(MIT_DEFAULTS, **arch)
    num_stages = len(settings['num_layers'])
    for key in ('num_heads', 'patch_sizes', 'strides', 'sr_ratios'):
        if len(settings[key]) != num_stages:
            raise ValueError(f'arch {key} has {len(settings[key])} entries '
                             f'for {num_stages} stages')
    return settings


def checkpointed_stages(with_cp: Union[bool, Sequence[int]],
                        num_stages: int) -> Tuple[int, ...]:
    """The stages whose blocks are recomputed in the backward pass.

    Args:
        with_cp (bool | Sequence[int]): True (every stage), False (none) or
            stage indices.
        num_stages (int): Stages of the backbone.

    Returns:
        tuple[int]: Sorted stage indices.
    """
    if isinstance(with_cp, bool):
        return tuple(range(num_stages)) if with_cp else ()
    stages = tuple(sorted(set(int(i) for i in with_cp)))
    if any(not 0 <= i < num_stages for i in stages):
        raise ValueError(
            f'with_cp={list(with_cp)} names stages outside 0..'
            f'{num_stages - 1}: give True, False or stage indices (e.g. '
            f'(2, ) for the third stage)')
    return stages


@MODELS.register_module()
class DualPromptMiT(BaseModule):
    """A frozen SegFormer MiT with DPLNet's two learnable prompt parts.

    The input is ONE tensor, the 3 RGB channels first, then the auxiliary
    modality (depth, HHA or thermal) in its own channels. Per stage, the
    multimodal prompt generator (MPG) embeds the auxiliary input (stage 1,
    replicated to ``aux_channels`` when it has one channel) or the previous
    stage's prompt, fuses it with the frozen RGB patch tokens in a
    :class:`PromptAdapter`, and adds the prompt to those tokens. Inside
    every frozen block, the multimodal feature adapter (MFA) adds a low-rank
    attention to a set of learnable prompt tokens shared by all blocks.
    Only the MPG, the prompt tokens, the prompt-attention branches and their
    LayerNorms learn (``requires_grad``); the RGB MiT stays frozen.

    The output is the list of stage feature maps, (B, C_i, H / s_i,
    W / s_i), as mmseg's :class:`MixVisionTransformer` gives them.

    Args:
        arch (str | dict): MiT size, ``'b0'`` .. ``'b5'`` or a dict (see
            :func:`resolve_mit_arch`). Default: ``'b5'``.
        aux_channels (int): Auxiliary channels the prompt generator embeds:
            3 (the paper's) takes HHA as it is and replicates a
            single-channel modality (depth, thermal) to 3 channels; 1 embeds
            a single-channel modality as it is. Default: 3.
        num_prompt_tokens (int): Learnable prompt tokens. Default: 30.
        prompt_dims (int): Width of a prompt token. Default: 32.
        prompt_ratio (int): The prompt-attention branch works in
            ``C // prompt_ratio`` channels. Default: 32.
        adapter_ratio (int): Hidden width ratio of the MPG adapters.
            Default: 4.
        out_indices (Sequence[int]): Stages whose maps are returned.
            Default: (0, 1, 2, 3).
        qkv_bias (bool): Bias of the attention projections. Default: True.
        drop_rate (float): Dropout of attention outputs and FFNs.
            Default: 0.
        attn_drop_rate (float): Attention dropout. Default: 0.
        drop_path_rate (float): Stochastic depth, growing linearly from 0 to
            this value over all blocks. Default: 0.1.
        act_cfg (dict): FFN activation. Default: GELU.
        norm_cfg (dict): Block and stage norms. Default: LN, eps 1e-6.
        embed_norm_cfg (dict): Norm of the patch embeddings and of the
            attention's spatially reduced keys / values. Default: LN with
            eps 1e-5, as NVlabs' SegFormer (mmseg's MiT uses eps 1e-6 there;
            set it so for weights trained with mmseg).
        frozen_eval (bool): Keep the frozen RGB encoder in eval mode while
            training, which also switches off its stochastic depth. The
            official training leaves it in train mode. Default: False.
        with_cp (bool | Sequence[int]): Activation checkpointing of the
            blocks: recompute them in the backward pass to save memory.
            True: every stage; a sequence of stage indices: those stages
            only (e.g. ``(2, )``, the 40 blocks of B5's stage 3, where most
            of the activations are). Default: False.
        lean_activations (bool): The frozen layers store for the backward
            pass only what it needs (see
            :mod:`~mmseg_dplnet.models.layers.lean_frozen_ops`): the same
            outputs and gradients, about half the activation memory, no
            recomputation. False: PyTorch's modules as they are.
            Default: True.
        init_cfg (dict, optional): ``dict(type='Pretrained',
            checkpoint=PATH)`` loads a pretrained RGB MiT in any supported
            format (see :func:`load_pretrained_mit`).
    """

    def __init__(self,
                 arch: Union[str, dict] = 'b5',
                 aux_channels: int = 3,
                 num_prompt_tokens: int = 30,
                 prompt_dims: int = 32,
                 prompt_ratio: int = 32,
                 adapter_ratio: int = 4,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.1,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 embed_norm_cfg: dict = dict(type='LN', eps=1e-5),
                 frozen_eval: bool = False,
                 with_cp: Union[bool, Sequence[int]] = False,
                 lean_activations: bool = True,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        settings = resolve_mit_arch(arch)
        num_layers = settings['num_layers']
        num_heads = settings['num_heads']
        self.num_stages = len(num_layers)
        self.embed_dims = [settings['embed_dims'] * h for h in num_heads]
        self.num_layers = num_layers
        if aux_channels < 1:
            raise ValueError(f'aux_channels must be >= 1, got {aux_channels}')
        self.aux_channels = aux_channels
        self.out_indices = tuple(out_indices)
        if max(self.out_indices) >= self.num_stages:
            raise ValueError(f'out_indices {self.out_indices} exceed the '
                             f'{self.num_stages} stages')
        self.frozen_eval = frozen_eval
        self.with_cp = checkpointed_stages(with_cp, self.num_stages)

        drop_path_rates = torch.linspace(0, drop_path_rate,
                                         sum(num_layers)).tolist()
        self.patch_embeds = ModuleList()
        self.prompt_embeds = ModuleList()
        self.prompt_adapters = ModuleList()
        self.blocks = ModuleList()
        self.norms = ModuleList()
        rgb_in, aux_in, first_block = RGB_CHANNELS, aux_channels, 0
        for stage, (dims, depth) in enumerate(zip(self.embed_dims,
                                                  num_layers)):
            patch_size = settings['patch_sizes'][stage]
            embed = dict(
                embed_dims=dims,
                kernel_size=patch_size,
                stride=settings['strides'][stage],
                padding=patch_size // 2,
                norm_cfg=embed_norm_cfg)
            self.patch_embeds.append(PatchEmbed(in_channels=rgb_in, **embed))
            self.prompt_embeds.append(PatchEmbed(in_channels=aux_in, **embed))
            self.prompt_adapters.append(PromptAdapter(dims, adapter_ratio))
            self.blocks.append(
                ModuleList([
                    DualPromptBlock(
                        dims,
                        num_heads[stage],
                        settings['mlp_ratio'] * dims,
                        sr_ratio=settings['sr_ratios'][stage],
                        prompt_dims=prompt_dims,
                        prompt_ratio=prompt_ratio,
                        drop_rate=drop_rate,
                        attn_drop_rate=attn_drop_rate,
                        drop_path_rate=drop_path_rates[first_block + i],
                        qkv_bias=qkv_bias,
                        act_cfg=act_cfg,
                        norm_cfg=norm_cfg,
                        sr_norm_cfg=embed_norm_cfg,
                        with_cp=stage in self.with_cp,
                        lean_activations=lean_activations)
                    for i in range(depth)
                ]))
            self.norms.append(build_norm_layer(norm_cfg, dims)[1])
            rgb_in = aux_in = dims
            first_block += depth
        self.prompt_tokens = nn.Parameter(
            torch.zeros(1, num_prompt_tokens, prompt_dims))
        self._freeze_rgb_encoder()

    # ------------------------------------------------------------ freezing
    def _freeze_rgb_encoder(self) -> None:
        """Only the prompt parts learn; the RGB MiT is frozen."""
        for name, param in self.named_parameters():
            param.requires_grad = is_prompt_key(name)

    def _frozen_modules(self) -> List[nn.Module]:
        """Modules of the frozen encoder (the blocks' prompt parts aside)."""
        return list(self.patch_embeds) + list(self.norms) + [
            child for stage in self.blocks for block in stage
            for name, child in block.named_children()
            if not is_prompt_key(name)
        ]

    def train(self, mode: bool = True) -> 'DualPromptMiT':
        """Set train / eval mode; with ``frozen_eval`` the frozen encoder
        stays in eval mode.

        Args:
            mode (bool): Train mode if True.

        Returns:
            DualPromptMiT: self.
        """
        super().train(mode)
        if mode and self.frozen_eval:
            for module in self._frozen_modules():
                module.eval()
            for stage in self.blocks:
                for block in stage:
                    block.attn.prompt.train()
        return self

    # ------------------------------------------------------ initialisation
    def _init_from_scratch(self) -> None:
        """Initialise as the official code: MiT's init for the encoder, the
        MPG patch embeddings and the prompt branches, PyTorch's default for
        the adapters, a standard normal for the prompt tokens."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                trunc_normal_init(module, std=.02, bias=0.)
            elif isinstance(module, nn.LayerNorm):
                constant_init(module, val=1.0, bias=0.)
            elif isinstance(module, nn.Conv2d):
                fan_out = (module.kernel_size[0] * module.kernel_size[1] *
                           module.out_channels) // module.groups
                normal_init(module, mean=0, std=math.sqrt(2.0 / fan_out),
                            bias=0)
        for adapter in self.prompt_adapters:
            for layer in adapter.children():
                layer.reset_parameters()
        nn.init.normal_(self.prompt_tokens, std=1.0)

    def init_weights(self) -> None:
        """Initialise, then load ``init_cfg``'s pretrained MiT if given."""
        self._init_from_scratch()
        if self.init_cfg is None:
            return
        if self.init_cfg.get('type') != 'Pretrained':
            super().init_weights()
            return
        checkpoint = self.init_cfg.get('checkpoint')
        if not checkpoint:
            raise ValueError("init_cfg type 'Pretrained' needs 'checkpoint'")
        load_pretrained_mit(self, checkpoint)

    # ------------------------------------------------------------- forward
    def split_inputs(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """The RGB image and the auxiliary input of the prompt generator.

        Args:
            inputs (Tensor): (B, 3 + C, H, W), C = ``aux_channels``, or
                C = 1 (a single-channel modality, replicated).

        Returns:
            list[Tensor]: (B, 3, H, W) and (B, aux_channels, H, W).
        """
        aux = inputs.shape[1] - RGB_CHANNELS if inputs.dim() == 4 else 0
        if aux < 1 or aux not in (1, self.aux_channels):
            raise ValueError(
                f'{type(self).__name__} takes {RGB_CHANNELS} RGB channels, '
                f'then {self.aux_channels} auxiliary channel(s) '
                f'(model.backbone.aux_channels) or a single one that it '
                f'replicates, but got inputs of shape {tuple(inputs.shape)} '
                f'({aux} auxiliary channel(s)): a 3-channel modality (HHA) '
                f'needs aux_channels=3, and an RGB-only image has no '
                f'auxiliary channel to prompt with')
        rgb, prompt_map = inputs.split([RGB_CHANNELS, aux], dim=1)
        if aux != self.aux_channels:
            prompt_map = prompt_map.expand(-1, self.aux_channels, -1, -1)
        return [rgb, prompt_map]

    def forward(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Encode an RGB-first multimodal image.

        Args:
            inputs (Tensor): (B, 3 + C, H, W), see :meth:`split_inputs`.

        Returns:
            list[Tensor]: The maps of the stages in ``out_indices``.
        """
        features, prompt_map = self.split_inputs(inputs)
        outs = []
        for stage in range(self.num_stages):
            tokens, hw_shape = self.patch_embeds[stage](features)
            aux_tokens, _ = self.prompt_embeds[stage](prompt_map)
            prompt = self.prompt_adapters[stage](aux_tokens, tokens)
            tokens = tokens + prompt
            for block in self.blocks[stage]:
                tokens = block(tokens, hw_shape, self.prompt_tokens)
            features = nlc_to_nchw(self.norms[stage](tokens), hw_shape)
            if stage in self.out_indices:
                outs.append(features)
            if stage + 1 < self.num_stages:
                prompt_map = nlc_to_nchw(prompt, hw_shape)
        return outs
