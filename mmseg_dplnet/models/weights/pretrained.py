"""Load a pretrained RGB MiT (any supported format) into DualPromptMiT."""
import logging
import re
from collections import OrderedDict, defaultdict
from typing import Any, Dict, Iterable, List

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader

from .mit_formats import (FORMAT_NAMES, StateDict, convert_to_dual_prompt_mit,
                          detect_format, split_backbone)


class PretrainedWeightsError(ValueError):
    """A weight file cannot initialise the model it was given to."""


def extract_state_dict(checkpoint: Any, filename: str) -> StateDict:
    """Return the tensors of a loaded checkpoint.

    Accepts ``{'state_dict': ...}`` (mmengine, NVlabs SegFormer),
    ``{'model': ...}`` and bare state dicts (NVlabs ``mit_b*.pth``, the
    official DPLNet file).

    Args:
        checkpoint: What the checkpoint file unpickled to.
        filename (str): The file, for error messages.

    Returns:
        dict: Parameter / buffer name -> tensor.
    """
    if isinstance(checkpoint, dict):
        for wrapper in ('state_dict', 'model'):
            if isinstance(checkpoint.get(wrapper), dict):
                checkpoint = checkpoint[wrapper]
                break
    if not isinstance(checkpoint, dict) or not checkpoint:
        raise PretrainedWeightsError(
            f'Unknown checkpoint format: {filename} holds a '
            f'{type(checkpoint).__name__}, not a state dict of tensors.')
    tensors = OrderedDict(
        (k, v) for k, v in checkpoint.items() if isinstance(v, torch.Tensor))
    if not tensors:
        raise PretrainedWeightsError(
            f'Unknown checkpoint format: {filename} has no tensors at the '
            f'top level, under "state_dict" or under "model" (keys: '
            f'{_preview(checkpoint)}).')
    return tensors


def _preview(keys: Iterable[str], limit: int = 6) -> str:
    keys = list(keys)
    shown = ', '.join(keys[:limit])
    return shown + (f', ... ({len(keys)} in all)' if len(keys) > limit else '')


def is_prompt_key(key: str) -> bool:
    """Whether a DualPromptMiT key belongs to a learnable prompt part."""
    return any(part.startswith('prompt') for part in key.split('.'))


def _blocks_per_stage(keys: Iterable[str]) -> List[int]:
    """Count blocks per stage from DualPromptMiT keys, e.g. [3, 6, 40, 3]."""
    blocks: Dict[int, set] = defaultdict(set)
    for key in keys:
        match = re.match(r'^blocks\.(\d+)\.(\d+)\.', key)
        if match:
            blocks[int(match.group(1))].add(int(match.group(2)))
    return [len(blocks[stage]) for stage in sorted(blocks)]


def load_pretrained_mit(backbone: nn.Module,
                        filename: str,
                        logger: Any = 'current') -> Dict[str, List[str]]:
    """Initialise a DualPromptMiT from a pretrained weight file.

    Detects the format (NVlabs SegFormer or ImageNet MiT, mmseg SegFormer /
    MiT, official DPLNet, or this project's own), renames it, and loads every
    matching tensor. The frozen RGB encoder must be complete: a missing or
    mis-shaped frozen tensor (e.g. B2 weights into a B5 backbone) is an
    error, because it would stay random forever. Learnable prompt tensors
    absent from the file start from their initialisation.

    Args:
        backbone (nn.Module): The DualPromptMiT to load into.
        filename (str): Path or URL of the weight file.
        logger: Where the summary is logged. Default: ``'current'``.

    Returns:
        dict: ``loaded``, ``prompt_from_scratch`` and ``ignored`` key lists.

    Raises:
        PretrainedWeightsError: For an unknown format, no matching tensor, a
            shape mismatch or missing frozen tensors.
    """
    checkpoint = CheckpointLoader.load_checkpoint(
        filename, map_location='cpu', logger=logger)
    state_dict, non_backbone = split_backbone(
        extract_state_dict(checkpoint, filename))
    fmt = detect_format(state_dict)
    if fmt is None:
        raise PretrainedWeightsError(
            f'Unknown checkpoint format: {filename}. Expected NVlabs '
            'SegFormer / MiT weights (e.g. segformer.b5.640x640.ade.160k.pth '
            'or mit_b5.pth), mmseg SegFormer / MiT weights, or a DPLNet '
            f'checkpoint; its keys start: {_preview(state_dict)}')
    converted, unknown = convert_to_dual_prompt_mit(state_dict, fmt)

    expected = backbone.state_dict()
    matched = [key for key in converted if key in expected]
    if not matched:
        raise PretrainedWeightsError(
            f'No backbone tensor of {filename} ({FORMAT_NAMES[fmt]} format) '
            'matches DualPromptMiT.')
    mismatched = [
        f'{key}: file {tuple(converted[key].shape)} vs model '
        f'{tuple(expected[key].shape)}' for key in matched
        if converted[key].shape != expected[key].shape
    ]
    frozen_keys = [key for key in expected if not is_prompt_key(key)]
    missing_frozen = [key for key in frozen_keys if key not in converted]
    if mismatched or missing_frozen:
        problems = []
        if mismatched:
            problems.append(f'{len(mismatched)} tensors have another shape '
                            f'({"; ".join(mismatched[:3])})')
        if missing_frozen:
            problems.append(f'{len(missing_frozen)} frozen tensors are '
                            f'missing ({_preview(missing_frozen, 3)})')
        raise PretrainedWeightsError(
            f'{filename} ({FORMAT_NAMES[fmt]} format) does not fit this '
            f'DualPromptMiT: {"; ".join(problems)}. The file has '
            f'{_blocks_per_stage(converted)} blocks per stage and stage-1 '
            'width '
            f'{_stage1_width(converted)}; the backbone has '
            f'{_blocks_per_stage(expected)} and '
            f'{_stage1_width(expected)}. Set backbone.arch to the MiT size '
            'the weights were trained for (b0..b5).')

    unexpected = [key for key in converted if key not in expected]
    backbone.load_state_dict(
        OrderedDict((key, converted[key]) for key in matched), strict=False)
    prompt_from_scratch = [
        key for key in expected if is_prompt_key(key) and key not in converted
    ]
    ignored = non_backbone + unknown + unexpected
    print_log(
        f'DualPromptMiT: loaded {len(matched)} tensors '
        f'({len(frozen_keys)} frozen RGB + '
        f'{len(matched) - len(frozen_keys)} prompt) from {filename} '
        f'({FORMAT_NAMES[fmt]} format); {len(prompt_from_scratch)} prompt '
        'tensors keep their initialisation.',
        logger=logger)
    if ignored:
        print_log(
            f'DualPromptMiT: ignored {len(ignored)} tensors of {filename} '
            f'that are not part of the backbone: {_preview(ignored)}',
            logger=logger,
            level=logging.INFO if not unexpected else logging.WARNING)
    return dict(
        loaded=matched, prompt_from_scratch=prompt_from_scratch,
        ignored=ignored)


def _stage1_width(state_dict: StateDict) -> int:
    weight = state_dict.get('patch_embeds.0.projection.weight')
    return int(weight.shape[0]) if weight is not None else -1
