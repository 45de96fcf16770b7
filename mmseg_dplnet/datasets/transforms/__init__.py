"""Pipeline transforms of RGB-X samples (registered in mmseg's TRANSFORMS)."""
from .aux_encoding import (AUX_MODALITIES, AUX_OPTION_NAMES, AuxEncoding,
                           resolve_aux_encoding)
from .image_files import (ImageFileError, read_aux_file, read_image,
                          read_rgb_file)
from .loading import LoadCheckedAnnotations, LoadRGBXImageFromFile
from .photometric import RGBColorJitter
from .saliency_loading import LoadSaliencyMask

__all__ = [
    'AUX_MODALITIES', 'AUX_OPTION_NAMES', 'AuxEncoding',
    'resolve_aux_encoding', 'ImageFileError', 'read_image', 'read_rgb_file',
    'read_aux_file', 'LoadRGBXImageFromFile', 'LoadCheckedAnnotations',
    'RGBColorJitter', 'LoadSaliencyMask'
]
