"""Prompt-only checkpoints: what learned, on a frozen encoder named by file.

A DPLNet model is a frozen pretrained encoder plus a few million learnable
tensors. A prompt-only checkpoint holds the learnable tensors and the
buffers that change in training (e.g. BatchNorm statistics: every tensor
outside the frozen encoder), the runner's other entries as they are
(optimizer, schedulers, message hub, random states), and, in
``meta['prompt_only']``, a record of the frozen encoder:

- ``module``: the model's child that holds every frozen tensor (the
  backbone);
- ``checkpoint`` / ``sha256``: the pretrained file the encoder was built
  from (the module's ``init_cfg``) and its hash;
- ``frozen_sha256`` / ``frozen_tensors``: a fingerprint of the frozen tensors
  themselves (names, dtypes, shapes and bytes), so that a file that hashes
  right but converts to other weights (or a model whose frozen weights did
  not come from that file) is refused too.

:func:`complete_prompt_only` turns such a checkpoint back into a full one
for a model: unless the model already holds the recorded frozen weights,
it builds the frozen encoder from the pretrained file (the config's, else
the recorded one) after checking its hash, checks the fingerprint, and puts
the frozen tensors back into the state dict, so that every loader that
follows (mmengine's runner, ``load_checkpoint``) loads a complete file.
:func:`to_prompt_only` goes the other way; :func:`share_frozen_tensors`
lets several models use one loaded encoder.
"""
import copy
import hashlib
import os
import os.path as osp
from typing import Dict, List, Mapping, Optional, Tuple

import torch
import torch.nn as nn

#: Key of the record in ``checkpoint['meta']``.
RECORD_KEY = 'prompt_only'


class PromptOnlyCheckpointError(ValueError):
    """A prompt-only checkpoint that cannot be completed for a model."""


def is_prompt_only(checkpoint) -> bool:
    """Whether a loaded checkpoint is prompt-only (has the record)."""
    return isinstance(checkpoint, dict) and isinstance(
        checkpoint.get('meta'), dict) and RECORD_KEY in checkpoint['meta']


def frozen_state_keys(model: nn.Module) -> List[str]:
    """State-dict keys of the frozen tensors of a model.

    Frozen: a parameter that does not require grad, and a persistent
    buffer of a module all of whose own parameters are frozen (e.g. a
    BatchNorm of a frozen encoder). Buffers of learning modules, such as
    the decoder's BatchNorm statistics, are not frozen.

    Args:
        model (nn.Module): The model (unwrapped).

    Returns:
        list[str]: Keys, in ``model.state_dict()`` order.
    """
    frozen = set()
    for prefix, module in model.named_modules(remove_duplicate=False):
        prefix = prefix + '.' if prefix else ''
        params = dict(module.named_parameters(recurse=False))
        frozen.update(prefix + name for name, param in params.items()
                      if not param.requires_grad)
        if params and not any(p.requires_grad for p in params.values()):
            frozen.update(
                prefix + name
                for name, _ in module.named_buffers(recurse=False)
                if name not in module._non_persistent_buffers_set)
    return [key for key in model.state_dict() if key in frozen]


