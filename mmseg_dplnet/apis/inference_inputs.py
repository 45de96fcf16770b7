"""Loading of user-given RGB + auxiliary inputs, as files or arrays.

:class:`LoadRGBXImageFromInputs` is the inference counterpart of
:class:`~mmseg_dplnet.datasets.transforms.LoadRGBXImageFromFile`: it is that
loader with only the *reading* replaced, so arrays and files go through the
very same auxiliary encoding (bit-depth check, value scale, clip, mapping to
``[0, 1]``) and stacking.

An array input is "what the file holds":

- RGB: ``(H, W, 3)`` uint8 in R, G, B order.
- auxiliary: ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` (HHA in its H, H, A
  order; a 3-channel depth / thermal map must have equal channels); uint8 or
  uint16 of the configured ``aux_bit_depth``, or float holding the raw values
  a file of that bit depth would hold (e.g. millimetres for 16-bit depth),
  fractions allowed. Float values are clipped to the bit depth's range and
  non-finite ones (NaN, inf) read as 0, the "no reading" value of the files.
"""
from typing import Tuple, Union

import numpy as np

from mmseg.registry import TRANSFORMS
from mmseg_dplnet.datasets.transforms.aux_encoding import AuxEncoding
from mmseg_dplnet.datasets.transforms.image_files import (
    aux_modality_channels, read_aux_file, read_rgb_file)
from mmseg_dplnet.datasets.transforms.loading import LoadRGBXImageFromFile

#: A path or a decoded image.
ImageSource = Union[str, np.ndarray]

_RGB_ARRAY = 'the RGB array'


def is_path(source: ImageSource) -> bool:
    """Whether ``source`` names a file (rather than holding pixels)."""
    return isinstance(source, str)


def describe_source(source: ImageSource, role: str) -> str:
    """``'<role> file PATH'`` or ``'the <role> array'``, for messages."""
    return f'{role} file {source}' if is_path(source) else f'the {role} array'


def _size(array: np.ndarray) -> str:
    return f'{array.shape[0]}x{array.shape[1]}'


def rgb_array_to_bgr(rgb: np.ndarray) -> np.ndarray:
    """Check an RGB array and give it the layout of a decoded file (BGR).

    Args:
        rgb (np.ndarray): ``(H, W, 3)`` uint8, R, G, B order.

    Returns:
        np.ndarray: A ``(H, W, 3)`` uint8 view in B, G, R order.

    Raises:
        ValueError: If the shape or dtype is not that of an 8-bit RGB image.
    """
    if not isinstance(rgb, np.ndarray):
        raise TypeError(f'the RGB input must be a file path (str) or a numpy '
                        f'array, got {type(rgb).__name__}')
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f'{_RGB_ARRAY} has shape {rgb.shape}; expected '
                         f'(H, W, 3) in R, G, B order')
    if rgb.dtype != np.uint8:
        raise ValueError(f'{_RGB_ARRAY} is {rgb.dtype}; expected uint8 '
                         f'(0..255). Convert it, e.g. with '
                         f'np.clip(rgb, 0, 255).astype(np.uint8)')
    return rgb[..., ::-1]


def aux_array_to_raw(aux: np.ndarray, encoding: AuxEncoding) -> np.ndarray:
    """Check an auxiliary array and give it the layout of a decoded file.

    Integer arrays must be of the configured bit depth (as files must);
    float arrays are taken as raw values of that bit depth (see the module
    docstring). The result has the channel layout in which OpenCV decodes a
    file (BGR for 3 channels), ready for :func:`aux_modality_channels`.

    Args:
        aux (np.ndarray): ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``.
        encoding (AuxEncoding): The resolved encoding.

    Returns:
        np.ndarray: The raw array (uint8 / uint16, or float32 for floats).

    Raises:
        ValueError: If the dtype or the bit depth is not supported.
    """
    name = f'the {encoding.modality} array'
    if not isinstance(aux, np.ndarray):
        raise TypeError(f'the {encoding.modality} input must be a file path '
                        f'(str) or a numpy array, got {type(aux).__name__}')
    if aux.ndim not in (2, 3):
        raise ValueError(f'{name} has shape {aux.shape}; expected (H, W) or '
                         f'(H, W, C)')
    if np.issubdtype(aux.dtype, np.floating):
        raw = np.nan_to_num(
            aux.astype(np.float32), nan=0., posinf=0., neginf=0.)
        np.clip(raw, 0, 2**encoding.bit_depth - 1, out=raw)
    elif aux.dtype in (np.uint8, np.uint16):
        if aux.dtype != encoding.dtype:
            found = 8 * aux.dtype.itemsize
            raise ValueError(
                f'{name} is {found}-bit ({aux.dtype}) but aux_bit_depth='
                f'{encoding.bit_depth} is configured (by the config\'s test '
                f'data or the arguments); arrays are not rescaled silently: '
                f'pass aux_bit_depth={found} to inference_multimodal (with '
                f'aux_value_scale / aux_max_value for the value range), or '
                f'give a {encoding.dtype} array')
        raw = aux
    else:
        raise ValueError(f'{name} is {aux.dtype}; expected uint8 or uint16 '
                         f'(the bit depth of the files) or float (raw '
                         f'values)')
    if raw.ndim == 3 and raw.shape[2] == 3:
        raw = raw[..., ::-1]  # the BGR order of a decoded file
    return raw


