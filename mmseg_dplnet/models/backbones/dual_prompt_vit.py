"""DualPromptViT: a frozen plain ViT (mmpretrain's) taught an auxiliary
modality by DPLNet's dual prompts (Dong et al., IROS 2024)."""
import math
import re
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.transformer import PatchEmbed
from mmengine.logging import print_log
from mmengine.model import BaseModule, ModuleList
from mmengine.model.weight_init import (constant_init, kaiming_init,
                                        trunc_normal_init)
from mmengine.runner.checkpoint import CheckpointLoader
from mmpretrain.models.backbones.vision_transformer import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed

from mmseg.registry import MODELS
from mmseg_dplnet.utils.channel_split import RGB_CHANNELS
from ..layers.prompt_adapter import PromptAdapter
from ..layers.prompt_attention import PromptAttentionBranch
from ..weights.mit_formats import split_backbone
from ..weights.pretrained import (PretrainedWeightsError, extract_state_dict,
                                  is_prompt_key)
from .dual_prompt_mit import DualPromptMiT

# a stock host key ``layers.<i>.attn.<rest>`` lives at
# ``layers.<i>.attn.attn.<rest>`` once the attention is wrapped
_STOCK_ATTN_KEY = re.compile(r'^(layers\.\d+\.attn\.)')
_STOCK_KEY_OF_HOST = re.compile(r'^(layers\.\d+\.attn\.)attn\.')


