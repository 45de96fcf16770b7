"""Build a segmentor for inference and run it on RGB + auxiliary inputs."""
import copy
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)

from mmseg.apis import init_model as mmseg_init_model
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample
from mmseg_dplnet.datasets.palettes import voc_colormap
from mmseg_dplnet.models.weights.prompt_only import (
    RECORD_KEY, PromptOnlyCheckpointError, complete_prompt_only,
    frozen_state_keys, is_prompt_only, share_frozen_tensors)
from mmseg_dplnet.utils.channel_split import registered_class
from .inference_inputs import ImageSource
from .inference_pipeline import (build_inference_pipeline, predict_by_size,
                                 resolve_inference_aux_settings,
                                 test_dataset_cfg)

ConfigType = Union[str, Path, Config]
InputPair = Tuple[ImageSource, ImageSource]
#: One input, or a batch of them.
Inputs = Union[ImageSource, Sequence]


def _load_config(config: ConfigType, cfg_options: Optional[dict]) -> Config:
    """A config object the caller's copy is safe from."""
    if isinstance(config, (str, Path)):
        cfg = Config.fromfile(str(config))
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError(f'config must be a file name or a Config, got '
                        f'{type(config).__name__}')
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    return cfg


def drop_pretrained_weights(cfg: Config) -> Dict[str, str]:
    """Make the model buildable without its pretrained-weights files.

    The weights come from the checkpoint at inference; the files that
    ``init_cfg`` (e.g. the frozen encoder's SegFormer checkpoint) or
    ``pretrained`` name need not exist (a prompt-only checkpoint then
    builds its encoder from its file).

    Args:
        cfg (Config): Modified in place.

    Returns:
        dict: Model part (e.g. ``'backbone'``) -> the pretrained file its
        ``init_cfg`` named.
    """
    model = cfg.model
    model['pretrained'] = None
    files = {}
    for name, part in model.items():
        if isinstance(part, dict) and 'init_cfg' in part:
            init_cfg = part['init_cfg']
            if isinstance(init_cfg, dict) and init_cfg.get(
                    'type') == 'Pretrained':
                files[name] = init_cfg.get('checkpoint')
            part['init_cfg'] = None
    return files


def load_model_checkpoint(model: nn.Module,
                          filename: str,
                          pretrained_files: Optional[Dict[str, str]] = None,
                          shared_encoder: bool = False) -> dict:
    """Load a full or prompt-only checkpoint into a model.

    Args:
        model (nn.Module): The model.
        filename (str): The checkpoint (any path mmengine loads).
        pretrained_files (dict, optional): What
            :func:`drop_pretrained_weights` returned: a prompt-only
            checkpoint builds its frozen encoder from the config's file,
            else from the one it recorded.
        shared_encoder (bool): The model's frozen encoder is shared with
            another model: the checkpoint must have been trained on it
            (it is neither rebuilt nor overwritten).

    Returns:
        dict: The loaded checkpoint (completed if it was prompt-only).
    """
    checkpoint = _load_checkpoint(filename, map_location='cpu')
    if is_prompt_only(checkpoint):
        module = checkpoint['meta'][RECORD_KEY]['module']
        complete_prompt_only(model, checkpoint,
                             (pretrained_files or {}).get(module), filename,
                             rebuild=not shared_encoder)
    elif shared_encoder:
        state = model.state_dict()
        saved = checkpoint.get('state_dict', checkpoint)
        if not all(k in saved and torch.equal(saved[k], state[k].cpu())
                   for k in frozen_state_keys(model)):
            raise PromptOnlyCheckpointError(
                f'{filename} was trained on another frozen encoder than '
                'the one loaded: load it on its own')
    return _load_checkpoint_to_model(model, checkpoint)


def dataset_meta_from_config(cfg: Config) -> Dict[str, list]:
    """Classes and palette of the config's test dataset.

    Args:
        cfg (Config): The model's config.

    Returns:
        dict: ``classes`` and ``palette``, from the dataset's ``metainfo``,
        else its class's ``METAINFO``; empty when neither is known.
    """
    dataset_cfg = test_dataset_cfg(cfg)
    meta = dict(dataset_cfg.get('metainfo') or {})
    class_meta = dict(
        getattr(registered_class(DATASETS, dataset_cfg), 'METAINFO', {})
        or {})
    if 'classes' not in meta:
        meta = {**class_meta, **meta}
    classes = meta.get('classes')
    if not classes:
        return {}
    palette = meta.get('palette')
    if palette is None or len(palette) < len(classes):
        palette = voc_colormap(len(classes) + 1)[1:]
    return dict(classes=list(classes), palette=[list(c) for c in palette])


