"""Weights-only checkpoint loading that still reads runner checkpoints.

Since torch 2.6, ``torch.load`` unpickles with ``weights_only=True``: only
tensors, containers and allowlisted globals. A checkpoint saved by mmengine's
runner also holds the message hub (``HistoryBuffer`` objects, which pickle
their statistic methods as ``getattr(HistoryBuffer, 'mean')``), numpy arrays
and scalars, and (with :class:`~mmseg_dplnet.engine.RandomStateHook`) the
random number generators' states, so mmengine 0.10.7 cannot resume from its
own files.

:func:`allow_runner_checkpoints` allowlists exactly those types, with torch's
own mechanism (:func:`torch.serialization.add_safe_globals`): every
``torch.load(..., weights_only=True)`` of the process, ours, mmengine's and
the user's, then reads runner checkpoints and still refuses anything else.
``getattr`` is never allowlisted: checkpoints get a stand-in that only
returns HistoryBuffer's own statistic methods.

Two of mmengine's checkpoint loaders are replaced, and no others:

- local files: mmengine's calls ``torch.load`` as ours does (weights-only,
  torch's default), but its errors name neither the file nor the cause;
  :func:`load_local_checkpoint` tells a missing or empty file, a truncated
  one, a file that is not a PyTorch checkpoint (e.g. a web page saved as
  ``.pth``) and a legitimate checkpoint holding objects outside the
  allowlist apart, naming the file;
- ``http://`` / ``https://``: mmengine's goes through
  ``torch.hub.load_state_dict_from_url``, which unpickles with
  ``weights_only=False`` (code in a downloaded file would run);
  :func:`load_http_checkpoint` downloads the file as mmengine does and loads
  it with :func:`load_local_checkpoint`.
"""
import os
import os.path as osp
import pickle
import zipfile
from typing import Any, Callable, List, Optional, Tuple, Union
from urllib.parse import urlparse

import numpy as np
import torch
from mmengine.dist import get_dist_info
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

SafeGlobal = Union[Callable, Tuple[Callable, str]]

_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds pickled objects that weights-only loading refuses."""


class CheckpointFileError(ValueError):
    """A checkpoint file that is empty, truncated or not a PyTorch file."""


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


def _check_checkpoint_file(filename: str) -> None:
    """Refuse, before unpickling, a file that cannot be a checkpoint.

    PyTorch writes a zip archive (or, before torch 1.6, a pickle, whose
    first byte is 0x80).
    """
    size = osp.getsize(filename)
    if size == 0:
        raise CheckpointFileError(
            f'checkpoint file {filename} is empty (0 bytes): an interrupted '
            f'download or copy? Fetch it again.')
    with open(filename, 'rb') as f:
        head = f.read(64)
    if head.startswith(b'PK\x03\x04'):
        if not zipfile.is_zipfile(filename):
            raise CheckpointFileError(
                f'checkpoint file {filename} is truncated: a PyTorch archive '
                f'without its end ({size} bytes), e.g. an interrupted '
                f'download. Fetch it again.')
    elif not head.startswith(b'\x80'):
        looks_like = ''
        if head.lstrip()[:1] == b'<':
            looks_like = (' It looks like a web page (HTML): the link led to '
                          'a download page, not to the file itself.')
        raise CheckpointFileError(
            f'checkpoint file {filename} is not a PyTorch checkpoint: it '
            f'starts with {head[:24]!r}.{looks_like} Fetch the .pth file '
            f'itself.')


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
        CheckpointFileError: If the file is empty, truncated, corrupt or not
            a PyTorch checkpoint.
        UnsafeCheckpointError: If the file holds pickled objects other than
            tensors, containers, numbers, strings, numpy arrays, the runner's
            message hub and random states.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    _check_checkpoint_file(filename)
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        if 'Weights only load failed' not in str(error):
            raise CheckpointFileError(
                f'checkpoint file {filename} is corrupt: {error}') from error
        raise UnsafeCheckpointError(
            f'Refused to load {filename}: it holds pickled Python objects '
            'that are not weights, and unpickling them could run code. '
            'mmseg-dplnet loads checkpoints with weights_only=True and '
            'accepts tensors, numbers, strings, containers, numpy arrays and '
            "mmengine's message hub only. If you trust the file, re-save "
            "its tensors alone, e.g. torch.save({'state_dict': "
            f'state_dict}}, path). Unpickler: {_refusal_reason(error)}'
        ) from error
    except (RuntimeError, EOFError, zipfile.BadZipFile) as error:
        raise CheckpointFileError(
            f'checkpoint file {filename} is truncated or corrupt '
            f'({type(error).__name__}: {str(error).splitlines()[0]}). Fetch '
            f'it again.') from error


def load_http_checkpoint(filename: str,
                         map_location: Optional[Union[str,
                                                      Callable]] = None,
                         model_dir: Optional[str] = None,
                         progress: bool = os.isatty(0)) -> Any:
    """Download a checkpoint (once) and load it as a local one.

    Registered as mmengine's loader for ``http://`` and ``https://``, with
    mmengine's arguments and caching: the file goes to ``model_dir``
    (default ``<torch hub dir>/checkpoints``) under the URL's file name, and
    in a distributed run rank 0 downloads it while the others wait.

    Args:
        filename (str): The URL.
        map_location (str | Callable, optional): As in :func:`torch.load`.
        model_dir (str, optional): Where downloads are kept.
        progress (bool): Show a progress bar. Default: when on a terminal.

    Returns:
        The unpickled checkpoint, as :func:`load_local_checkpoint` loads it.
    """
    model_dir = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    cached = osp.join(model_dir, osp.basename(urlparse(filename).path))
    rank, world_size = get_dist_info()
    if rank == 0 and not osp.isfile(cached):
        os.makedirs(model_dir, exist_ok=True)
        torch.hub.download_url_to_file(filename, cached, progress=progress)
    if world_size > 1:
        torch.distributed.barrier()
    return load_local_checkpoint(cached, map_location)


def register_checkpoint_loading() -> None:
    """Install the allowlist, and the local-file and http(s) loaders, in
    mmengine (see the module docstring for why these two)."""
    allow_runner_checkpoints()
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'),
        loader=load_http_checkpoint,
        force=True)
