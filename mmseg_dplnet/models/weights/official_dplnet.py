"""Convert the official DPLNet checkpoint into this project's segmentor."""
import re
from collections import OrderedDict
from typing import List, Tuple

import torch

from .mit_formats import (StateDict, convert_to_dual_prompt_mit, detect_format,
                          split_backbone)

# Official decoder keys -> DPLNetHead keys ({s}: 0-based stage).
_HEAD_RULES = (
    (r'^head\.linear_c(\d)\.proj\.(weight|bias)$',
     'decode_head.stage_projections.{s}.\\2'),
    (r'^head\.linear_fuse\.conv\.weight$', 'decode_head.fusion.conv.weight'),
    (r'^head\.linear_fuse\.bn\.(weight|bias|running_mean|running_var|'
     r'num_batches_tracked)$', 'decode_head.fusion.bn.\\1'),
    (r'^head\.linear_pred\.(weight|bias)$',
     'decode_head.intermediate_proj.\\1'),
    (r'^conv1\.(weight|bias)$', 'decode_head.conv_seg.\\1'),
)
# The pretrained SegFormer head inside the frozen encoder; never used.
_DEAD_PREFIX = 'rgb.head.'


class OfficialCheckpointError(ValueError):
    """A file is not a complete official DPLNet checkpoint."""


def _rename_head_key(key: str) -> str:
    for pattern, replacement in _HEAD_RULES:
        match = re.match(pattern, key)
        if match:
            new_key = match.expand(replacement)
            if '{s}' in new_key:
                new_key = new_key.replace('{s}', str(int(match.group(1)) - 1))
            return new_key
    return ''


def convert_official_dplnet(state_dict: StateDict,
                            keep_unlabeled: bool = False,
                            source: str = 'the checkpoint'
                            ) -> Tuple[StateDict, List[str]]:
    """Rename the official DPLNet state dict to an mmseg segmentor's.

    Args:
        state_dict (dict): The official ``DPLNet().state_dict()``.
        keep_unlabeled (bool): Keep output channel 0 ("unlabeled"), giving
            41 classes. By default it is dropped: the 40 remaining channels
            are NYUv2's classes in mmseg's ``reduce_zero_label`` order.
        source (str): Name of the file, for error messages.

    Returns:
        tuple: (``backbone.*`` / ``decode_head.*`` state dict, the dropped
        keys).

    Raises:
        OfficialCheckpointError: If the keys are not the official DPLNet's.
    """
    backbone_part, _ = split_backbone(state_dict)
    if detect_format(backbone_part) != 'dplnet_official':
        raise OfficialCheckpointError(
            f'{source} is not an official DPLNet checkpoint: it has no '
            "'rgb.patch_embed1.proj.weight' (its keys start: "
            f'{", ".join(list(state_dict)[:5])}).')
    dropped = [k for k in backbone_part if k.startswith(_DEAD_PREFIX)]
    head = OrderedDict()
    for key in list(backbone_part):
        new_key = _rename_head_key(key)
        if new_key:
            head[new_key] = backbone_part.pop(key)
    for key in dropped:
        backbone_part.pop(key)
    backbone, unknown = convert_to_dual_prompt_mit(backbone_part,
                                                   'dplnet_official')
    if unknown:
        raise OfficialCheckpointError(
            f'{source} has keys that the official DPLNet does not: '
            f'{", ".join(unknown[:5])}')
    converted = OrderedDict(
        ('backbone.' + key, value) for key, value in backbone.items())
    converted.update(head)
    if not keep_unlabeled:
        for name in ('weight', 'bias'):
            key = f'decode_head.conv_seg.{name}'
            if key not in converted:
                raise OfficialCheckpointError(
                    f'{source} has no classifier conv1.{name}')
            converted[key] = converted[key][1:].clone()
    return converted, dropped


def infer_official_arch(converted: StateDict) -> dict:
    """Read the backbone and head sizes off a converted state dict.

    Returns:
        dict: ``embed_dims`` (stage widths), ``num_layers``,
        ``aux_channels`` and ``num_classes``.
    """
    widths, depths = [], []
    stage = 0
    while f'backbone.patch_embeds.{stage}.projection.weight' in converted:
        weight = converted[f'backbone.patch_embeds.{stage}.projection.weight']
        widths.append(int(weight.shape[0]))
        blocks = {
            int(m.group(1))
            for m in (re.match(rf'^backbone\.blocks\.{stage}\.(\d+)\.', k)
                      for k in converted) if m
        }
        depths.append(len(blocks))
        stage += 1
    aux = converted.get('backbone.prompt_embeds.0.projection.weight')
    classes = converted.get('decode_head.conv_seg.weight')
    return dict(
        embed_dims=widths,
        num_layers=depths,
        aux_channels=int(aux.shape[1]) if aux is not None else None,
        num_classes=int(classes.shape[0]) if classes is not None else None)


def check_complete(converted: StateDict, model: torch.nn.Module,
                   source: str = 'the checkpoint') -> None:
    """Raise unless ``converted`` loads strictly into ``model``.

    Args:
        converted (dict): A converted state dict.
        model (nn.Module): The segmentor it is meant for.
        source (str): Name of the file, for error messages.
    """
    expected = model.state_dict()
    missing = [k for k in expected if k not in converted]
    unexpected = [k for k in converted if k not in expected]
    mismatched = [
        f'{k} {tuple(converted[k].shape)} vs {tuple(v.shape)}'
        for k, v in expected.items()
        if k in converted and converted[k].shape != v.shape
    ]
    if missing or unexpected or mismatched:
        details = []
        if missing:
            details.append(f'{len(missing)} missing (e.g. '
                           f'{", ".join(missing[:3])})')
        if unexpected:
            details.append(f'{len(unexpected)} unexpected (e.g. '
                           f'{", ".join(unexpected[:3])})')
        if mismatched:
            details.append(f'{len(mismatched)} of another shape (e.g. '
                           f'{"; ".join(mismatched[:3])})')
        raise OfficialCheckpointError(
            f'{source} is a partial or different DPLNet checkpoint: '
            f'{"; ".join(details)} tensors.')
