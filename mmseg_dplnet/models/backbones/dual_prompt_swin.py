"""DualPromptSwin: a frozen Swin Transformer (mmseg's) taught an auxiliary
modality by DPLNet's dual prompts (Dong et al., IROS 2024)."""
import importlib.util
import os.path as osp
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.logging import print_log
from mmengine.model import BaseModule, ModuleList
from mmengine.model.weight_init import (constant_init, kaiming_init,
                                        trunc_normal_init)
from mmengine.runner.checkpoint import CheckpointLoader

from mmseg.models.backbones import SwinTransformer
from mmseg.models.utils import PatchEmbed, nlc_to_nchw
from mmseg.registry import MODELS
from mmseg_dplnet.utils.channel_split import RGB_CHANNELS
from ..layers.prompt_adapter import PromptAdapter
from ..layers.prompt_attention import PromptAttentionBranch
from ..weights.mit_formats import StateDict, split_backbone
from ..weights.pretrained import (PretrainedWeightsError, extract_state_dict,
                                  is_prompt_key)
from .dual_prompt_mit import DualPromptMiT

# Swin sizes, as mmpretrain's SwinTransformer.arch_zoo names them
SWIN_ARCHS: Dict[str, dict] = {
    'tiny': dict(embed_dims=96, depths=[2, 2, 6, 2],
                 num_heads=[3, 6, 12, 24]),
    'small': dict(embed_dims=96, depths=[2, 2, 18, 2],
                  num_heads=[3, 6, 12, 24]),
    'base': dict(embed_dims=128, depths=[2, 2, 18, 2],
                 num_heads=[4, 8, 16, 32]),
    'large': dict(embed_dims=192, depths=[2, 2, 18, 2],
                  num_heads=[6, 12, 24, 48]),
}

# a stock host key ``stages.<i>.blocks.<j>.attn.<rest>`` lives at
# ``stages.<i>.blocks.<j>.attn.attn.<rest>`` once the attention is wrapped
_STOCK_ATTN_KEY = re.compile(r'^(stages\.\d+\.blocks\.\d+\.attn\.)')
_STOCK_KEY_OF_HOST = re.compile(r'^(stages\.\d+\.blocks\.\d+\.attn\.)attn\.')
# a key only Microsoft's own Swin checkpoints have (mmseg: stages.*.w_msa)
_OFFICIAL_KEY = re.compile(r'^layers\.\d+\.blocks\.\d+\.attn\.qkv\.weight$')
# deterministic buffers of the stock Swin: the host keeps its own (they
# follow its window size), a file's are never loaded
_DERIVED_KEY = re.compile(r'(^|\.)(relative_position_index|attn_mask)$')
# the stage output norms are segmentation-only: classification checkpoints
# (all of mmseg's pretrain/swin files) lack them
_OUT_NORM_KEY = re.compile(r'^norm\d+\.')


def resolve_swin_arch(arch: Union[str, dict]) -> dict:
    """Return the ``embed_dims``, ``depths`` and ``num_heads`` of ``arch``.

    Args:
        arch (str | dict): ``'tiny'``, ``'small'``, ``'base'``, ``'large'``
            (mmpretrain's arch_zoo sizes, ``'t'`` / ``'s'`` / ``'b'`` /
            ``'l'`` too) or a dict with ``embed_dims``, ``depths`` and
            ``num_heads``.

    Returns:
        dict: The three settings.
    """
    if isinstance(arch, str):
        short = {name[0]: name for name in SWIN_ARCHS}
        name = short.get(arch.lower(), arch.lower())
        if name not in SWIN_ARCHS:
            raise ValueError(f'unknown Swin arch {arch!r}; choose one of '
                             f'{sorted(SWIN_ARCHS)} or give a dict')
        arch = SWIN_ARCHS[name]
    missing = {'embed_dims', 'depths', 'num_heads'} - set(arch)
    if missing:
        raise ValueError(f'a custom Swin arch needs {sorted(missing)}')
    settings = {key: arch[key] for key in ('embed_dims', 'depths',
                                           'num_heads')}
    if len(settings['depths']) != len(settings['num_heads']):
        raise ValueError(f'arch depths {settings["depths"]} and num_heads '
                         f'{settings["num_heads"]} name different numbers '
                         f'of stages')
    unknown = set(arch) - set(settings)
    if unknown:
        raise ValueError(f'unknown Swin arch keys {sorted(unknown)}: give '
                         f'the other host options as DualPromptSwin '
                         f'arguments')
    return settings


