"""mmseg's inferencer for RGB + auxiliary inputs."""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import mmengine
import numpy as np
import torch.nn as nn
from mmengine.config import Config

from mmseg.apis import MMSegInferencer
from mmseg.registry import INFERENCERS
from mmseg.structures import SegDataSample
from mmseg_dplnet.utils.cpu_bf16 import amp_autocast
from mmseg_dplnet.utils.saliency import saliency_map
from .inference import init_model
from .inference_inputs import ImageSource, LoadRGBXImageFromInputs, is_path
from .inference_pipeline import (build_inference_pipeline, predict_by_size,
                                 resolve_inference_aux_settings)

#: One input: ``(rgb, aux)`` or ``dict(rgb=..., aux=...)``.
InputPair = Union[Sequence[ImageSource], Dict[str, ImageSource]]


def _is_source(value) -> bool:
    return isinstance(value, (str, np.ndarray))


def _is_pair(value) -> bool:
    if isinstance(value, dict):
        return set(value) == {'rgb', 'aux'}
    return isinstance(value, (list, tuple)) and len(value) == 2 and all(
        _is_source(v) for v in value)


def _as_dict(pair: InputPair) -> Dict[str, ImageSource]:
    return dict(pair) if isinstance(pair, dict) else dict(
        rgb=pair[0], aux=pair[1])


