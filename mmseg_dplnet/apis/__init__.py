"""Inference on users' own RGB + auxiliary images."""
from .inference import (dataset_meta_from_config, drop_pretrained_weights,
                        inference_multimodal, init_model)
from .inference_inputs import LoadRGBXImageFromInputs
from .inference_pipeline import (build_inference_pipeline,
                                 resolve_inference_aux_settings)

__all__ = [
    'init_model', 'inference_multimodal', 'drop_pretrained_weights',
    'dataset_meta_from_config', 'LoadRGBXImageFromInputs',
    'build_inference_pipeline', 'resolve_inference_aux_settings'
]
