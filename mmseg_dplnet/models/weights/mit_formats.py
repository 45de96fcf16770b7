"""Recognise MiT / DPLNet weight files and rename them to DualPromptMiT keys.

Formats (after any ``state_dict`` / ``model`` wrapper and ``module.`` prefix):

- ``nvlabs``: NVlabs SegFormer, ``backbone.patch_embed1.proj.weight``,
  ``backbone.block1.0.attn.q.weight``, Linear FFN (``segformer.b5.640x640.
  ade.160k.pth``), or the ImageNet ``mit_b*.pth`` without the prefix.
- ``mmseg``: mmseg's MixVisionTransformer, ``backbone.layers.0.0.projection
  .weight``, fused ``attn.attn.in_proj_weight``, 1x1-conv FFN.
- ``dplnet_official``: the official DPLNet model (``rgb.block1.0.attn.
  q_prompt.weight``, ``ada1.conv0_0.weight``, ``learnable_prompt``...).
- ``dual_prompt_mit``: this project's own DualPromptMiT keys.
"""
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Tuple

import torch

StateDict = Dict[str, torch.Tensor]
# (pattern, replacement, tensor transform or None)
Rule = Tuple[str, str, Optional[Callable[[torch.Tensor], torch.Tensor]]]

FORMAT_NAMES = {
    'nvlabs': 'NVlabs SegFormer / MiT',
    'mmseg': 'mmseg SegFormer / MiT',
    'dplnet_official': 'official DPLNet',
    'dual_prompt_mit': 'mmseg-dplnet DualPromptMiT',
}

# A key that each format has and the others do not, after prefix removal.
_FORMAT_MARKERS = (
    ('dplnet_official', re.compile(r'^rgb\.patch_embed1\.proj\.weight$')),
    ('dual_prompt_mit', re.compile(r'^patch_embeds\.0\.projection\.weight$')),
    ('nvlabs', re.compile(r'^patch_embed1\.proj\.weight$')),
    ('mmseg', re.compile(r'^layers\.0\.0\.projection\.weight$')),
)


def _to_conv1x1(weight: torch.Tensor) -> torch.Tensor:
    """Linear weight (out, in) -> 1x1 conv weight (out, in, 1, 1)."""
    return weight[:, :, None, None] if weight.dim() == 2 else weight


def _stage(match: re.Match) -> str:
    """The 1-based stage number of group 1 as a 0-based index."""
    return str(int(match.group(1)) - 1)


# NVlabs MiT (and the frozen ``rgb.`` part of official DPLNet).
_NVLABS_RULES: List[Rule] = [
    (r'^patch_embed(\d)\.proj\.(weight|bias)$',
     r'patch_embeds.{s}.projection.\2', None),
    (r'^patch_embed(\d)\.norm\.(weight|bias)$', r'patch_embeds.{s}.norm.\2',
     None),
    (r'^block(\d)\.(\d+)\.(norm1|norm2)\.(weight|bias)$',
     r'blocks.{s}.\2.\3.\4', None),
    (r'^block(\d)\.(\d+)\.attn\.(q|kv|proj|sr|norm)\.(weight|bias)$',
     r'blocks.{s}.\2.attn.\3.\4', None),
    (r'^block(\d)\.(\d+)\.mlp\.fc1\.(weight|bias)$',
     r'blocks.{s}.\2.ffn.layers.0.\3', _to_conv1x1),
    (r'^block(\d)\.(\d+)\.mlp\.dwconv\.dwconv\.(weight|bias)$',
     r'blocks.{s}.\2.ffn.layers.1.\3', None),
    (r'^block(\d)\.(\d+)\.mlp\.fc2\.(weight|bias)$',
     r'blocks.{s}.\2.ffn.layers.4.\3', _to_conv1x1),
    (r'^norm(\d)\.(weight|bias)$', r'norms.{s}.\2', None),
]

