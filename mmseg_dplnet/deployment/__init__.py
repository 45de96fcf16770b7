"""Deployment: a segmentor's inference as one exportable tensor function
(see ``tools/deployment/pytorch2onnx.py``)."""
from .onnx_wrapper import WholeInferenceWrapper

__all__ = ['WholeInferenceWrapper']