class PromptedShiftWindowMSA(BaseModule):
    """A frozen mmseg (shifted) window attention plus DPLNet's prompt branch
    (MFA).

    ``out = attn(x, hw_shape) + prompt(q(x), prompt_norm(P))``: the stock
    :class:`ShiftWindowMSA` runs as it is (padding, cyclic shift, window
    partition, relative position bias, shift mask, stochastic depth); the
    learnable :class:`PromptAttentionBranch` attends from the host's
    projected queries (the ``q`` rows of its frozen ``w_msa.qkv``) to the
    prompt tokens ``P`` shared by all blocks, which this wrapper reads from
    ``prompt_source`` at call time and normalises with its own
    ``prompt_norm``.

    The prompt tokens are the same keys / values for every window, so a
    token's attention to them depends on that token's query alone: the
    branch is computed on the un-windowed tokens, (B, H * W, C), which is
    exactly what a per-window branch would give after the windows are merged
    and unshifted (the query projection is per token; the shift mask only
    concerns image-token pairs; the padded tokens, which the stock attention
    crops, are never computed).

    Args:
        attn (nn.Module): The stock mmseg ``ShiftWindowMSA`` (its
            ``w_msa``'s ``embed_dims``, ``num_heads``, ``scale``, ``qkv``,
            ``attn_drop`` and ``proj_drop`` are used).
        prompt_source (nn.Module): The module whose ``prompt_tokens``
            parameter, (1, T, prompt_dims), holds the shared prompt tokens.
            It is referenced, not registered, so that the tokens are one
            parameter of the backbone.
        prompt_dims (int): Width of a prompt token. Default: 32.
        prompt_ratio (int): The branch works in ``C // prompt_ratio``
            channels. Default: 16.
        norm_cfg (dict): Norm of the prompt tokens. Default: LN.
    """

    def __init__(self,
                 attn: nn.Module,
                 prompt_source: nn.Module,
                 prompt_dims: int = 32,
                 prompt_ratio: int = 16,
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.attn = attn
        w_msa = attn.w_msa
        self.prompt_norm = build_norm_layer(norm_cfg, prompt_dims)[1]
        self.prompt = PromptAttentionBranch(
            w_msa.embed_dims,
            w_msa.num_heads,
            prompt_dims=prompt_dims,
            prompt_ratio=prompt_ratio,
            scale=w_msa.scale,
            qkv_bias=w_msa.qkv.bias is not None,
            attn_drop=w_msa.attn_drop.p,
            proj_drop=w_msa.proj_drop.p)
        # a tuple, so that nn.Module registers neither the owner nor its
        # parameter a second time (deepcopy keeps the reference right)
        self._prompt_source = (prompt_source, )

    def forward(self, query: torch.Tensor,
                hw_shape: Tuple[int, int]) -> torch.Tensor:
        """Stock (shifted) window attention plus the prompt branch.

        Args:
            query (Tensor): The block's normalised tokens, (B, H * W, C).
            hw_shape (tuple[int, int]): (H, W).

        Returns:
            Tensor: (B, H * W, C).
        """
        tokens = self.prompt_norm(self._prompt_source[0].prompt_tokens)
        # the host's projected queries (WindowMSA computes them per window
        # inside and does not return them; the projection is per token)
        w_msa = self.attn.w_msa
        channels = w_msa.embed_dims
        qkv = w_msa.qkv
        bias = None if qkv.bias is None else qkv.bias[:channels]
        projected = F.linear(query, qkv.weight[:channels], bias)
        return self.attn(query, hw_shape) + self.prompt(projected, tokens)


@MODELS.register_module()
class DualPromptSwin(BaseModule):
    """A frozen Swin Transformer (mmseg's) with DPLNet's two prompt parts.

    The input is ONE tensor, the 3 RGB channels first, then the auxiliary
    modality (see :meth:`DualPromptMiT.split_inputs`, reused as it is). The
    host is a stock :class:`mmseg.models.backbones.SwinTransformer` built
    from ``arch``, the window / size options and ``**host_kwargs``; every
    host parameter is frozen.

    - MPG, per stage: ``prompt_embeds[i]`` embeds the auxiliary input (stage
      0: a conv with the host's patch size and stride) or the previous
      stage's prompt map (later stages: a conv with the kernel and stride
      of the host's patch merging, 2 and 2, as DualPromptMiT embeds its
      previous prompt), both padded as the host pads ('corner'), so that
      they give the host's token grids, and normalised as the host's patch
      embedding. At the stage entry, ``prompt = adapter(aux_tokens,
      tokens)`` is added to the host's tokens and is the next stage's
      auxiliary input.
    - MFA: every block's attention is wrapped in a
      :class:`PromptedShiftWindowMSA`, adding a low-rank attention to the
      ``num_prompt_tokens`` learnable tokens shared by all blocks.

    The output is the stock Swin's: the ``out_indices`` stage maps after
    its ``norm{i}`` layers, (B, C * 2^i, H / 4 / 2^i, W / 4 / 2^i), for
    ``DPLNetHead`` or ``UPerHead``.

    Args:
        arch (str | dict): The host's size (see :func:`resolve_swin_arch`).
            Default: ``'base'``.
        pretrain_img_size (int | tuple): The host's pretraining size (sizes
            its ``absolute_pos_embed`` if ``use_abs_pos_embed``).
            Default: 224.
        window_size (int): The host's window. Default: 7.
        patch_size (int): Patch size and stride of the host's and the
            auxiliary patch embedding. Default: 4.
        strides (Sequence[int]): The host's patch embedding stride, then
            its patch merging strides, also those of the prompt embeddings.
            Default: (4, 2, 2, 2).
        out_indices (Sequence[int]): Stages whose maps are returned.
            Default: (0, 1, 2, 3).
        aux_channels (int): Auxiliary channels of the MPG's patch
            embedding, as in :class:`DualPromptMiT`. Default: 3.
        num_prompt_tokens (int): Shared learnable prompt tokens.
            Default: 30.
        prompt_dims (int): Width of a prompt token. Default: 32.
        prompt_ratio (int): The MFA branch works in ``C // prompt_ratio``
            channels, which must be divisible by the heads. Default: 16:
            2 channels per head at every stage of every Swin size (as
            ratio 32 gives the MiT and the ViT-B).
        adapter_ratio (int): Hidden width ratio of the MPG adapters.
            Default: 4.
        zero_init_prompts (bool): Zero the output layers of the prompt
            parts (each ``PromptAdapter.expand`` and each MFA branch's
            ``proj``), so that training starts from the pretrained host's
            features exactly; the other prompt layers still get gradients
            from the first step on. False: initialise them as the MiT's
            prompts. Default: True.
        norm_cfg (dict): The host's norm, also of the prompt embeddings and
            the prompt tokens. Default: LN (mmseg's Swin).
        frozen_eval (bool): Keep the frozen host in eval mode while
            training (no stochastic depth / dropout in it); the prompt parts
            train. Default: True.
        init_cfg (dict, optional): ``dict(type='Pretrained',
            checkpoint=PATH)`` loads an mmseg (or Microsoft) Swin checkpoint
            into the host (see :func:`load_pretrained_swin`).
        **host_kwargs: Other arguments of mmseg's ``SwinTransformer``
            (``mlp_ratio``, ``qkv_bias``, ``qk_scale``, ``patch_norm``,
            ``drop_rate``, ``attn_drop_rate``, ``drop_path_rate``,
            ``use_abs_pos_embed``, ``act_cfg``, ``with_cp``).
    """

    split_inputs = DualPromptMiT.split_inputs

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 pretrain_img_size: Union[int, Tuple[int, int]] = 224,
                 window_size: int = 7,
                 patch_size: int = 4,
                 strides: Sequence[int] = (4, 2, 2, 2),
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 aux_channels: int = 3,
                 num_prompt_tokens: int = 30,
                 prompt_dims: int = 32,
                 prompt_ratio: int = 16,
                 adapter_ratio: int = 4,
                 zero_init_prompts: bool = True,
                 norm_cfg: dict = dict(type='LN'),
                 frozen_eval: bool = True,
                 init_cfg: Optional[dict] = None,
                 **host_kwargs):
        super().__init__(init_cfg=init_cfg)
        if host_kwargs.get('in_channels', RGB_CHANNELS) != RGB_CHANNELS:
            raise ValueError(
                'the host takes the RGB image only: remove '
                'model.backbone.in_channels and set aux_channels for the '
                'auxiliary modality')
        for name in ('pretrained', 'frozen_stages'):
            if host_kwargs.get(name) not in (None, -1):
                raise ValueError(
                    f'remove model.backbone.{name}: the whole host is '
                    f'frozen, and init_cfg=dict(type="Pretrained", '
                    f'checkpoint=...) loads its weights')
        if aux_channels < 1:
            raise ValueError(f'aux_channels must be >= 1, got {aux_channels}')
        settings = resolve_swin_arch(arch)
        num_stages = len(settings['depths'])
        if len(strides) != num_stages:
            raise ValueError(f'strides {tuple(strides)} must have one entry '
                             f'per stage ({num_stages})')
        self.out_indices = tuple(out_indices)
        if not self.out_indices or max(self.out_indices) >= num_stages:
            raise ValueError(f'out_indices {self.out_indices} must name '
                             f'stages of the {num_stages}')
        self.aux_channels = aux_channels
        self.zero_init_prompts = zero_init_prompts
        self.frozen_eval = frozen_eval
        self.num_stages = num_stages
        self.host = SwinTransformer(
            pretrain_img_size=pretrain_img_size,
            window_size=window_size,
            patch_size=patch_size,
            strides=tuple(strides),
            out_indices=self.out_indices,
            norm_cfg=norm_cfg,
            init_cfg=None,
            **settings,
            **host_kwargs)
        self.embed_dims = list(self.host.num_features)
        embed_norm = norm_cfg if host_kwargs.get('patch_norm', True) else None
        self.prompt_embeds = ModuleList()
        in_channels = aux_channels
        for stage, dims in enumerate(self.embed_dims):
            self.prompt_embeds.append(
                PatchEmbed(
                    in_channels=in_channels,
                    embed_dims=dims,
                    conv_type='Conv2d',
                    # the grid of the host's patch embedding / merging
                    kernel_size=patch_size if stage == 0 else 2,
                    stride=strides[stage],
                    padding='corner',
                    norm_cfg=embed_norm))
            in_channels = dims
        self.prompt_adapters = ModuleList([
            PromptAdapter(dims, adapter_ratio) for dims in self.embed_dims
        ])
        self.prompt_tokens = nn.Parameter(
            torch.zeros(1, num_prompt_tokens, prompt_dims))
        for stage in self.host.stages:
            for block in stage.blocks:
                block.attn = PromptedShiftWindowMSA(
                    block.attn,
                    self,
                    prompt_dims=prompt_dims,
                    prompt_ratio=prompt_ratio,
                    norm_cfg=norm_cfg)
        for name, param in self.named_parameters():
            param.requires_grad = is_prompt_key(name)

    # ------------------------------------------------------------ freezing
    def prompted_attentions(self) -> List[PromptedShiftWindowMSA]:
        """The MFA wrappers of the host's blocks, first to last."""
        return [
            block.attn for stage in self.host.stages for block in stage.blocks
        ]

    def train(self, mode: bool = True) -> 'DualPromptSwin':
        """Set train / eval mode; with ``frozen_eval`` the host stays in
        eval mode (its prompt branches train).

        Args:
            mode (bool): Train mode if True.

        Returns:
            DualPromptSwin: self.
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
        for embed in self.prompt_embeds:
            kaiming_init(embed.projection, mode='fan_in',
                         nonlinearity='linear')
            if embed.norm is not None:
                constant_init(embed.norm, val=1.0, bias=0.)
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
        """Initialise the host (mmseg's init from scratch) and the prompts,
        then load ``init_cfg``'s pretrained Swin into the host if given."""
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
        load_pretrained_swin(self, checkpoint)

    # ------------------------------------------------------------- forward
    def forward(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Encode an RGB-first multimodal image.

        Args:
            inputs (Tensor): (B, 3 + C, H, W), see :meth:`split_inputs`.

        Returns:
            list[Tensor]: The normalised (B, C_i, H_i, W_i) maps of the
            stages in ``out_indices``.
        """
        host = self.host
        rgb, prompt_map = self.split_inputs(inputs)
        x, hw_shape = host.patch_embed(rgb)
        if host.use_abs_pos_embed:
            x = x + host.absolute_pos_embed
        x = host.drop_after_pos(x)
        outs = []
        for i, stage in enumerate(host.stages):
            aux_tokens, _ = self.prompt_embeds[i](prompt_map)
            prompt = self.prompt_adapters[i](aux_tokens, x)
            x = x + prompt
            prompt_map = nlc_to_nchw(prompt, hw_shape)
            x, hw_shape, out, out_hw_shape = stage(x, hw_shape)
            if i in self.out_indices:
                out = getattr(host, f'norm{i}')(out)
                outs.append(nlc_to_nchw(out, out_hw_shape))
        return outs


def _host_key(key: str) -> str:
    """Name of a stock Swin key in the host with wrapped attentions."""
    return _STOCK_ATTN_KEY.sub(r'\1attn.', key)


def _mmseg_swin_converter() -> Callable[[StateDict], StateDict]:
    """mmseg's own converter of Microsoft's Swin checkpoints
    (``tools/model_converters/swin2mmseg.py``'s ``convert_swin``, shipped
    with the package under ``mmseg/.mim``, not importable as a module)."""
    import mmseg
    path = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools',
                    'model_converters', 'swin2mmseg.py')
    if not osp.isfile(path):
        raise PretrainedWeightsError(
            f'this is an official (Microsoft) Swin checkpoint, and mmseg\'s '
            f'converter is not installed at {path}: convert the file with '
            f'mmsegmentation\'s tools/model_converters/swin2mmseg.py first')
    spec = importlib.util.spec_from_file_location('_mmseg_swin2mmseg', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.convert_swin


def _resize_bias_table(table: torch.Tensor,
                       expected: torch.Size) -> Optional[torch.Tensor]:
    """The stock Swin's bicubic resizing of a relative position bias table
    to another (square) window; None if the heads differ or a table is not
    of a square window."""
    (length, heads), (new_length, new_heads) = table.shape, expected
    side, new_side = int(length**0.5), int(new_length**0.5)
    if (heads != new_heads or side * side != length
            or new_side * new_side != new_length):
        return None
    resized = F.interpolate(
        table.permute(1, 0).reshape(1, heads, side, side),
        size=(new_side, new_side),
        mode='bicubic')
    return resized.view(heads, new_length).permute(1, 0).contiguous()


def load_pretrained_swin(backbone: DualPromptSwin, filename: str) -> None:
    """Load an mmseg ``SwinTransformer`` checkpoint into the host.

    Takes mmseg's Swin files (``pretrain/swin/*.pth`` as mmseg's upernet_swin
    configs use them, a segmentor checkpoint with ``backbone.`` keys, under
    ``state_dict`` / ``model`` or not) and Microsoft's official ones
    (``layers.*.attn.qkv`` keys, converted by mmseg's ``swin2mmseg``
    converter). As the stock ``init_weights``, a relative position bias
    table of another window is resized (bicubic); the host's stage output
    norms (``norm0`` .. ``norm3``), which classification checkpoints lack,
    keep their initialisation (weight 1, bias 0: a plain LayerNorm whose
    affine the decode head's first layer absorbs); the relative position
    indices and shift masks are the host's own. Tensors the host lacks (a
    classifier head, its final ``norm``, a decode head) are skipped with a
    log line. The prompt parts are left as they are.

    The stock ``SwinTransformer.init_weights`` does not serve: it loads
    with ``strict=False``, so a missing tensor would stay random (and
    frozen) without a word; it expects unwrapped attentions; it cannot read
    the official format; and its ``absolute_pos_embed`` reshaping unpacks a
    4-d shape from the 3-d parameter.

    Args:
        backbone (DualPromptSwin): The model to load into.
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
    prefix = next((p for p in ('', 'backbone.', 'module.', 'module.backbone.')
                   if all(p + key in raw for key in state)), '')
    names = {key: prefix + key for key in state}
    official = any(_OFFICIAL_KEY.match(key) for key in state)
    if official:
        converted = _mmseg_swin_converter()(state)
        names = {key: f'{key} (converted from the official file)'
                 for key in converted}
        others += [prefix + key for key in state if key.startswith('head')]
        state = converted
    names = {_host_key(key): name for key, name in names.items()}
    state = {_host_key(key): value for key, value in state.items()}
    host = backbone.host
    expected = {
        key: value
        for key, value in host.state_dict().items()
        if not is_prompt_key(key) and not _DERIVED_KEY.search(key)
    }
    missing = [key for key in expected if key not in state]
    fresh = [key for key in missing if _OUT_NORM_KEY.match(key)]
    missing = [key for key in missing if key not in fresh]
    if missing:
        stock = [_STOCK_KEY_OF_HOST.sub(r'\1', key) for key in missing]
        raise PretrainedWeightsError(
            f'{filename} is not a checkpoint of this host: it lacks '
            f'{len(missing)} tensor(s) of mmseg\'s SwinTransformer, e.g. '
            f'{stock[:4]}. Check model.backbone.arch (embed_dims, depths, '
            f'num_heads) and the host options (use_abs_pos_embed, '
            f'patch_norm, qkv_bias) against the checkpoint\'s config.')
    for key, value in expected.items():
        if key in fresh or state[key].shape == value.shape:
            continue
        if key.endswith('relative_position_bias_table'):
            resized = _resize_bias_table(state[key], value.shape)
            if resized is not None:
                state[key] = resized
                continue
        fix = {
            'absolute_pos_embed': 'model.backbone.pretrain_img_size '
            '(the stock Swin adds this embedding unresized)',
        }.get(key, 'model.backbone.arch / window_size / patch_size')
        raise PretrainedWeightsError(
            f'{filename}: {names[key]} has shape '
            f'{tuple(state[key].shape)} in the checkpoint but '
            f'{tuple(value.shape)} in the frozen Swin (host.{key}): the '
            f'file is of another Swin than model.backbone; check {fix}')
    skipped = [names[key] for key in sorted(set(state) - set(expected))
               if not _DERIVED_KEY.search(key)]
    skipped += others
    if skipped:
        print_log(
            f'{filename}: skipped {len(skipped)} tensor(s) the frozen Swin '
            f'does not have: {skipped[:6]}',
            logger='current')
    if fresh:
        print_log(
            f'{filename} has no stage output norms: {sorted(fresh)} keep '
            f'their initialisation (frozen, weight 1, bias 0)',
            logger='current')
    # strict=False: the prompt branches inside the host keep their values
    result = host.load_state_dict(
        {k: state[k] for k in expected if k not in fresh}, strict=False)
    assert not result.unexpected_keys, result.unexpected_keys
    print_log(f'Loaded the frozen Swin from {filename}'
              f'{" (official format)" if official else ""}',
              logger='current')
