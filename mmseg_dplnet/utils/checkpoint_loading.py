"""Weights-only checkpoint loading that still reads runner checkpoints.

Since torch 2.6, ``torch.load`` unpickles with ``weights_only=True``: only
tensors, containers and allowlisted globals. A checkpoint saved by mmengine's
runner also holds the message hub (``HistoryBuffer`` objects, which pickle
their statistic methods as ``getattr(HistoryBuffer, 'mean')``) and numpy
arrays and scalars, so mmengine 0.10.7 cannot resume from its own files.

:func:`allow_runner_checkpoints` allowlists exactly those types. ``getattr``
is never allowlisted: checkpoints get a stand-in that only returns
HistoryBuffer's own statistic methods. Anything else (e.g. an object whose
unpickling would run code) is still refused, and :func:`load_local_checkpoint`
turns torch's refusal into an error that names the file.
"""
import os.path as osp
import pickle
from typing import Any, Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

SafeGlobal = Union[Callable, Tuple[Callable, str]]

_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds pickled objects that weights-only loading refuses."""


def history_buffer_getattr(owner: Any, name: str) -> Callable:
    """Stand-in for ``builtins.getattr`` while unpickling a checkpoint.

    ``HistoryBuffer.__getstate__`` stores its statistic methods, which pickle
    references as ``getattr(HistoryBuffer, name)``. This returns those
    methods and refuses every other lookup, so a checkpoint cannot use
    ``getattr`` to reach arbitrary attributes.

    Args:
        owner: The object the checkpoint looks the attribute up on.
        name (str): The attribute name.

    Returns:
        Callable: ``HistoryBuffer.<name>`` for a statistic method.
    """
    allowed = set(_HISTORY_BUFFER_STATISTICS) | set(
        HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in allowed and hasattr(owner, name):
        return getattr(owner, name)
    raise UnsafeCheckpointError(
        f'getattr({owner!r}, {name!r}) is not allowed in a checkpoint: only '
        'the statistic methods of mmengine HistoryBuffer are')


def _numpy_globals() -> List[SafeGlobal]:
    """Numpy array, scalar and dtype constructors, under numpy 1 and 2."""
    core = getattr(np, '_core', None) or np.core
    multiarray = core.multiarray
    safe: List[SafeGlobal] = [np.ndarray, np.dtype]
    for func in (multiarray._reconstruct, multiarray.scalar):
        # Files written under numpy 1.x name the module numpy.core.
        safe += [(func, f'numpy._core.multiarray.{func.__name__}'),
                 (func, f'numpy.core.multiarray.{func.__name__}')]
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [getattr(dtypes, name) for name in dtypes.__all__]
    return safe


def runner_checkpoint_globals() -> List[SafeGlobal]:
    """The globals that mmengine runner checkpoints need, and no others.

    Returns:
        list: Entries for :func:`torch.serialization.add_safe_globals`.
    """
    return [HistoryBuffer, (history_buffer_getattr, 'builtins.getattr')
            ] + _numpy_globals()


def allow_runner_checkpoints() -> None:
    """Allowlist :func:`runner_checkpoint_globals` for weights-only loads."""
    torch.serialization.add_safe_globals(runner_checkpoint_globals())


def _refusal_reason(error: Exception) -> str:
    """The line of torch's weights-only refusal that says what was found."""
    boilerplate = ('Weights only load failed', 'Please file an issue',
                   'Check the documentation', '(1)', '(2)')
    for line in str(error).splitlines():
        line = line.replace('WeightsUnpickler error:', '').strip()
        if line and not line.startswith(boilerplate):
            return line
    return str(error)


def load_local_checkpoint(filename: str,
                          map_location: Optional[Union[str,
                                                       Callable]] = None
                          ) -> Any:
    """Load a local checkpoint with ``weights_only=True``.

    Registered as mmengine's loader for local paths, so the runner, the
    tools and ``init_cfg=dict(type='Pretrained')`` all load this way.

    Args:
        filename (str): Path of the checkpoint file (``~`` is expanded).
        map_location (str | Callable, optional): As in :func:`torch.load`.

    Returns:
        The unpickled checkpoint (usually a dict).

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        UnsafeCheckpointError: If the file holds pickled objects other than
            tensors, containers, numbers, strings, numpy arrays and the
            runner's message hub.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        raise UnsafeCheckpointError(
            f'Refused to load {filename}: it holds pickled Python objects '
            'that are not weights, and unpickling them could run code. '
            'mmseg-dplnet loads checkpoints with weights_only=True and '
            'accepts tensors, numbers, strings, containers, numpy arrays and '
            "mmengine's message hub only. If you trust the file, re-save "
            "its tensors alone, e.g. torch.save({'state_dict': "
            f'state_dict}}, path). Unpickler: {_refusal_reason(error)}'
        ) from error


def register_checkpoint_loading() -> None:
    """Install the allowlist and the local-file loader in mmengine."""
    allow_runner_checkpoints()
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