def tensor_fingerprint(tensors: Mapping[str, torch.Tensor]) -> str:
    """sha256 of tensors' names, dtypes, shapes and bytes (sorted by name).

    Args:
        tensors (Mapping[str, Tensor]): The tensors, on any device.

    Returns:
        str: The hex digest.
    """
    digest = hashlib.sha256()
    for key in sorted(tensors):
        tensor = tensors[key].detach().cpu().contiguous()
        digest.update(f'{key}|{tensor.dtype}|{tuple(tensor.shape)}|'.encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


_FILE_HASHES: Dict[Tuple[str, int, int], str] = {}


def file_sha256(filename: str) -> str:
    """sha256 of a file, cached per path, size and modification time."""
    stat = os.stat(filename)
    key = (osp.realpath(filename), stat.st_size, stat.st_mtime_ns)
    if key not in _FILE_HASHES:
        digest = hashlib.sha256()
        with open(filename, 'rb') as f:
            for block in iter(lambda: f.read(1 << 24), b''):
                digest.update(block)
        _FILE_HASHES[key] = digest.hexdigest()
    return _FILE_HASHES[key]


def encoder_module_name(model: nn.Module,
                        frozen_keys: Optional[List[str]] = None) -> str:
    """The model's child that holds every frozen tensor.

    Raises:
        PromptOnlyCheckpointError: If the model has no frozen tensor, or
            they lie in several children.
    """
    frozen_keys = frozen_state_keys(model) if frozen_keys is None else \
        frozen_keys
    owners = sorted({key.split('.', 1)[0] for key in frozen_keys})
    if len(owners) != 1:
        raise PromptOnlyCheckpointError(
            'a prompt-only checkpoint needs one frozen encoder module, but '
            f'the model\'s frozen tensors lie in {owners or "no module"}')
    return owners[0]


def pretrained_file(module: nn.Module) -> Optional[str]:
    """The pretrained file a module's ``init_cfg`` names, if any."""
    init_cfg = getattr(module, 'init_cfg', None)
    if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
        return init_cfg.get('checkpoint')
    return None


def build_encoder_from_file(encoder: nn.Module, filename: str) -> None:
    """Initialise a frozen-encoder module from a pretrained file, in place.

    The module's own ``init_weights`` does the loading (any format it
    reads); the global random state is left as it was, so that completing
    a checkpoint does not change what training draws next.
    """
    init_cfg = getattr(encoder, 'init_cfg', None)
    encoder.init_cfg = dict(type='Pretrained', checkpoint=filename)
    try:
        with torch.random.fork_rng(devices=[]):
            encoder.init_weights()
    finally:
        encoder.init_cfg = init_cfg


def _encoder_file_record(filename: str, source: str) -> dict:
    if not osp.isfile(filename):
        raise PromptOnlyCheckpointError(
            f'the frozen encoder file {filename} of {source} does not exist: '
            'a prompt-only checkpoint needs it to rebuild the encoder')
    return dict(checkpoint=filename, sha256=file_sha256(filename))


def check_frozen_from_file(model: nn.Module,
                           encoder_file: str,
                           frozen: Mapping[str, torch.Tensor],
                           source: str) -> None:
    """Check that ``frozen`` is exactly what ``encoder_file`` gives.

    A copy of the model's encoder is built from the file (the model is left
    alone) and its frozen tensors are compared with ``frozen``.

    Raises:
        PromptOnlyCheckpointError: If they differ, naming the first tensor.
    """
    name = encoder_module_name(model, list(frozen))
    encoder = copy.deepcopy(getattr(model, name))
    build_encoder_from_file(encoder, encoder_file)
    built = {f'{name}.{k}': v for k, v in encoder.state_dict().items()}
    differ = [k for k in frozen if not torch.equal(frozen[k].cpu(),
                                                   built[k].cpu())]
    if differ:
        raise PromptOnlyCheckpointError(
            f'the frozen weights of {source} are not those of the encoder '
            f'file {encoder_file}: {len(differ)} of {len(frozen)} frozen '
            f'tensors differ (e.g. {differ[0]}). A prompt-only checkpoint '
            'would lose them; keep the full checkpoint, or name the file '
            'the encoder was built from (model.backbone.init_cfg).')


def to_prompt_only(model: nn.Module,
                   checkpoint: dict,
                   encoder_file: str,
                   source: str = 'the checkpoint') -> dict:
    """A full checkpoint of ``model`` without its frozen tensors.

    Args:
        model (nn.Module): Defines which tensors are frozen (unwrapped).
        checkpoint (dict): ``state_dict`` (full), and the runner's entries,
            kept as they are.
        encoder_file (str): The pretrained file the encoder was built from.
        source (str): The checkpoint, for error messages.

    Returns:
        dict: The prompt-only checkpoint (a new dict; tensors shared).
    """
    state_dict = checkpoint['state_dict']
    keys = frozen_state_keys(model)
    missing = [key for key in keys if key not in state_dict]
    if missing:
        raise PromptOnlyCheckpointError(
            f'{source} lacks {len(missing)} frozen tensors of the model '
            f'(e.g. {missing[0]}): is it already prompt-only, or of '
            'another model?')
    record = dict(
        module=encoder_module_name(model, keys),
        **_encoder_file_record(encoder_file, source),
        frozen_sha256=tensor_fingerprint({k: state_dict[k] for k in keys}),
        frozen_tensors=len(keys))
    frozen = set(keys)
    result = dict(checkpoint)
    result['state_dict'] = type(state_dict)(
        (k, v) for k, v in state_dict.items() if k not in frozen)
    result['meta'] = {**checkpoint.get('meta', {}), RECORD_KEY: record}
    return result


def share_frozen_tensors(source: nn.Module, target: nn.Module) -> int:
    """Make ``target`` use ``source``'s frozen tensors (the same storage).

    Two models on one frozen encoder then hold it once in memory.

    Args:
        source (nn.Module): A model whose frozen encoder is loaded.
        target (nn.Module): A model of the same encoder architecture (its
            learnable parts may differ: another modality, other classes).

    Returns:
        int: How many tensors are shared.

    Raises:
        PromptOnlyCheckpointError: If the frozen tensors differ in names or
            shapes.
    """
    keys = frozen_state_keys(target)
    mine = source.state_dict(keep_vars=True)
    theirs = target.state_dict(keep_vars=True)
    odd = [k for k in keys
           if k not in mine or mine[k].shape != theirs[k].shape]
    if odd or len(keys) != len(frozen_state_keys(source)):
        raise PromptOnlyCheckpointError(
            'the two models do not have the same frozen encoder '
            f'({len(odd)} frozen tensors differ in name or shape'
            + (f', e.g. {odd[0]}' if odd else '') + ')')
    for key in keys:
        owner_name, _, attr = key.rpartition('.')
        owner = target.get_submodule(owner_name)
        if attr in owner._parameters:
            owner._parameters[attr] = mine[key]
        else:
            owner._buffers[attr] = mine[key]
    return len(keys)


def complete_prompt_only(model: nn.Module,
                         checkpoint: dict,
                         encoder_file: Optional[str] = None,
                         source: str = 'the checkpoint',
                         rebuild: bool = True) -> dict:
    """Fill a prompt-only checkpoint's frozen tensors from its encoder.

    When the model's frozen tensors are already the recorded ones (their
    fingerprint matches: a training run builds its encoder from the file
    before it loads, and an inferencer may share a loaded encoder), they
    are used as they are. Otherwise the encoder is built from its file:
    ``encoder_file`` (e.g. the config's ``init_cfg``), else the recorded
    one, whose sha256 must be the recorded one, and the fingerprint is
    checked again. The frozen tensors are then put into
    ``checkpoint['state_dict']`` (in place), so that the checkpoint loads
    as a full one.

    Args:
        model (nn.Module): The model to load into (unwrapped). Its encoder
            may be rebuilt.
        checkpoint (dict): A loaded prompt-only checkpoint.
        encoder_file (str, optional): Where the encoder file is now.
        source (str): The checkpoint file, for error messages.
        rebuild (bool): Whether the model's encoder may be rebuilt (not if
            it is shared with another model).

    Returns:
        dict: ``checkpoint``, now full, its record kept in ``meta``.

    Raises:
        PromptOnlyCheckpointError: If the encoder file is missing or has
            another hash, the checkpoint lacks learnable tensors of the
            model, or the frozen weights do not match.
    """
    record = checkpoint['meta'][RECORD_KEY]
    state_dict = checkpoint['state_dict']
    keys = frozen_state_keys(model)
    frozen = set(keys)
    missing = [k for k in model.state_dict()
               if k not in frozen and k not in state_dict]
    if missing or len(keys) != record['frozen_tensors']:
        raise PromptOnlyCheckpointError(
            f'{source} does not fit this model: the model has '
            f'{len(keys)} frozen tensors (the checkpoint\'s encoder '
            f'{record["frozen_tensors"]}) and the checkpoint lacks '
            f'{len(missing)} of its learnable ones'
            + (f' (e.g. {missing[0]})' if missing else '') +
            '. Use the config it was trained with.')

    def frozen_now() -> Dict[str, torch.Tensor]:
        current = model.state_dict()
        return {k: current[k] for k in keys}

    tensors = frozen_now()
    if tensor_fingerprint(tensors) != record['frozen_sha256']:
        if not rebuild:
            raise PromptOnlyCheckpointError(
                f'{source} was trained on another frozen encoder than the '
                'one loaded (fingerprints differ): load it on its own')
        filename = _checked_encoder_file(record, encoder_file, source)
        build_encoder_from_file(getattr(model, record['module']), filename)
        tensors = frozen_now()
        if tensor_fingerprint(tensors) != record['frozen_sha256']:
            raise PromptOnlyCheckpointError(
                f'the encoder that {filename} gives is not the frozen '
                f'encoder {source} was trained on (fingerprints differ, '
                'although the file hash matches): was the encoder built '
                'from it otherwise (another config?)')
    merged = {**state_dict, **tensors}
    order = list(model.state_dict()) + [k for k in state_dict
                                        if k not in tensors]
    state_dict.clear()  # the model's order, as in a full checkpoint
    state_dict.update((k, merged[k]) for k in dict.fromkeys(order)
                      if k in merged)
    return checkpoint


def _checked_encoder_file(record: dict, encoder_file: Optional[str],
                          source: str) -> str:
    """The encoder file to build from, once its hash is the recorded one."""
    recorded = record['checkpoint']
    filename = encoder_file or recorded
    where = '' if filename == recorded else f' (trained from {recorded})'
    if not osp.isfile(filename):
        raise PromptOnlyCheckpointError(
            f'{source} is prompt-only and needs its frozen encoder file '
            f'{filename}{where}, which does not exist. Put the pretrained '
            f'file (sha256 {record["sha256"]}) there, or name it in the '
            'config (model.backbone.init_cfg.checkpoint).')
    sha256 = file_sha256(filename)
    if sha256 != record['sha256']:
        raise PromptOnlyCheckpointError(
            f'{source} was trained on the frozen encoder file {recorded} '
            f'(sha256 {record["sha256"]}), but {filename} is a different '
            f'file (sha256 {sha256}). Name the file it was trained from '
            'in model.backbone.init_cfg.checkpoint.')
    return filename
