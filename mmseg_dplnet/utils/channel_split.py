"""The channel split of a multimodal sample, and who owns each part of it.

A sample travels as ONE image: the :data:`RGB_CHANNELS` RGB channels first,
then the auxiliary modality in its natural channels (1 for depth and
thermal, 3 for HHA). The model owns the rest of the split, each part in one
place of ``model``:

- ``model.backbone.aux_channels``: how many auxiliary channels the prompt
  generator embeds (3 replicates a single-channel modality, the paper's
  choice; 1 keeps it);
- ``model.data_preprocessor.aux_modality``: which modality the model takes;
  the datasets of the train / val / test loops follow it
  (:func:`apply_aux_modality`), and every batch is checked against it.

The normalisation statistics follow the batch's channels
(:class:`~mmseg_dplnet.models.RGBXDataPreProcessor`).
"""
from typing import Optional

from mmseg.models import SegDataPreProcessor
from mmseg.registry import DATASETS, MODELS

#: Channels of the RGB image at the front of every stacked sample.
RGB_CHANNELS = 3
#: Channels of each auxiliary modality in the stacked sample.
AUX_MODALITY_CHANNELS = dict(depth=1, hha=3, thermal=1)
#: Channels of a file holding RGB and a single-channel modality as its 4th
#: channel (MFNet's RGBT PNGs).
RGBX_FILE_CHANNELS = 4

#: Keys under which dataset wrappers hold the dataset(s) they wrap.
_WRAPPED_KEYS = ('dataset', 'datasets')


def model_aux_modality(model_cfg: Optional[dict]) -> Optional[str]:
    """The auxiliary modality a model config declares.

    Args:
        model_cfg (dict, optional): ``cfg.model``; a test-time-augmentation
            wrapper (``SegTTAModel``) is looked through.

    Returns:
        str | None: ``model.data_preprocessor.aux_modality``, None when the
        model declares none (e.g. an RGB-only model).
    """
    return preprocessor_cfg(model_cfg).get('aux_modality')


def preprocessor_cfg(model_cfg: Optional[dict]) -> dict:
    """``data_preprocessor`` of a model config ({} if none), looking
    through test-time-augmentation wrappers (``SegTTAModel(module=...)``).

    Args:
        model_cfg (dict, optional): ``cfg.model``.

    Returns:
        dict: The preprocessor's config.
    """
    while isinstance(model_cfg, dict):
        preprocessor = model_cfg.get('data_preprocessor')
        if isinstance(preprocessor, dict):
            return preprocessor
        model_cfg = model_cfg.get('module')
    return {}


def registered_class(registry, cfg: dict) -> Optional[type]:
    """The class a config's ``type`` names (None if unknown).

    Args:
        registry (Registry): Where ``type`` is looked up.
        cfg (dict): A config with ``type`` (a name or a class).

    Returns:
        type | None: The class.
    """
    kind = cfg.get('type')
    if isinstance(kind, type):
        return kind
    return registry.get(kind) if isinstance(kind, str) else None


def dataset_aux_modality(dataset_cfg: dict) -> Optional[str]:
    """The modality a dataset config reads: its ``aux_modality``, else its
    class's default (None for a dataset without auxiliary modality).

    Args:
        dataset_cfg (dict): A dataset config.

    Returns:
        str | None: ``'depth'``, ``'hha'``, ``'thermal'`` or None.
    """
    return dataset_cfg.get('aux_modality') or getattr(
        registered_class(DATASETS, dataset_cfg), 'DEFAULT_AUX_MODALITY', None)


def _is_multimodal(dataset_cfg: dict) -> bool:
    """Whether a dataset config builds an RGB-X dataset (which has an
    auxiliary modality)."""
    return hasattr(registered_class(DATASETS, dataset_cfg),
                   'DEFAULT_AUX_MODALITY')


def apply_aux_modality(dataset_cfg: Optional[dict], modality: Optional[str],
                       where: str) -> None:
    """Give a dataset config (and those it wraps) the model's modality.

    Args:
        dataset_cfg (dict, optional): A dataset config, modified in place.
            Non-multimodal datasets are left alone.
        modality (str, optional): The model's modality; None does nothing.
        where (str): Name of the dataset config, for the error message
            (e.g. ``'test_dataloader.dataset'``).

    Raises:
        ValueError: If the dataset config sets another modality.
    """
    if modality is None or not isinstance(dataset_cfg, dict):
        return
    for key in _WRAPPED_KEYS:
        wrapped = dataset_cfg.get(key)
        for index, inner in enumerate(
                wrapped if isinstance(wrapped, (list, tuple)) else [wrapped]):
            suffix = f'[{index}]' if isinstance(wrapped, (list, tuple)) else ''
            apply_aux_modality(inner, modality, f'{where}.{key}{suffix}')
    if not _is_multimodal(dataset_cfg):
        return
    given = dataset_cfg.get('aux_modality')
    if given is not None and given != modality:
        raise ValueError(
            f'{where}.aux_modality={given!r} but the model takes '
            f'{modality!r} (model.data_preprocessor.aux_modality). State the '
            f'modality once, in model.data_preprocessor.aux_modality: the '
            f'datasets of the train, val and test loops follow it.')
    dataset_cfg['aux_modality'] = modality


def stacked_channels(model_cfg: Optional[dict]) -> int:
    """Channels of the stacked images a model config takes.

    Args:
        model_cfg (dict, optional): ``cfg.model``.

    Returns:
        int: 3 + the channels of ``model.data_preprocessor.aux_modality``
        (4 for depth and thermal, 6 for HHA); for a stock
        ``SegDataPreProcessor``, the length of its ``mean``.

    Raises:
        ValueError: If the config tells neither.
    """
    preprocessor = preprocessor_cfg(model_cfg)
    modality = preprocessor.get('aux_modality')
    if modality is not None:
        return RGB_CHANNELS + AUX_MODALITY_CHANNELS[modality]
    if preprocessor.get('mean') is not None and registered_class(
            MODELS, preprocessor) is SegDataPreProcessor:
        return len(preprocessor['mean'])
    raise ValueError(
        'cannot tell the input channels of the model: set '
        'model.data_preprocessor.aux_modality (\'depth\', \'hha\' or '
        '\'thermal\')')
