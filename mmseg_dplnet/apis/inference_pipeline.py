"""The test pipeline of a config, adapted to user-given inputs.

The inputs are read as the config's test data would be, so that an array or
a file of the user is encoded exactly as the test set was:

- the modality is the model's (``model.data_preprocessor.aux_modality``),
  else the test dataset's (its ``aux_modality`` or its class's default); an
  explicit ``aux_modality`` replaces it (the model still refuses a modality
  other than the one it declares);
- the options of :data:`AUX_OPTION_NAMES` are the test dataset's combined
  with those of the pipeline's ``LoadRGBXImageFromFile`` (contradicting
  values are an error, as in testing), then overridden by the caller's (an
  option given there is not read from the config at all; a bit depth other
  than the config's also drops the config's value range, ``aux_value_scale``
  / ``aux_min_value`` / ``aux_max_value``, which belongs to its bit depth).
  Unset options take the defaults of :func:`resolve_aux_encoding`.
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.dataset import Compose

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS
from mmseg.structures import SegDataSample
from mmseg_dplnet.datasets.transforms.aux_encoding import (
    AUX_OPTION_NAMES, check_aux_options, merge_aux_options,
    resolve_aux_encoding)
from mmseg_dplnet.datasets.transforms.loading import LoadRGBXImageFromFile
from mmseg_dplnet.utils.channel_split import (dataset_aux_modality,
                                              model_aux_modality,
                                              registered_class)
from .inference_inputs import LoadRGBXImageFromInputs

_LOADER = LoadRGBXImageFromFile.__name__
#: Resolved auxiliary options, by name (see :data:`AUX_OPTION_NAMES`).
AuxOptions = Dict[str, float]
#: Options that describe the value range of the config's bit depth.
_VALUE_RANGE_NAMES = ('aux_value_scale', 'aux_min_value', 'aux_max_value')


def _is_subclass(cls: Optional[type], parent: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, parent)


def test_dataset_cfg(cfg: Config) -> dict:
    """The config's test dataset (the first of a multi-set test).

    Args:
        cfg (Config): The model's config.

    Returns:
        dict: ``test_dataloader.dataset``, or its first ``datasets`` entry
        when it concatenates several test sets (e.g. the SOD configs'
        ``ConcatDataset``: the sets share pipeline, modality and classes);
        {} when there is none.
    """
    dataset = dict(cfg.get('test_dataloader', {}).get('dataset', {}) or {})
    while dataset.get('datasets') and 'pipeline' not in dataset:
        dataset = dict(dataset['datasets'][0])
    return dataset


def config_test_pipeline(cfg: Config) -> List[dict]:
    """A copy of the config's test pipeline.

    The pipeline of ``test_dataloader.dataset`` comes first, as in mmseg's
    ``MMSegInferencer``: it is what ``tools/test.py`` runs, whereas a
    top-level ``test_pipeline`` may be a stale leftover of a ``_base_``
    (e.g. an RGB-only config on an RGB-D dataset base).

    Args:
        cfg (Config): The model's config.

    Returns:
        list[dict]: ``cfg.test_dataloader.dataset.pipeline``, else
        ``cfg.test_pipeline``.
    """
    pipeline = test_dataset_cfg(cfg).get('pipeline') or cfg.get(
        'test_pipeline')
    if not pipeline:
        raise ValueError(
            f'config {cfg.filename} has no test pipeline '
            f'(test_dataloader.dataset.pipeline or test_pipeline); inference '
            f'runs it on the inputs')
    return copy.deepcopy(list(pipeline))


def _loading_step(pipeline: List[dict], cfg: Config) -> dict:
    """The ``LoadRGBXImageFromFile`` step of a test pipeline."""
    for step in pipeline:
        if _is_subclass(
                registered_class(TRANSFORMS, step), LoadRGBXImageFromFile):
            return step
    kinds = [str(step.get('type')) for step in pipeline]
    raise ValueError(
        f'the test pipeline of {cfg.filename} ({kinds}) has no {_LOADER}: '
        f'the model takes no auxiliary modality (an RGB-only model?). Use '
        f'mmseg.apis.inference_model(model, rgb) or MMSegInferencer for '
        f'RGB-only models.')


def _default_modality(cfg: Config) -> Optional[str]:
    """The model's modality, else the test dataset's or its class's."""
    return model_aux_modality(cfg.get('model')) or dataset_aux_modality(
        test_dataset_cfg(cfg))


def _config_bit_depth(step: dict, dataset_cfg: dict) -> int:
    """The bit depth the config reads auxiliary files with."""
    for source in (dataset_cfg, step):
        if source.get('aux_bit_depth') is not None:
            return source['aux_bit_depth']
    return resolve_aux_encoding('depth').bit_depth