class PromptedViTAttention(BaseModule):
    """A frozen mmpretrain attention plus DPLNet's prompt branch (MFA).

    ``out = attn(x) + prompt(x, prompt_norm(P))``: the stock attention runs
    as it is (with its layer scale and stochastic depth); the learnable
    :class:`PromptAttentionBranch` attends from the host's projected queries
    (the ``q`` part of its frozen ``qkv``) to the prompt tokens ``P`` shared
    by all blocks, which this wrapper reads from ``prompt_source`` at call
    time and normalises with its own ``prompt_norm`` (as each
    :class:`DualPromptBlock` of the MiT does).

    Args:
        attn (nn.Module): The stock ``mmpretrain`` ``MultiheadAttention``
            (its ``embed_dims``, ``num_heads``, ``head_dims``, ``qkv``,
            ``attn_drop`` and ``proj_drop`` are used).
        prompt_source (nn.Module): The module whose ``prompt_tokens``
            parameter, (1, T, prompt_dims), holds the shared prompt tokens.
            It is referenced, not registered, so that the tokens are one
            parameter of the backbone.
        prompt_dims (int): Width of a prompt token. Default: 32.
        prompt_ratio (int): The branch works in ``C // prompt_ratio``
            channels. Default: 32.
        norm_cfg (dict): Norm of the prompt tokens. Default: LN, eps 1e-6.
    """

    def __init__(self,
                 attn: nn.Module,
                 prompt_source: nn.Module,
                 prompt_dims: int = 32,
                 prompt_ratio: int = 32,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.attn = attn
        self.prompt_norm = build_norm_layer(norm_cfg, prompt_dims)[1]
        self.prompt = PromptAttentionBranch(
            attn.embed_dims,
            attn.num_heads,
            prompt_dims=prompt_dims,
            prompt_ratio=prompt_ratio,
            scale=attn.head_dims**-0.5,
            qkv_bias=attn.qkv.bias is not None,
            attn_drop=attn.attn_drop,
            proj_drop=attn.proj_drop.p)
        # a tuple, so that nn.Module registers neither the owner nor its
        # parameter a second time (deepcopy keeps the reference right)
        self._prompt_source = (prompt_source, )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Stock attention plus the prompt branch.

        Args:
            x (Tensor): The block's normalised tokens, (B, N, C).

        Returns:
            Tensor: (B, N, C).
        """
        tokens = self.prompt_norm(self._prompt_source[0].prompt_tokens)
        # the host's projected queries, as the MiT's branch takes them (the
        # stock attention computes them inside and does not return them)
        qkv = self.attn.qkv
        channels = self.attn.embed_dims
        bias = None if qkv.bias is None else qkv.bias[:channels]
        query = F.linear(x, qkv.weight[:channels], bias)
        return self.attn(x) + self.prompt(query, tokens)


def default_prompt_stages(num_layers: int) -> Tuple[int, ...]:
    """Blocks that get an MPG prompt by default: every quarter of the depth.

    Args:
        num_layers (int): Transformer blocks of the host.

    Returns:
        tuple[int]: e.g. (0, 3, 6, 9) for 12 blocks, (0, 1) for 2.
    """
    return tuple(range(0, num_layers, max(1, num_layers // 4)))


@MODELS.register_module()
class DualPromptViT(BaseModule):
    """A frozen plain ViT (mmpretrain's) with DPLNet's two prompt parts.

    The input is ONE tensor, the 3 RGB channels first, then the auxiliary
    modality (see :meth:`DualPromptMiT.split_inputs`, reused as it is). The
    host is a stock :class:`mmpretrain.models.VisionTransformer` built from
    ``arch`` and ``**host_kwargs``; every host parameter is frozen.

    - MPG: ``prompt_embed``, a conv with the host's patch size and stride,
      embeds the auxiliary input. Before each block of ``prompt_stages``,
      ``prompt = adapter(aux_tokens, patch_tokens)`` is added to the
      host's patch tokens (the cls token is left alone) and becomes the
      ``aux_tokens`` of the next prompted block.
    - MFA: every block's attention is wrapped in a
      :class:`PromptedViTAttention`, adding a low-rank attention to the
      ``num_prompt_tokens`` learnable tokens shared by all blocks.

    The output is the host's ``featmap`` output of the ``out_indices``
    blocks, (B, C, H / p, W / p) each (the last block after the host's final
    norm), without the cls token; mmseg's ``MultiLevelNeck`` turns them into
    a pyramid for the decode head.

    Args:
        arch (str | dict): The host's arch, as mmpretrain's
            ``VisionTransformer`` names it (``'small'``, ``'base'``,
            ``'deit-small'``, ``'dinov2-small'``, ...) or a dict with
            ``embed_dims``, ``num_layers``, ``num_heads`` and
            ``feedforward_channels``. Default: ``'base'``.
        img_size (int | tuple): Training size of the host's position
            embedding (other sizes interpolate it). Default: 224.
        patch_size (int): Patch size and stride of the host's and the
            auxiliary patch embedding. Default: 16.
        out_indices (Sequence[int]): Blocks whose maps are returned
            (negative: from the end). Default: the last one.
        aux_channels (int): Auxiliary channels of the MPG's patch
            embedding, as in :class:`DualPromptMiT`. Default: 3.
        prompt_stages (Sequence[int], optional): Blocks before which an MPG
            prompt is added. Default: every quarter of the depth
            (:func:`default_prompt_stages`).
        num_prompt_tokens (int): Shared learnable prompt tokens.
            Default: 30.
        prompt_dims (int): Width of a prompt token. Default: 32.
        prompt_ratio (int): The MFA branch works in ``C // prompt_ratio``
            channels (must be divisible by the heads). Default: 32.
        adapter_ratio (int): Hidden width ratio of the MPG adapters.
            Default: 4.
        zero_init_prompts (bool): Zero the output layers of the prompt
            parts (each ``PromptAdapter.expand`` and each MFA branch's
            ``proj``), so that training starts from the pretrained host's
            features exactly; the other prompt layers still get gradients
            from the first step on. False: initialise them as the MiT's
            prompts (trunc normal std 0.02 for the branches' Linears,
            PyTorch's default for the adapters). Default: True.
        norm_cfg (dict): The host's norm, also of the prompt tokens.
            Default: LN, eps 1e-6 (mmpretrain's).
        frozen_eval (bool): Keep the frozen host in eval mode while
            training (no stochastic depth / dropout in it); the prompt parts
            train. Default: True.
        init_cfg (dict, optional): ``dict(type='Pretrained',
            checkpoint=PATH)`` loads an mmpretrain ViT checkpoint into the
            host (see :func:`load_pretrained_vit`).
        **host_kwargs: Other arguments of mmpretrain's
            ``VisionTransformer`` (``drop_path_rate``, ``qkv_bias``,
            ``with_cls_token``, ``final_norm``, ``layer_scale_init_value``,
            ``pre_norm``, ``interpolate_mode``, ``patch_cfg``,
            ``layer_cfgs``, ...). ``out_type`` is always ``'featmap'``.
    """

    split_inputs = DualPromptMiT.split_inputs

    def __init__(self,
                 arch='base',
                 img_size=224,
                 patch_size: int = 16,
                 out_indices: Sequence[int] = (-1, ),
                 aux_channels: int = 3,
                 prompt_stages: Optional[Sequence[int]] = None,
                 num_prompt_tokens: int = 30,
                 prompt_dims: int = 32,
                 prompt_ratio: int = 32,
                 adapter_ratio: int = 4,
                 zero_init_prompts: bool = True,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 frozen_eval: bool = True,
                 init_cfg: Optional[dict] = None,
                 **host_kwargs):
        super().__init__(init_cfg=init_cfg)
        if host_kwargs.pop('out_type', 'featmap') != 'featmap':
            raise ValueError(
                "DualPromptViT returns the host's 'featmap' output for a "
                'segmentation head: remove model.backbone.out_type')
        if host_kwargs.get('in_channels', RGB_CHANNELS) != RGB_CHANNELS:
            raise ValueError(
                'the host takes the RGB image only: remove '
                'model.backbone.in_channels and set aux_channels for the '
                'auxiliary modality')
        if aux_channels < 1:
            raise ValueError(f'aux_channels must be >= 1, got {aux_channels}')
        self.aux_channels = aux_channels
        self.zero_init_prompts = zero_init_prompts
        self.frozen_eval = frozen_eval
        self.host = VisionTransformer(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            out_indices=list(out_indices),
            out_type='featmap',
            norm_cfg=norm_cfg,
            init_cfg=None,
            **host_kwargs)
        num_layers = self.host.num_layers
        self.embed_dims = self.host.embed_dims
        self.out_indices = tuple(self.host.out_indices)
        if max(self.out_indices) >= num_layers:
            raise ValueError(f'out_indices {tuple(out_indices)} exceed the '
                             f'{num_layers} blocks of the host')
        if prompt_stages is None:
            prompt_stages = default_prompt_stages(num_layers)
        prompt_stages = tuple(sorted(i % num_layers for i in prompt_stages))
        if not prompt_stages or len(set(prompt_stages)) < len(prompt_stages):
            raise ValueError(f'prompt_stages {prompt_stages} must name '
                             f'distinct blocks of the {num_layers}')
        self.prompt_stages = prompt_stages

        projection = self.host.patch_embed.projection
        self.prompt_embed = PatchEmbed(
            in_channels=aux_channels,
            embed_dims=self.embed_dims,
            conv_type='Conv2d',
            kernel_size=projection.kernel_size,
            stride=projection.stride,
            input_size=img_size)
        self.prompt_adapters = ModuleList([
            PromptAdapter(self.embed_dims, adapter_ratio)
            for _ in prompt_stages
        ])
        self.prompt_tokens = nn.Parameter(
            torch.zeros(1, num_prompt_tokens, prompt_dims))
        for layer in self.host.layers:
            layer.attn = PromptedViTAttention(
                layer.attn,
                self,
                prompt_dims=prompt_dims,
                prompt_ratio=prompt_ratio,
                norm_cfg=norm_cfg)
        for name, param in self.named_parameters():
            param.requires_grad = is_prompt_key(name)

    # ------------------------------------------------------------ freezing
    def prompted_attentions(self) -> List[PromptedViTAttention]:
        """The MFA wrappers of the host's blocks, first to last."""
        return [layer.attn for layer in self.host.layers]

    def train(self, mode: bool = True) -> 'DualPromptViT':
        """Set train / eval mode; with ``frozen_eval`` the host stays in
        eval mode (its prompt branches train).

        Args:
            mode (bool): Train mode if True.

        Returns:
            DualPromptViT: self.
        """
        super().train(mode)
        if mode and self.frozen_eval:
            self.host.eval()
            for wrapper in self.prompted_attentions():
                wrapper.prompt.train()
                wrapper.prompt_norm.train()
        return self

    # ------------------------------------------------------ initialisation
    def prompt_output_layers(self) -> List[nn.Linear]:
        """The last layer of each prompt part: every
        ``PromptAdapter.expand`` and every MFA branch's ``proj``."""
        return [adapter.expand for adapter in self.prompt_adapters] + [
            wrapper.prompt.proj for wrapper in self.prompted_attentions()
        ]

    def _init_prompts(self) -> None:
        """Initialise the prompt parts (see ``zero_init_prompts``)."""
        kaiming_init(self.prompt_embed.projection, mode='fan_in',
                     nonlinearity='linear')
        for adapter in self.prompt_adapters:
            for layer in adapter.children():
                layer.reset_parameters()
        for wrapper in self.prompted_attentions():
            constant_init(wrapper.prompt_norm, val=1.0, bias=0.)
            for layer in wrapper.prompt.modules():
                if isinstance(layer, nn.Linear):
                    trunc_normal_init(layer, std=.02, bias=0.)
        nn.init.normal_(self.prompt_tokens, std=1.0)
        if self.zero_init_prompts:
            for layer in self.prompt_output_layers():
                constant_init(layer, val=0., bias=0.)

    def init_weights(self) -> None:
        """Initialise the host (mmpretrain's init) and the prompts, then
        load ``init_cfg``'s pretrained ViT into the host if given."""
        self.host.init_weights()
        self._init_prompts()
        if self.init_cfg is None:
            return
        if self.init_cfg.get('type') != 'Pretrained':
            super().init_weights()
            return
        checkpoint = self.init_cfg.get('checkpoint')
        if not checkpoint:
            raise ValueError("init_cfg type 'Pretrained' needs 'checkpoint'")
        load_pretrained_vit(self, checkpoint)

    # ------------------------------------------------------------- forward
    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Encode an RGB-first multimodal image.

        Args:
            inputs (Tensor): (B, 3 + C, H, W), see :meth:`split_inputs`.

        Returns:
            tuple[Tensor]: The (B, C, H / p, W / p) maps of the blocks in
            ``out_indices``.
        """
        host = self.host
        rgb, aux = self.split_inputs(inputs)
        x, hw_shape = host.patch_embed(rgb)
        aux_tokens, _ = self.prompt_embed(aux)
        if host.cls_token is not None:
            x = torch.cat([host.cls_token.expand(x.shape[0], -1, -1), x],
                          dim=1)
        x = x + resize_pos_embed(
            host.pos_embed,
            host.patch_resolution,
            hw_shape,
            mode=host.interpolate_mode,
            num_extra_tokens=host.num_extra_tokens)
        x = host.pre_norm(host.drop_after_pos(x))
        extra = host.num_extra_tokens
        adapters: Dict[int, PromptAdapter] = dict(
            zip(self.prompt_stages, self.prompt_adapters))
        outs = []
        for index, layer in enumerate(host.layers):
            if index in adapters:
                patches = x[:, extra:]
                prompt = adapters[index](aux_tokens, patches)
                x = torch.cat([x[:, :extra], patches + prompt], dim=1)
                aux_tokens = prompt
            x = layer(x)
            if index == len(host.layers) - 1 and host.final_norm:
                x = host.ln1(x)
            if index in self.out_indices:
                outs.append(host._format_output(x, hw_shape))
        return tuple(outs)


def _host_key(key: str) -> str:
    """Name of a stock ViT key in the host with wrapped attentions."""
    return _STOCK_ATTN_KEY.sub(r'\1attn.', key)


def _check_pos_embed(host: VisionTransformer, given: torch.Size,
                     filename: str) -> None:
    """Raise unless mmpretrain's loading hook can resize ``given``."""
    expected = host.pos_embed.shape
    tokens = given[1] - host.num_extra_tokens
    if not host.with_cls_token and given[1] == expected[1] + 1:
        tokens -= 1  # the hook drops the checkpoint's cls token
    side = math.isqrt(max(tokens, 0))
    if (len(given) != 3 or given[2] != expected[2]
            or (given != expected and side * side != tokens)):
        raise PretrainedWeightsError(
            f'{filename}: pos_embed has shape {tuple(given)}, the host '
            f'{tuple(expected)}; a different grid is resized only from a '
            f'square one with the same width and {host.num_extra_tokens} '
            f'extra token(s): check model.backbone.arch / with_cls_token')


def load_pretrained_vit(backbone: DualPromptViT, filename: str) -> None:
    """Load an mmpretrain ``VisionTransformer`` checkpoint into the host.

    Takes an mmpretrain classifier checkpoint (``backbone.*`` keys, under
    ``state_dict`` or not) or bare backbone keys. Tensors the host lacks
    (the classifier head, a distillation token, ...) are skipped with a
    log line; a ``pos_embed`` of another grid is resized by mmpretrain's
    own loading hook. The prompt parts are left as they are.

    Args:
        backbone (DualPromptViT): The model to load into.
        filename (str): Path or URL of the checkpoint.

    Raises:
        PretrainedWeightsError: If a host tensor is missing from the file
            or has another shape there (naming the file, the key and both
            shapes).
    """
    checkpoint = CheckpointLoader.load_checkpoint(filename,
                                                  map_location='cpu')
    raw = extract_state_dict(checkpoint, filename)
    state, others = split_backbone(raw)
    # host key -> the key in the file (for the messages)
    prefix = next(p for p in ('', 'backbone.', 'module.', 'module.backbone.')
                  if all(p + key in raw for key in state))
    names = {_host_key(key): prefix + key for key in state}
    state = {_host_key(key): value for key, value in state.items()}
    host = backbone.host
    expected = {
        key: value
        for key, value in host.state_dict().items() if not is_prompt_key(key)
    }
    missing = [key for key in expected if key not in state]
    if missing:
        stock = [_STOCK_KEY_OF_HOST.sub(r'\1', key) for key in missing]
        raise PretrainedWeightsError(
            f'{filename} is not a checkpoint of this host: it lacks '
            f'{len(missing)} tensor(s) of mmpretrain\'s VisionTransformer, '
            f'e.g. {stock[:4]}. Check model.backbone.arch and the host '
            f'options (final_norm, with_cls_token, layer_scale_init_value, '
            f'pre_norm) against the checkpoint\'s config.')
    for key, value in expected.items():
        if key == 'pos_embed':
            _check_pos_embed(host, state[key].shape, filename)
        elif state[key].shape != value.shape:
            raise PretrainedWeightsError(
                f'{filename}: {names[key]} has shape '
                f'{tuple(state[key].shape)} in the checkpoint but '
                f'{tuple(value.shape)} in the frozen ViT (host.{key}): the '
                f'file is of another ViT arch / patch size than '
                f'model.backbone')
    skipped = [names[key] for key in sorted(set(state) - set(expected))]
    skipped += others  # the classifier's head, ...
    if skipped:
        print_log(
            f'{filename}: skipped {len(skipped)} tensor(s) the frozen ViT '
            f'does not have: {skipped[:6]}',
            logger='current')
    # strict=False: the prompt branches inside the host keep their values
    result = host.load_state_dict({k: state[k] for k in expected},
                                  strict=False)
    assert not result.unexpected_keys, result.unexpected_keys
    print_log(f'Loaded the frozen ViT from {filename}', logger='current')
