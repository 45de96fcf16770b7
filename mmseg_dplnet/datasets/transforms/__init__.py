"""Pipeline transforms of RGB-X samples (registered in mmseg's TRANSFORMS)."""
from .aux_encoding import (AUX_MODALITIES, AUX_OPTION_NAMES, AuxEncoding,
                           resolve_aux_encoding)
from .loading import LoadCheckedAnnotations, LoadRGBXImageFromFile
from .photometric import RGBColorJitter

__all__ = [
    'AUX_MODALITIES', 'AUX_OPTION_NAMES', 'AuxEncoding',
    'resolve_aux_encoding', 'LoadRGBXImageFromFile', 'LoadCheckedAnnotations',
    'RGBColorJitter'
]
