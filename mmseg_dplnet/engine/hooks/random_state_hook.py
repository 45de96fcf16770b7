"""The random generators' states in checkpoints, for exact resumption."""
import logging
import random
from typing import Iterator, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop

from mmseg.registry import HOOKS

#: The checkpoint key of the states (one dict per rank).
CHECKPOINT_KEY = 'random_states'


def capture_random_state() -> dict:
    """The states of Python's, numpy's and torch's (CPU, CUDA) generators."""
    cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
    return dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state(),
        cuda=torch.cuda.get_rng_state_all() if cuda else [])


def restore_random_state(state: dict) -> None:
    """Set the generators to a :func:`capture_random_state` state."""
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if state['cuda'] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RestoreAfter:
    """An iterator that sets the generators to ``state`` once ``skip``
    items have been drawn, right before the next one.

    mmengine's iteration-based loop draws (and so transforms, with the
    generators) the batches it already trained on before it goes on; the
    state of the interrupted run belongs after them.
    """

    def __init__(self, iterator: Iterator, skip: int, state: dict) -> None:
        self._iterator, self._skip, self._state = iterator, skip, state

    def __iter__(self) -> '_RestoreAfter':
        return self

    def __next__(self):
        if self._skip == 0 and self._state is not None:
            restore_random_state(self._state)
            self._state = None
        self._skip -= 1
        return next(self._iterator)

    def __getattr__(self, name: str):
        return getattr(self._iterator, name)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the random generators' states with each checkpoint and restore
    them when training resumes.

    With dropout, stochastic depth or random augmentations on, a resumed run
    then continues exactly as the uninterrupted one would have (data loaded
    in the main process, ``num_workers=0``; dataloader workers start new
    random streams). The states of Python's ``random``, numpy's global
    generator and torch's CPU and CUDA generators are gathered from every
    rank after each training iteration and saved under
    ``checkpoint['random_states']`` (one entry per rank). On resume, each
    rank takes its own, once the training loop has drawn again the batches
    it had trained on. A checkpoint without states, or of another number of
    ranks, resumes with a warning that the random streams differ.
    """

    priority = 'LOW'  # after a training iteration, before CheckpointHook

    def __init__(self) -> None:
        self._states: Optional[List[dict]] = None
        self._loaded: Optional[List[dict]] = None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        self._states = all_gather_object(capture_random_state())

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._states is not None:
            checkpoint[CHECKPOINT_KEY] = self._states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = checkpoint.get(CHECKPOINT_KEY)

    def before_train(self, runner) -> None:
        """Restore the states of a resumed run (a run from iteration 0,
        with or without ``load_from``, keeps its own seed)."""
        if runner.iter == 0 and runner.epoch == 0:
            return
        rank, world_size = get_dist_info()
        if self._loaded is None or len(self._loaded) != world_size:
            found = ('no random states' if self._loaded is None else
                     f'the random states of {len(self._loaded)} rank(s)')
            print_log(
                f'The resumed checkpoint holds {found} for {world_size} '
                f'rank(s): dropout, stochastic depth and augmentations draw '
                f'other random numbers than the uninterrupted run would have.',
                logger='current',
                level=logging.WARNING)
            return
        state = self._loaded[rank]
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            loop.dataloader_iterator = _RestoreAfter(
                loop.dataloader_iterator, runner.iter, state)
        else:  # an epoch-based loop starts a new epoch: nothing is drawn
            restore_random_state(state)