def init_model(config: ConfigType,
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               share_encoder_with: Optional[nn.Module] = None) -> nn.Module:
    """Build a segmentor from a config and load its checkpoint.

    :func:`mmseg.apis.init_model`, plus: the pretrained files named by the
    config (``init_cfg``) are not needed (except by a prompt-only
    checkpoint, for its frozen encoder), the checkpoint may be a runner
    checkpoint, a prompt-only one or a bare ``{'state_dict': ...}``, and
    the class names and palette (``model.dataset_meta``) come from the
    checkpoint's meta, else from the config's test dataset (never guessed
    from the class count).

    Args:
        config (str | Path | Config): Config file or object (not modified).
        checkpoint (str, optional): Checkpoint file. None keeps the random
            initial weights (for tests).
        device (str): Device, e.g. 'cpu' or 'cuda:0'. Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides of config entries.
        share_encoder_with (nn.Module, optional): A loaded model on the
            same frozen encoder: the new model uses its frozen tensors (one
            copy in memory) and ``checkpoint`` must have been trained on
            them.

    Returns:
        nn.Module: The segmentor in eval mode, with ``cfg`` and
        ``dataset_meta`` set.
    """
    cfg = _load_config(config, cfg_options)
    pretrained_files = drop_pretrained_weights(cfg)
    model = mmseg_init_model(cfg, checkpoint=None, device=device)
    if share_encoder_with is not None:
        share_frozen_tensors(share_encoder_with, model)
    dataset_meta = dataset_meta_from_config(cfg)
    if checkpoint is not None:
        loaded = load_model_checkpoint(model, checkpoint, pretrained_files,
                                       share_encoder_with is not None)
        meta = loaded.get('meta', {}) if isinstance(loaded, dict) else {}
        saved = meta.get('dataset_meta') or {}
        if saved.get('classes'):  # as mmseg's inferencer: names and colours
            dataset_meta = dict(
                classes=saved['classes'], palette=saved.get('palette'))
    if not dataset_meta:
        warnings.warn(f'no class names in {checkpoint} nor in the test '
                      f'dataset of {cfg.filename}; visualisation needs '
                      f'model.dataset_meta = dict(classes=..., palette=...)')
    model.dataset_meta = dataset_meta
    return model


def _input_pairs(rgb: Inputs,
                 aux: Optional[Inputs]) -> Tuple[List[InputPair], bool]:
    """The (rgb, aux) pairs of the inputs, and whether they are a batch."""
    if not isinstance(rgb, (list, tuple)):
        if aux is None:
            raise ValueError('inference_multimodal needs the auxiliary input '
                             '(a path or an array) with a single RGB input')
        if isinstance(aux, (list, tuple)):
            raise ValueError('give one aux input per RGB input: rgb is '
                             'single but aux is a list')
        return [(rgb, aux)], False
    if aux is None:
        pairs = list(rgb)
        for index, pair in enumerate(pairs):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(
                    f'batch item {index} is not an (rgb, aux) pair; give '
                    f'inference_multimodal(model, [(rgb, aux), ...]) or '
                    f'inference_multimodal(model, [rgb, ...], [aux, ...])')
        return [tuple(pair) for pair in pairs], True
    if not isinstance(aux, (list, tuple)) or len(aux) != len(rgb):
        count = len(aux) if isinstance(aux, (list, tuple)) else 'a single'
        raise ValueError(f'{len(rgb)} RGB inputs but {count} aux inputs; '
                         f'give one aux input per RGB input')
    return list(zip(rgb, aux)), True


def inference_multimodal(
    model: nn.Module,
    rgb: Inputs,
    aux: Optional[Inputs] = None,
    aux_modality: Optional[str] = None,
    aux_bit_depth: Optional[int] = None,
    aux_value_scale: Optional[float] = None,
    aux_min_value: Optional[float] = None,
    aux_max_value: Optional[float] = None
) -> Union[SegDataSample, List[SegDataSample]]:
    """Segment RGB + auxiliary inputs (files or arrays) with a segmentor.

    :func:`mmseg.apis.inference_model` for RGB-X models. Each input runs
    through the config's test pipeline, with the loading step reading the
    given files or arrays (see :mod:`~mmseg_dplnet.apis.inference_inputs`
    for the array conventions) and no annotation loading. Arrays are encoded
    exactly as files are, with the auxiliary settings of the config's test
    data unless overridden (see :mod:`~mmseg_dplnet.apis.inference_pipeline`).
    Inputs of any size are accepted: the prediction has the input's size.
    :class:`~mmseg_dplnet.apis.MultimodalSegInferencer` does the same and
    also draws and saves the results.

    Args:
        model (nn.Module): A segmentor from :func:`init_model`.
        rgb (str | np.ndarray | list): The RGB file or ``(H, W, 3)`` uint8
            RGB array; or a batch: a list of ``(rgb, aux)`` pairs (``aux``
            left None), or a list of RGB inputs with a list of ``aux``.
        aux (str | np.ndarray | list, optional): The auxiliary file or array
            (``(H, W)`` / ``(H, W, C)``, uint8, uint16 or float).
        aux_modality (str, optional): 'depth', 'hha' or 'thermal'; defaults
            to the model's.
        aux_bit_depth (int, optional): Overrides the config's (8 or 16).
        aux_value_scale (float, optional): Overrides the config's.
        aux_min_value (float, optional): Overrides the config's.
        aux_max_value (float, optional): Overrides the config's.

    Returns:
        SegDataSample | list[SegDataSample]: With ``pred_sem_seg`` and
        ``seg_logits`` at the input's size; a list for a batch.

    Raises:
        ValueError: If an RGB input and its auxiliary input differ in size
            (naming both sizes), or an input or option is invalid.
    """
    if not hasattr(model, 'cfg'):
        raise ValueError('the model has no cfg; build it with '
                         'mmseg_dplnet.apis.init_model')
    pairs, is_batch = _input_pairs(rgb, aux)
    modality, options = resolve_inference_aux_settings(
        model.cfg,
        aux_modality=aux_modality,
        aux_bit_depth=aux_bit_depth,
        aux_value_scale=aux_value_scale,
        aux_min_value=aux_min_value,
        aux_max_value=aux_max_value)
    pipeline = build_inference_pipeline(model.cfg, modality, options)
    packed = [pipeline(dict(rgb=rgb_source, aux=aux_source))
              for rgb_source, aux_source in pairs]
    results = predict_by_size(model, [p['inputs'] for p in packed],
                              [p['data_samples'] for p in packed])
    return results if is_batch else results[0]
