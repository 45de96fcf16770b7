"""The auxiliary panel of the visualiser: where the modality is found and
how it is coloured.

The modality is found in the image itself (a stacked ``(H, W, 3 + C)``
image, as the pipeline builds it) or in the file named by
``metainfo['aux_path']`` (what mmseg's ``SegVisualizationHook`` gives: the
RGB file only, read with :func:`read_aux_file`). Depth and thermal are
colour-mapped, HHA shown as its three channels.
"""
from typing import Optional, Tuple

import cv2
import numpy as np

from mmseg_dplnet.utils.channel_split import RGB_CHANNELS

#: Default OpenCV colour map of each single-channel modality.
AUX_COLORMAPS = dict(depth=cv2.COLORMAP_TURBO, thermal=cv2.COLORMAP_INFERNO)
SCALINGS = ('percentile', 'minmax')


def is_stacked_image(image: np.ndarray) -> bool:
    """Whether ``image`` holds more than the RGB channels."""
    return image.ndim == 3 and image.shape[2] > RGB_CHANNELS


def split_stacked_image(
        image: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Split a stacked image into its RGB image and auxiliary channels.

    Args:
        image (np.ndarray): ``(H, W, 3 + C)``, R, G, B in ``[0, 255]`` then
            the auxiliary modality (as ``LoadRGBXImageFromFile`` stacks it).

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(H, W, 3)`` uint8 RGB and the
        ``(H, W, C)`` auxiliary channels as stored.
    """
    if not is_stacked_image(image):
        raise ValueError(f'a stacked image has RGB and auxiliary channels, '
                         f'got shape {image.shape}')
    # C order: OpenCV draws on the panels (a permuted tensor is not)
    rgb = np.clip(np.round(image[..., :RGB_CHANNELS]), 0, 255)
    return (np.ascontiguousarray(rgb, dtype=np.uint8),
            np.ascontiguousarray(image[..., RGB_CHANNELS:]))


def guess_modality(aux: np.ndarray) -> str:
    """``'hha'`` for 3 differing channels, else ``'depth'`` (a 1-channel
    map, shown with the depth colour map)."""
    if aux.ndim == 3 and aux.shape[2] == 3 and not (
            np.array_equal(aux[..., 0], aux[..., 1])
            and np.array_equal(aux[..., 0], aux[..., 2])):
        return 'hha'
    return 'depth'


def _single_channel(aux: np.ndarray, modality: str) -> np.ndarray:
    """``(H, W)`` of a 1-channel map given as (H, W), (H, W, 1) or 3 equal
    channels (the replicated map of a stacked image)."""
    if aux.ndim == 2:
        return aux
    if aux.ndim == 3 and aux.shape[2] == 1:
        return aux[..., 0]
    if aux.ndim == 3 and all(
            np.array_equal(aux[..., 0], aux[..., c])
            for c in range(1, aux.shape[2])):
        return aux[..., 0]
    raise ValueError(f'a {modality} map must be (H, W), (H, W, 1) or have '
                     f'equal channels, got shape {aux.shape} with differing '
                     f'channels (use modality=\'hha\' for 3-channel HHA)')


def value_range(
    values: np.ndarray,
    scaling: str = 'percentile',
    percentiles: Tuple[float, float] = (1., 99.)
) -> Tuple[float, float]:
    """The range of values mapped to the ends of a colour map.

    Args:
        values (np.ndarray): The valid values (any shape).
        scaling (str): ``'percentile'`` (robust to outliers) or
            ``'minmax'``. Defaults to 'percentile'.
        percentiles (tuple): Low and high percentiles for ``'percentile'``.
            Defaults to (1, 99).

    Returns:
        tuple[float, float]: ``(low, high)`` with ``high > low``.
    """
    if scaling not in SCALINGS:
        raise ValueError(f'scaling must be one of {SCALINGS}, got '
                         f'{scaling!r}')
    if values.size == 0:
        return 0., 1.
    if scaling == 'percentile':
        low, high = np.percentile(values, percentiles)
    else:
        low, high = values.min(), values.max()
    low, high = float(low), float(high)
    return (low, high) if high > low else (low, low + 1.)


def _to_unit(values: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip((values - low) / (high - low), 0., 1.)


def colorize_aux(aux: np.ndarray,
                 modality: str,
                 scaling: str = 'percentile',
                 percentiles: Tuple[float, float] = (1., 99.),
                 colormap: Optional[int] = None) -> np.ndarray:
    """Colour image of an auxiliary map, for display.

    Depth and thermal are colour-mapped after scaling their valid values to
    the colour map (min-max or percentiles, so any bit depth or unit works);
    holes (non-finite values, and 0 = "no reading" for depth) are black. HHA
    is shown as its three channels (an RGB image), 8-bit as is, other types
    with each channel scaled.

    Args:
        aux (np.ndarray): ``(H, W)``, ``(H, W, 1)`` or
            ``(H, W, C)``: raw file values (uint8 / uint16) or the
            ``[0, 1]`` channels of a stacked image; a replicated depth /
            thermal map (equal channels) is accepted.
        modality (str): ``'depth'``, ``'thermal'`` or ``'hha'``.
        scaling (str): ``'percentile'`` or ``'minmax'``. Defaults to
            'percentile'.
        percentiles (tuple): Percentiles for ``'percentile'``. Defaults to
            (1, 99).
        colormap (int, optional): An OpenCV ``cv2.COLORMAP_*``; defaults to
            turbo for depth and inferno for thermal.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB image.
    """
    aux = np.asarray(aux)
    if modality == 'hha':
        if aux.ndim != 3 or aux.shape[2] != 3:
            raise ValueError(f'HHA must be (H, W, 3), got shape {aux.shape}')
        if aux.dtype == np.uint8:
            return np.ascontiguousarray(aux)
        channels = [
            _to_unit(channel, *value_range(channel, scaling, percentiles))
            for channel in np.moveaxis(aux.astype(np.float32), -1, 0)
        ]
        return np.round(np.stack(channels, -1) * 255).astype(np.uint8)
    if modality not in AUX_COLORMAPS:
        raise ValueError(f'modality must be one of '
                         f'{("hha", ) + tuple(AUX_COLORMAPS)}, got '
                         f'{modality!r}')
    values = _single_channel(aux, modality).astype(np.float32)
    valid = np.isfinite(values)
    if modality == 'depth':
        valid &= values != 0
    low, high = value_range(values[valid], scaling, percentiles)
    unit = _to_unit(np.where(valid, values, low), low, high)
    gray = np.round(unit * 255).astype(np.uint8)
    bgr = cv2.applyColorMap(
        gray, AUX_COLORMAPS[modality] if colormap is None else colormap)
    rgb = bgr[..., ::-1].copy()
    rgb[~valid] = 0
    return rgb