# The learnable parts of the official DPLNet.
_DPLNET_PROMPT_RULES: List[Rule] = [
    (r'^learnable_prompt$', 'prompt_tokens', None),
    (r'^patch_embed(\d)\.proj\.(weight|bias)$',
     r'prompt_embeds.{s}.projection.\2', None),
    (r'^patch_embed(\d)\.norm\.(weight|bias)$', r'prompt_embeds.{s}.norm.\2',
     None),
    (r'^ada(\d)\.conv0_0\.(weight|bias)$',
     r'prompt_adapters.{s}.aux_reduce.\2', None),
    (r'^ada(\d)\.conv0_1\.(weight|bias)$',
     r'prompt_adapters.{s}.rgb_reduce.\2', None),
    (r'^ada(\d)\.conv\.(weight|bias)$', r'prompt_adapters.{s}.expand.\2',
     None),
    (r'^rgb\.block(\d)\.(\d+)\.norm_prompt\.(weight|bias)$',
     r'blocks.{s}.\2.prompt_norm.\3', None),
    (r'^rgb\.block(\d)\.(\d+)\.attn\.q_prompt\.(weight|bias)$',
     r'blocks.{s}.\2.attn.prompt.q_reduce.\3', None),
    (r'^rgb\.block(\d)\.(\d+)\.attn\.kv_prompt\.(weight|bias)$',
     r'blocks.{s}.\2.attn.prompt.kv.\3', None),
    (r'^rgb\.block(\d)\.(\d+)\.attn\.k_prompt\.(weight|bias)$',
     r'blocks.{s}.\2.attn.prompt.k_reduce.\3', None),
    (r'^rgb\.block(\d)\.(\d+)\.attn\.v_prompt\.(weight|bias)$',
     r'blocks.{s}.\2.attn.prompt.v_reduce.\3', None),
    (r'^rgb\.block(\d)\.(\d+)\.attn\.proj_prompt\.(weight|bias)$',
     r'blocks.{s}.\2.attn.prompt.proj.\3', None),
]

# mmseg's MixVisionTransformer (stages are already 0-based).
_MMSEG_RULES: List[Rule] = [
    (r'^layers\.(\d)\.0\.(projection|norm)\.(weight|bias)$',
     r'patch_embeds.\1.\2.\3', None),
    (r'^layers\.(\d)\.1\.(\d+)\.(norm1|norm2)\.(weight|bias)$',
     r'blocks.\1.\2.\3.\4', None),
    (r'^layers\.(\d)\.1\.(\d+)\.attn\.attn\.out_proj\.(weight|bias)$',
     r'blocks.\1.\2.attn.proj.\3', None),
    (r'^layers\.(\d)\.1\.(\d+)\.attn\.(sr|norm)\.(weight|bias)$',
     r'blocks.\1.\2.attn.\3.\4', None),
    (r'^layers\.(\d)\.1\.(\d+)\.ffn\.layers\.(\d)\.(weight|bias)$',
     r'blocks.\1.\2.ffn.layers.\3.\4', None),
    (r'^layers\.(\d)\.2\.(weight|bias)$', r'norms.\1.\2', None),
]
_MMSEG_IN_PROJ = re.compile(
    r'^layers\.(\d)\.1\.(\d+)\.attn\.attn\.in_proj_(weight|bias)$')


def _rename(key: str, rules: List[Rule]
            ) -> Optional[Tuple[str, Optional[Callable]]]:
    """Apply the first matching rule to ``key``.

    Returns:
        tuple | None: (new key, tensor transform) or None if no rule fits.
    """
    for pattern, replacement, transform in rules:
        match = re.match(pattern, key)
        if match:
            new_key = match.expand(replacement)
            if '{s}' in new_key:
                new_key = new_key.replace('{s}', _stage(match))
            return new_key, transform
    return None


def strip_prefix(state_dict: StateDict, prefix: str) -> StateDict:
    """Keep the entries under ``prefix`` with the prefix removed."""
    return OrderedDict((key[len(prefix):], value)
                       for key, value in state_dict.items()
                       if key.startswith(prefix))


