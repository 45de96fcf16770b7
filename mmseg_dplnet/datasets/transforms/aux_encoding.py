"""How an auxiliary modality is stored on disk and mapped to ``[0, 1]``.

The auxiliary modality (depth, HHA or thermal) of an RGB-X sample reaches the
model as the last ``C`` channels of one stacked float image, in the
modality's natural channels (``C = 1`` for depth and thermal, 3 for HHA;
whether the model replicates a single channel is the model's setting,
``model.backbone.aux_channels``). This module decides the ``C`` auxiliary
values of a pixel from the raw file values:

``unit = (clip(raw * value_scale, min_value, max_value) - min_value)
/ (max_value - min_value)``

+---------------------------------+-------------+-----------+-----------+
| file                            | value_scale | min_value | max_value |
+=================================+=============+===========+===========+
| 8-bit (any modality)            | 1           | 0         | 255       |
+---------------------------------+-------------+-----------+-----------+
| 16-bit depth (millimetres)      | 0.001       | 0         | 10 (m)    |
+---------------------------------+-------------+-----------+-----------+
| 16-bit thermal / HHA            | 1           | 0         | 65535     |
+---------------------------------+-------------+-----------+-----------+

These are the defaults of :func:`resolve_aux_encoding`; each can be set.

The same four options (:data:`AUX_OPTION_NAMES`) may be given to a dataset
(recommended: one place per dataloader, also used by TTA) or to the loading
transform; :func:`merge_aux_options` combines the two and refuses
contradicting values.
"""
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from mmseg_dplnet.utils.channel_split import AUX_MODALITY_CHANNELS

#: Modalities understood by the loader.
AUX_MODALITIES = tuple(AUX_MODALITY_CHANNELS)
#: Options shared by the multimodal datasets and ``LoadRGBXImageFromFile``.
AUX_OPTION_NAMES = ('aux_bit_depth', 'aux_value_scale', 'aux_min_value',
                    'aux_max_value')
#: Why ``aux_channels`` is refused on the data side.
AUX_CHANNELS_MOVED = (
    'aux_channels is a setting of the model, not of the data: the loader '
    'stacks the modality in its own channels (1 for depth and thermal, 3 for '
    'HHA) and model.backbone.aux_channels says whether a single channel is '
    'replicated (3, the paper\'s choice) or kept (1)')

_DTYPE_OF_BIT_DEPTH = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16)}
# 16-bit depth is stored in millimetres by the Kinect-era datasets
_DEPTH16_SCALE = 0.001
_DEPTH16_MAX_METRES = 10.0