def _config_aux_options(cfg: Config, step: dict,
                        names: List[str]) -> AuxOptions:
    """The config's settings of ``names``: its test dataset's, combined
    with its loading ``step``'s (contradicting values are an error)."""
    dataset_cfg = test_dataset_cfg(cfg)
    step_options = {name: step.get(name) for name in names}
    # merge_aux_options reads the options a dataset recorded in a sample
    as_sample = {
        name: dataset_cfg[name]
        for name in names if dataset_cfg.get(name) is not None
    }
    as_sample['img_path'] = f'the test data of {cfg.filename}'
    return merge_aux_options(step_options, as_sample, _LOADER)


def resolve_inference_aux_settings(cfg: Config,
                                   aux_modality: Optional[str] = None,
                                   **overrides) -> Tuple[str, AuxOptions]:
    """The auxiliary modality and options of inputs of a config's model.

    See the module docstring for the order of precedence.

    Args:
        cfg (Config): The model's config.
        aux_modality (str, optional): Replaces the config's modality.
        **overrides: Any of :data:`AUX_OPTION_NAMES`; None = not given.

    Returns:
        tuple[str, dict]: The modality and the options that are set (the
        others take :func:`resolve_aux_encoding`'s defaults).

    Raises:
        ValueError: If options contradict each other or are invalid.
    """
    check_aux_options('inference', **overrides)
    modality = aux_modality or _default_modality(cfg)
    if modality is None:
        raise ValueError(
            f'cannot tell the auxiliary modality of {cfg.filename}: its model '
            f'and its test dataset set no aux_modality; pass '
            f'aux_modality=\'depth\', \'hha\' or \'thermal\'')
    given = {
        name: value
        for name, value in overrides.items() if value is not None
    }
    step = _loading_step(config_test_pipeline(cfg), cfg)
    options = _config_aux_options(
        cfg, step, [name for name in AUX_OPTION_NAMES if name not in given])
    bit_depth = given.get('aux_bit_depth')
    if bit_depth is not None and bit_depth != _config_bit_depth(
            step, test_dataset_cfg(cfg)):
        for name in _VALUE_RANGE_NAMES:
            options.pop(name, None)
    options.update(given)
    resolve_aux_encoding(modality, **options)  # refuse invalid combinations
    return modality, options


def build_inference_pipeline(cfg: Config, modality: str,
                             aux_options: AuxOptions) -> Compose:
    """The config's test pipeline with loading steps for user inputs.

    ``LoadRGBXImageFromFile`` becomes :class:`LoadRGBXImageFromInputs` with
    the modality and ``aux_options``; annotation loading steps are dropped;
    every other step (``Resize``, ``PackSegInputs``, ...) is kept as
    configured.

    Args:
        cfg (Config): The model's config.
        modality (str): The inputs' modality.
        aux_options (dict): The resolved options.

    Returns:
        Compose: The pipeline; it takes ``dict(rgb=..., aux=...)``.
    """
    steps = []
    for step in config_test_pipeline(cfg):
        cls = registered_class(TRANSFORMS, step)
        if _is_subclass(cls, LoadAnnotations):
            continue
        if _is_subclass(cls, LoadRGBXImageFromFile):
            step = dict(
                type=LoadRGBXImageFromInputs.__name__,
                aux_modality=modality,
                backend_args=step.get('backend_args'),
                **aux_options)
        steps.append(step)
    return Compose(steps)


def predict_by_size(model: nn.Module, inputs: Sequence[torch.Tensor],
                    data_samples: Sequence[SegDataSample]
                    ) -> List[SegDataSample]:
    """``model.test_step`` on batches of equally sized inputs.

    mmseg's data preprocessor stacks a test batch, so inputs of different
    sizes (after the test pipeline) run in separate batches.

    Args:
        model (nn.Module): The segmentor.
        inputs (Sequence[Tensor]): ``(C, H, W)`` images from the pipeline.
        data_samples (Sequence[SegDataSample]): Their samples.

    Returns:
        list[SegDataSample]: The predictions, in input order.
    """
    groups: Dict[tuple, List[int]] = {}
    for index, tensor in enumerate(inputs):
        groups.setdefault(tuple(tensor.shape), []).append(index)
    outputs: List[Optional[SegDataSample]] = [None] * len(inputs)
    with torch.no_grad():
        for indices in groups.values():
            batch = dict(
                inputs=[inputs[i] for i in indices],
                data_samples=[data_samples[i] for i in indices])
            for index, result in zip(indices, model.test_step(batch)):
                outputs[index] = result
    return outputs
