"""mmengine's checkpoint hook, with prompt-only checkpoints."""
from typing import Optional

from mmengine.hooks import CheckpointHook
from mmengine.model import is_model_wrapper
from mmengine.runner import find_latest_checkpoint

from mmseg.registry import HOOKS
from mmseg_dplnet.models.weights.prompt_only import (
    PromptOnlyCheckpointError, check_frozen_from_file, complete_prompt_only,
    encoder_module_name, frozen_state_keys, is_prompt_only, pretrained_file,
    to_prompt_only)


def _unwrapped(runner):
    model = runner.model
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class PromptCheckpointHook(CheckpointHook):
    """:class:`CheckpointHook` that can save only what learned.

    With ``prompt_only=True`` every checkpoint it saves (interval, best,
    last) holds the learnable tensors and the buffers outside the frozen
    encoder, the optimizer / scheduler / message-hub / random states, and a
    record of the frozen encoder: the pretrained file of its ``init_cfg``
    and that file's sha256 (see
    :mod:`mmseg_dplnet.models.weights.prompt_only`). For B5 that is 7.2M
    instead of 88.6M tensors' worth.

    Whatever ``prompt_only`` says, a prompt-only checkpoint given to the
    runner (``load_from``, ``--resume``, ``tools/test.py CONFIG CKPT``) is
    completed before it is loaded: the frozen encoder is built from the
    pretrained file that the config names (else the recorded one) after its
    hash is checked. Full checkpoints load as they always did.

    Args:
        prompt_only (bool): Save prompt-only checkpoints. Defaults to False
            (self-contained files, which every OpenMMLab tool reads).
        **kwargs: The arguments of :class:`CheckpointHook`.
    """

    def __init__(self, prompt_only: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.prompt_only = prompt_only
        self._loaded_full: Optional[str] = None

    def _loaded_file(self, runner) -> str:
        """The checkpoint the runner is loading, for messages."""
        loaded = runner._load_from or find_latest_checkpoint(runner.work_dir)
        return loaded or 'the loaded checkpoint'

    def _encoder_file(self, runner) -> Optional[str]:
        model = _unwrapped(runner)
        name = encoder_module_name(model)
        return pretrained_file(getattr(model, name))

    def before_train(self, runner) -> None:
        """Refuse to save prompt-only checkpoints whose encoder file is not
        known, or does not hold the frozen weights the model trains on
        (e.g. after ``load_from`` a full checkpoint of another encoder)."""
        super().before_train(runner)
        if not self.prompt_only:
            return
        encoder_file = self._encoder_file(runner)
        if encoder_file is None:
            raise PromptOnlyCheckpointError(
                'prompt_only checkpoints record the frozen encoder\'s '
                'pretrained file, but the encoder has no init_cfg='
                "dict(type='Pretrained', checkpoint=...): name the file, "
                'or save full checkpoints')
        if self._loaded_full is not None:
            model = _unwrapped(runner)
            state = model.state_dict()
            check_frozen_from_file(
                model, encoder_file,
                {k: state[k] for k in frozen_state_keys(model)},
                f'the model loaded from {self._loaded_full}')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Drop the frozen tensors and record the encoder file."""
        if not self.prompt_only:
            return
        prompt_only = to_prompt_only(
            _unwrapped(runner), checkpoint, self._encoder_file(runner),
            'the checkpoint being saved')
        checkpoint.clear()
        checkpoint.update(prompt_only)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Complete a prompt-only checkpoint before the runner loads it."""
        if not is_prompt_only(checkpoint):
            self._loaded_full = self._loaded_file(runner)
            return
        complete_prompt_only(
            _unwrapped(runner), checkpoint, self._encoder_file(runner),
            self._loaded_file(runner))