@dataclass(frozen=True)
class AuxEncoding:
    """Fully resolved decoding options of one auxiliary modality.

    Args:
        modality (str): One of :data:`AUX_MODALITIES`.
        bit_depth (int): Expected bit depth of the file (8 or 16).
        value_scale (float): Factor applied to the raw values first.
        min_value (float): Scaled value mapped to 0 (smaller ones clipped).
        max_value (float): Scaled value mapped to 1 (larger ones clipped).
    """
    modality: str
    bit_depth: int
    value_scale: float
    min_value: float
    max_value: float

    @property
    def channels(self) -> int:
        """Channels of the modality in the stacked image (1 or 3)."""
        return AUX_MODALITY_CHANNELS[self.modality]

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype a file of :attr:`bit_depth` decodes to."""
        return _DTYPE_OF_BIT_DEPTH[self.bit_depth]

    @property
    def is_identity_8bit(self) -> bool:
        """Whether decoding is a plain division by 255."""
        return (self.bit_depth == 8 and self.value_scale == 1
                and self.min_value == 0 and self.max_value == 255)


def check_aux_options(owner: str, **options) -> None:
    """Validate auxiliary options given by a user (``None`` = not given).

    Args:
        owner (str): Who received the options, used in the error message.
        **options: Any of :data:`AUX_OPTION_NAMES`.

    Raises:
        ValueError: If a name is unknown or a value is out of its domain.
    """
    if options.get('aux_channels') is not None:
        raise ValueError(f'{owner}: {AUX_CHANNELS_MOVED}')
    unknown = set(options) - set(AUX_OPTION_NAMES) - {'aux_channels'}
    if unknown:
        raise ValueError(f'{owner}: unknown auxiliary options '
                         f'{sorted(unknown)}; expected {AUX_OPTION_NAMES}')
    bit_depth = options.get('aux_bit_depth')
    if bit_depth is not None and bit_depth not in _DTYPE_OF_BIT_DEPTH:
        raise ValueError(f'{owner}: aux_bit_depth must be 8 or 16 (the bit '
                         f'depth of the auxiliary PNG files), got '
                         f'{bit_depth!r}')
    scale = options.get('aux_value_scale')
    if scale is not None and not scale > 0:
        raise ValueError(f'{owner}: aux_value_scale must be > 0, got '
                         f'{scale!r}')
    low, high = options.get('aux_min_value'), options.get('aux_max_value')
    if low is not None and high is not None and not high > low:
        raise ValueError(f'{owner}: aux_max_value ({high}) must be greater '
                         f'than aux_min_value ({low})')


def merge_aux_options(transform_options: Dict[str, Optional[float]],
                      sample: dict, owner: str) -> Dict[str, float]:
    """Combine options given to a transform with those a dataset recorded.

    Args:
        transform_options (dict): The transform's options, ``None`` for those
            not given.
        sample (dict): The ``results`` of a sample; a dataset records the
            options it was given under the same names.
        owner (str): Name of the transform, used in the error message.

    Returns:
        dict: The options given in either place (``None`` ones dropped).

    Raises:
        ValueError: If both places set an option to different values.
    """
    merged = {}
    for name in AUX_OPTION_NAMES:
        mine, theirs = transform_options.get(name), sample.get(name)
        if mine is not None and theirs is not None and mine != theirs:
            raise ValueError(
                f'{owner}({name}={mine!r}) contradicts the dataset\'s '
                f'{name}={theirs!r} for {sample.get("img_path")}. Set '
                f'{name} in one place: on the dataset (recommended, it also '
                f'covers the TTA pipeline) or on the loading transform.')
        value = mine if mine is not None else theirs
        if value is not None:
            merged[name] = value
    return merged


def resolve_aux_encoding(modality: str,
                         aux_bit_depth: Optional[int] = None,
                         aux_value_scale: Optional[float] = None,
                         aux_min_value: Optional[float] = None,
                         aux_max_value: Optional[float] = None) -> AuxEncoding:
    """Fill in the defaults of the options that were not given.

    Args:
        modality (str): One of :data:`AUX_MODALITIES`.
        aux_bit_depth (int, optional): 8 or 16. Defaults to 8.
        aux_value_scale (float, optional): Defaults to 0.001 for 16-bit depth
            (millimetres to metres), else 1.
        aux_min_value (float, optional): Defaults to 0.
        aux_max_value (float, optional): Defaults to 10 for 16-bit depth (10
            metres), else the largest raw value times ``aux_value_scale``.

    Returns:
        AuxEncoding: The resolved encoding.
    """
    if modality not in AUX_MODALITIES:
        raise ValueError(f'aux_modality must be one of {AUX_MODALITIES}, got '
                         f'{modality!r}')
    check_aux_options(
        'resolve_aux_encoding',
        aux_bit_depth=aux_bit_depth,
        aux_value_scale=aux_value_scale,
        aux_min_value=aux_min_value,
        aux_max_value=aux_max_value)
    bit_depth = 8 if aux_bit_depth is None else aux_bit_depth
    depth16 = modality == 'depth' and bit_depth == 16
    if aux_value_scale is None:
        aux_value_scale = _DEPTH16_SCALE if depth16 else 1.0
    if aux_min_value is None:
        aux_min_value = 0.0
    if aux_max_value is None:
        aux_max_value = (
            _DEPTH16_MAX_METRES if depth16 else
            (2**bit_depth - 1) * aux_value_scale)
    if not aux_max_value > aux_min_value:
        raise ValueError(f'aux_max_value ({aux_max_value}) must be greater '
                         f'than aux_min_value ({aux_min_value})')
    return AuxEncoding(modality, bit_depth, float(aux_value_scale),
                       float(aux_min_value), float(aux_max_value))


def check_bit_depth(raw: np.ndarray, encoding: AuxEncoding, path: str) -> None:
    """Refuse a file whose bit depth is not the configured one.

    Args:
        raw (np.ndarray): The file as decoded with ``IMREAD_UNCHANGED``.
        encoding (AuxEncoding): The configured encoding.
        path (str): The file, for the error message.

    Raises:
        ValueError: If ``raw`` is not of the dtype of ``encoding.bit_depth``.
    """
    if raw.dtype == encoding.dtype:
        return
    found = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}.get(raw.dtype)
    if found is None:
        raise ValueError(
            f'{encoding.modality} file {path} decodes to {raw.dtype}; only '
            f'8-bit and 16-bit integer images are supported')
    if found == 8:
        fix = ('set aux_bit_depth=8 on the dataset (the community NYUv2, '
               'SUN RGB-D, MFNet and PST900 files are 8-bit)')
    elif encoding.modality == 'depth':
        fix = ('set aux_bit_depth=16 on the dataset; 16-bit depth is read as '
               'millimetres clipped at 10 m unless aux_value_scale / '
               'aux_max_value say otherwise')
    else:
        fix = ('set aux_bit_depth=16 on the dataset, with aux_min_value / '
               'aux_max_value the range of the sensor values (default: the '
               'full 0..65535)')
    raise ValueError(
        f'{encoding.modality} file {path} is {found}-bit ({raw.dtype}) but '
        f'aux_bit_depth={encoding.bit_depth} is configured; the values are '
        f'not rescaled silently: {fix}.')


def aux_to_unit_range(raw: np.ndarray, encoding: AuxEncoding) -> np.ndarray:
    """Map raw auxiliary values to ``[0, 1]`` as described in the module.

    Args:
        raw (np.ndarray): Integer array of the configured bit depth, any
            shape.

    Returns:
        np.ndarray: float32 array of the same shape.
    """
    unit = raw.astype(np.float32)
    if encoding.is_identity_8bit:
        unit *= np.float32(1 / 255)
        return unit
    if encoding.value_scale != 1:
        unit *= np.float32(encoding.value_scale)
    np.clip(unit, encoding.min_value, encoding.max_value, out=unit)
    if encoding.min_value != 0:
        unit -= np.float32(encoding.min_value)
    unit *= np.float32(1 / (encoding.max_value - encoding.min_value))
    return unit