@INFERENCERS.register_module()
class MultimodalSegInferencer(MMSegInferencer):
    """:class:`MMSegInferencer` whose inputs are RGB + auxiliary pairs.

    An input is an ``(rgb, aux)`` pair or ``dict(rgb=..., aux=...)`` of
    file paths or arrays (conventions in
    :mod:`~mmseg_dplnet.apis.inference_inputs`); call it with one input or a
    list of them. Each runs through the config's test pipeline with the
    auxiliary settings of its test data (see
    :mod:`~mmseg_dplnet.apis.inference_pipeline`); the results are mmseg's
    (``predictions``: class-index maps at the input's size, or the
    ``SegDataSample`` with ``return_datasamples=True``). Drawings (``show``,
    ``out_dir`` -> ``out_dir/vis/<rgb name>.png``, ``return_vis``) are the
    panels of the configured visualiser
    (:class:`~mmseg_dplnet.visualization.MultimodalSegLocalVisualizer`):
    RGB | auxiliary | prediction blended with ``opacity``, with a legend of
    the predicted classes (``with_legend``).

    Example:
        >>> inferencer = MultimodalSegInferencer(
        ...     'configs/dplnet/nyuv2_b5.py', 'CHECKPOINT')
        >>> result = inferencer(('rgb.jpg', 'depth.png'), out_dir='out')
        >>> result['predictions']  # (H, W) class indices

    Several models on one frozen encoder (e.g. an RGB-D and an RGB-T model
    trained from the same SegFormer) are held with the encoder once in
    memory: :meth:`add_prompt_set` loads another config and (prompt-only)
    checkpoint onto the loaded encoder, :meth:`use_prompt_set` switches
    between them (the first is ``'default'``).

    Args:
        model (str | Config): The config (file or object).
        weights (str, optional): The checkpoint; None keeps random weights.
        classes, palette, dataset_name: As for :class:`MMSegInferencer`;
            by default the classes come from the checkpoint, else from the
            config's test dataset.
        device (str, optional): Device; None picks CUDA when available.
        scope (str): Registry scope. Defaults to 'mmseg'.
        aux_modality (str, optional): Replaces the model's modality.
        aux_bit_depth, aux_value_scale, aux_min_value, aux_max_value:
            Replace the config's options of the auxiliary files / arrays.
        amp (bool): Predict in mixed precision: AMP (fp16) on CUDA, bf16
            autocast on a CPU that has bf16, fp32 with a log line on
            another CPU (:mod:`mmseg_dplnet.utils.cpu_bf16`). Default:
            False.
    """

    visualize_kwargs: set = MMSegInferencer.visualize_kwargs | {'with_legend'}

    def __init__(self,
                 model: Union[str, Config],
                 weights: Optional[str] = None,
                 classes: Optional[Union[str, List]] = None,
                 palette: Optional[Union[str, List]] = None,
                 dataset_name: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: Optional[str] = 'mmseg',
                 aux_modality: Optional[str] = None,
                 aux_bit_depth: Optional[int] = None,
                 aux_value_scale: Optional[float] = None,
                 aux_min_value: Optional[float] = None,
                 aux_max_value: Optional[float] = None,
                 amp: bool = False) -> None:
        self.amp = amp
        # read by _init_pipeline, which the base class calls
        self._aux_settings = dict(
            aux_modality=aux_modality,
            aux_bit_depth=aux_bit_depth,
            aux_value_scale=aux_value_scale,
            aux_min_value=aux_min_value,
            aux_max_value=aux_max_value)
        super().__init__(model, weights, classes, palette, dataset_name,
                         device, scope)
        # one set of class names for predictions and drawings: the given
        # ones, else the model's (the base class defaults to Cityscapes')
        if classes is not None or palette is not None:
            self.model.dataset_meta = dict(
                classes=self.visualizer.dataset_meta['classes'],
                palette=self.visualizer.dataset_meta['palette'])
        elif self.model.dataset_meta:
            self.visualizer.dataset_meta = dict(self.model.dataset_meta)
        self._prompt_sets: Dict[str, dict] = {}
        self.prompt_set = 'default'
        self._prompt_sets['default'] = self._current_set()

    # ---------------------------------------------------------- prompt sets
    def _current_set(self) -> dict:
        return dict(
            model=self.model,
            cfg=self.cfg,
            pipeline=self.pipeline,
            loader=self._loader,
            dataset_meta=dict(self.visualizer.dataset_meta or {}))

    def add_prompt_set(self, name: str, model: Union[str, Config],
                       weights: str, **aux_settings) -> None:
        """Load another model onto the loaded frozen encoder.

        The new model's frozen tensors are the loaded model's (not read
        again, not copied), so only its learnable part takes memory. Its
        checkpoint (prompt-only, or full) must have been trained on that
        encoder; its config may differ in everything that learns (modality,
        classes, decoder) and in the data pipeline.

        Args:
            name (str): Name of the set, for :meth:`use_prompt_set`.
            model (str | Config): Its config.
            weights (str): Its checkpoint.
            **aux_settings: ``aux_modality``, ``aux_bit_depth``, ... as for
                the constructor.

        Raises:
            ValueError: If ``name`` is taken.
            PromptOnlyCheckpointError: If the encoders differ.
        """
        if name in self._prompt_sets:
            raise ValueError(f'a prompt set named {name!r} is loaded '
                             'already')
        cfg = Config.fromfile(model) if isinstance(model, str) else \
            copy.deepcopy(model)
        device = next(self.model.parameters()).device
        loaded = init_model(cfg, weights, str(device),
                            share_encoder_with=self.model)
        current, settings = self.prompt_set, self._aux_settings
        self._aux_settings = {**dict.fromkeys(settings), **aux_settings}
        try:
            self.model, self.cfg = loaded, cfg
            self.pipeline = self._init_pipeline(cfg)
            self.visualizer.dataset_meta = dict(loaded.dataset_meta)
            self._prompt_sets[name] = self._current_set()
        finally:
            self._aux_settings = settings
            self.use_prompt_set(current)

    def use_prompt_set(self, name: str) -> None:
        """Predict and draw with the prompt set ``name`` from now on."""
        if name not in self._prompt_sets:
            raise KeyError(f'no prompt set named {name!r}; loaded: '
                           f'{sorted(self._prompt_sets)}')
        entry = self._prompt_sets[name]
        self.model, self.cfg = entry['model'], entry['cfg']
        self.pipeline, self._loader = entry['pipeline'], entry['loader']
        self.visualizer.dataset_meta = dict(entry['dataset_meta'])
        self.prompt_set = name

    def _init_model(self, cfg: Config, weights: Optional[str],
                    device: str = 'cpu') -> nn.Module:
        """The model as :func:`~mmseg_dplnet.apis.init_model` builds it
        (class names from the checkpoint, else the config's test data)."""
        return init_model(cfg, weights, device)

    def _init_pipeline(self, cfg: Config):
        """The config's test pipeline for ``dict(rgb=..., aux=...)``."""
        modality, options = resolve_inference_aux_settings(
            cfg, **self._aux_settings)
        pipeline = build_inference_pipeline(cfg, modality, options)
        # its loading step alone gives visualize() the full-size image
        self._loader = next(step for step in pipeline.transforms
                            if isinstance(step, LoadRGBXImageFromInputs))
        return lambda pair: pipeline(_as_dict(pair))

    def _inputs_to_list(self, inputs) -> list:
        """One pair, or a list of pairs, as a list of pairs."""
        if _is_pair(inputs):
            return [inputs]
        if isinstance(inputs, (list, tuple)) and inputs and all(
                _is_pair(x) for x in inputs):
            return list(inputs)
        raise ValueError(
            'inputs must be an (rgb, aux) pair, dict(rgb=..., aux=...) or a '
            'list of them; rgb and aux are file paths or numpy arrays')

    def forward(self, inputs: dict, **kwargs) -> List[SegDataSample]:
        """Predict a batch (in mixed precision with ``amp``); inputs of
        different sizes run separately (the data preprocessor stacks a test
        batch)."""
        device = str(next(self.model.parameters()).device)
        with amp_autocast(device, self.amp):
            return predict_by_size(self.model, inputs['inputs'],
                                   inputs['data_samples'])

    def postprocess(self,
                    preds: List[SegDataSample],
                    visualization: Optional[List[np.ndarray]],
                    return_datasample: bool = False,
                    pred_out_dir: str = '') -> Union[dict, SegDataSample,
                                                     List[SegDataSample]]:
        """mmseg's results, plus ``saliency`` for a binary model.

        Args:
            preds (list[SegDataSample]): The predictions.
            visualization (list[np.ndarray], optional): The drawings.
            return_datasample (bool): Return the data samples themselves.
            pred_out_dir (str): Where mmseg saves the predicted maps.

        Returns:
            dict | SegDataSample | list: As :class:`MMSegInferencer`'s; for
            a model with one sigmoid output channel (e.g. saliency) the dict
            also has ``saliency``: the ``(H, W)`` float32 probability map
            (a list of them for several inputs), at the input's size.
        """
        results = super().postprocess(preds, visualization,
                                      return_datasample, pred_out_dir)
        maps = [] if return_datasample else [
            saliency_map(pred) for pred in preds
        ]
        if not maps or any(prob is None for prob in maps):
            return results
        results['saliency'] = maps[0] if len(maps) == 1 else maps
        return results

    def visualize(self,
                  inputs: list,
                  preds: List[SegDataSample],
                  return_vis: bool = False,
                  show: bool = False,
                  wait_time: int = 0,
                  img_out_dir: str = '',
                  opacity: float = 0.8,
                  with_labels: Optional[bool] = True,
                  with_legend: bool = True) -> Optional[List[np.ndarray]]:
        """Draw RGB | auxiliary | prediction for each input.

        Args:
            inputs (list): The input pairs.
            preds (list[SegDataSample]): Their predictions.
            return_vis (bool): Return the drawings.
            show (bool): Display each drawing.
            wait_time (float): Display time in seconds.
            img_out_dir (str): Save the drawings there, as ``<name of the RGB
                file>.png`` (``<index>_vis.png`` for arrays).
            opacity (float): Opacity of the prediction colours.
            with_labels (bool): Write class names on the prediction.
            with_legend (bool): Add a legend of the predicted classes.

        Returns:
            list[np.ndarray] | None: The RGB drawings with ``return_vis``.
        """
        if not show and img_out_dir == '' and not return_vis:
            return None
        if self.visualizer is None:
            raise ValueError('drawing needs a visualizer in the config')
        if not 0 <= opacity <= 1:
            raise ValueError(f'opacity must be in [0, 1], got {opacity}')
        self.visualizer.alpha = opacity
        results = []
        for pair, pred in zip(inputs, preds):
            pair = _as_dict(pair)
            stacked = self._loader(dict(pair))['img']
            if is_path(pair['rgb']):
                name = osp.splitext(osp.basename(pair['rgb']))[0] + '.png'
            else:
                name = f'{self.num_visualized_imgs:08d}_vis.png'
            out_file = osp.join(img_out_dir, name) if img_out_dir else None
            if out_file is not None:
                mmengine.mkdir_or_exist(img_out_dir)
            self.visualizer.add_datasample(
                name,
                stacked,
                pred,
                draw_gt=False,
                draw_pred=True,
                show=show,
                wait_time=wait_time,
                out_file=out_file,
                with_labels=with_labels,
                with_legend=with_legend)
            if return_vis:
                results.append(self.visualizer.get_image())
            self.num_visualized_imgs += 1
        return results if return_vis else None
