"""Inference on users' own RGB + auxiliary images.

:class:`MultimodalSegInferencer` is mmseg's inferencer for RGB-X inputs
(prediction, drawing, saving); :func:`init_model` and
:func:`inference_multimodal` are the ``mmseg.apis``-style functions, built
from the same pieces.
"""
from .inference import (dataset_meta_from_config, drop_pretrained_weights,
                        inference_multimodal, init_model)
from .inference_inputs import LoadRGBXImageFromInputs
from .inference_pipeline import (build_inference_pipeline, predict_by_size,
                                 resolve_inference_aux_settings)
from .inferencer import MultimodalSegInferencer

__all__ = [
    'MultimodalSegInferencer', 'init_model', 'inference_multimodal',
    'drop_pretrained_weights', 'dataset_meta_from_config',
    'LoadRGBXImageFromInputs', 'build_inference_pipeline', 'predict_by_size',
    'resolve_inference_aux_settings'
]