@TRANSFORMS.register_module()
class LoadRGBXImageFromInputs(LoadRGBXImageFromFile):
    """Load the stacked RGB-X image of an inference input: files or arrays.

    Only the reading differs from :class:`LoadRGBXImageFromFile`; encoding
    and stacking are the loader's own.

    Required Keys:

    - rgb: the RGB file path, or an ``(H, W, 3)`` uint8 RGB array.
    - aux: the auxiliary file path, or an array (see the module docstring).
      A 4-channel RGB-X file (MFNet's RGBT PNG) may be given as both
      ``rgb`` and ``aux``.

    Added Keys:

    - img_path, aux_path: the paths, None for arrays.
    - aux_modality: the inputs' modality.
    - img, img_shape, ori_shape: as :class:`LoadRGBXImageFromFile` sets
      them.

    Args:
        aux_modality (str): ``'depth'``, ``'hha'`` or ``'thermal'``: the
            modality of the inputs.
        **kwargs: The options of :class:`LoadRGBXImageFromFile`.
    """

    def __init__(self, aux_modality: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.aux_modality = aux_modality

    def transform(self, results: dict) -> dict:
        """Load the stacked image of one input.

        Args:
            results (dict): With the required keys.

        Returns:
            dict: ``results`` with the added keys.
        """
        for key in ('rgb', 'aux'):
            if key not in results:
                raise KeyError(f'{type(self).__name__} needs results[{key!r}]'
                               f' (a path or a numpy array)')
        results['img_path'] = results['rgb'] if is_path(
            results['rgb']) else None
        results['aux_path'] = results['aux'] if is_path(
            results['aux']) else None
        results['aux_modality'] = self.aux_modality
        return super().transform(results)

    def _read_rgb(self, source: ImageSource, rgbx_file: bool) -> np.ndarray:
        """The BGR uint8 image of an RGB path or array (the colour channels
        of an RGB-X file given as both inputs)."""
        if is_path(source):
            return read_rgb_file(source, self.backend_args,
                                 self.drop_rgb_alpha or rgbx_file)
        return rgb_array_to_bgr(source)

    def _read_aux(self, source: ImageSource,
                  encoding: AuxEncoding) -> np.ndarray:
        """The raw auxiliary map of a path or array, in its modality's
        channel layout."""
        if is_path(source):  # an RGB-X file gives its 4th channel
            return read_aux_file(source, encoding.modality, encoding,
                                 self.backend_args, rgbx_file_ok=True)
        return aux_modality_channels(
            aux_array_to_raw(source, encoding), encoding.modality,
            f'<{encoding.modality} array>')

    def _read_rgb_and_aux(
            self, results: dict,
            encoding: AuxEncoding) -> Tuple[np.ndarray, np.ndarray]:
        """Read the BGR image and the raw auxiliary map of one input."""
        rgbx_file = is_path(
            results['rgb']) and results['rgb'] == results['aux']
        bgr = self._read_rgb(results['rgb'], rgbx_file)
        aux = self._read_aux(results['aux'], encoding)
        if aux.shape[:2] != bgr.shape[:2]:
            rgb_name = describe_source(results['rgb'], 'RGB')
            aux_name = describe_source(results['aux'], encoding.modality)
            raise ValueError(
                f'size mismatch: {rgb_name} is {_size(bgr)} (HxW) but '
                f'{aux_name} is {_size(aux)}; the RGB image and its '
                f'{encoding.modality} map must be registered to the same '
                f'size (resize or crop one of them first).')
        return bgr, aux