def split_backbone(state_dict: StateDict) -> Tuple[StateDict, List[str]]:
    """Separate the backbone part of a whole-segmentor state dict.

    Args:
        state_dict (dict): A state dict, possibly with ``module.`` (DDP) and
            ``backbone.`` prefixes.

    Returns:
        tuple: (backbone entries without the prefix, the other keys). A
        state dict without any ``backbone.`` key is returned whole.
    """
    if all(key.startswith('module.') for key in state_dict):
        state_dict = strip_prefix(state_dict, 'module.')
    if not any(key.startswith('backbone.') for key in state_dict):
        return OrderedDict(state_dict), []
    others = [key for key in state_dict if not key.startswith('backbone.')]
    return strip_prefix(state_dict, 'backbone.'), others


def detect_format(state_dict: StateDict) -> Optional[str]:
    """Name the format of a backbone state dict (see module docstring).

    Returns:
        str | None: A key of :data:`FORMAT_NAMES`, or None if unknown.
    """
    for name, marker in _FORMAT_MARKERS:
        if any(marker.match(key) for key in state_dict):
            return name
    return None


def _convert_by_rules(state_dict: StateDict, rules: List[Rule]
                      ) -> Tuple[StateDict, List[str]]:
    converted, unknown = OrderedDict(), []
    for key, value in state_dict.items():
        renamed = _rename(key, rules)
        if renamed is None:
            unknown.append(key)
            continue
        new_key, transform = renamed
        converted[new_key] = transform(value) if transform else value
    return converted, unknown


def _convert_mmseg(state_dict: StateDict) -> Tuple[StateDict, List[str]]:
    fused = OrderedDict((k, v) for k, v in state_dict.items()
                        if _MMSEG_IN_PROJ.match(k))
    rest = OrderedDict(
        (k, v) for k, v in state_dict.items() if k not in fused)
    converted, unknown = _convert_by_rules(rest, _MMSEG_RULES)
    for key, value in fused.items():
        stage, block, kind = _MMSEG_IN_PROJ.match(key).groups()
        channels = value.shape[0] // 3
        prefix = f'blocks.{stage}.{block}.attn'
        converted[f'{prefix}.q.{kind}'] = value[:channels]
        converted[f'{prefix}.kv.{kind}'] = value[channels:]
    return converted, unknown


def _convert_dplnet_official(state_dict: StateDict
                             ) -> Tuple[StateDict, List[str]]:
    converted, unknown = OrderedDict(), []
    for key, value in state_dict.items():
        renamed = _rename(key, _DPLNET_PROMPT_RULES)
        if renamed is None and key.startswith('rgb.'):
            renamed = _rename(key[len('rgb.'):], _NVLABS_RULES)
        if renamed is None:
            unknown.append(key)
            continue
        new_key, transform = renamed
        converted[new_key] = transform(value) if transform else value
    return converted, unknown


def convert_to_dual_prompt_mit(state_dict: StateDict, fmt: str
                               ) -> Tuple[StateDict, List[str]]:
    """Rename a backbone state dict of format ``fmt`` to DualPromptMiT keys.

    Args:
        state_dict (dict): Backbone entries (no ``backbone.`` prefix).
        fmt (str): A key of :data:`FORMAT_NAMES`.

    Returns:
        tuple: (converted state dict, keys that no rule of the format knows,
        e.g. an ImageNet classifier ``head.*`` or an official DPLNet's
        decoder).
    """
    if fmt == 'nvlabs':
        return _convert_by_rules(state_dict, _NVLABS_RULES)
    if fmt == 'mmseg':
        return _convert_mmseg(state_dict)
    if fmt == 'dplnet_official':
        return _convert_dplnet_official(state_dict)
    if fmt == 'dual_prompt_mit':
        return OrderedDict(state_dict), []
    raise ValueError(f'unknown format {fmt!r}; expected one of '
                     f'{sorted(FORMAT_NAMES)}')
