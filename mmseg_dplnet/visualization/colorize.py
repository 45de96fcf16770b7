"""Colour images of auxiliary maps and label maps (RGB uint8 arrays)."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]
Palette = Sequence[Sequence[int]]

#: Default OpenCV colour map of each single-channel modality.
AUX_COLORMAPS = dict(depth=cv2.COLORMAP_TURBO, thermal=cv2.COLORMAP_INFERNO)
SCALINGS = ('percentile', 'minmax')


def to_numpy(array: ArrayLike) -> np.ndarray:
    """A numpy copy-free view of a tensor (on the CPU) or an array."""
    if isinstance(array, torch.Tensor):
        return array.detach().cpu().numpy()
    return np.asarray(array)


def _as_label_map(label: ArrayLike) -> np.ndarray:
    """A ``(H, W)`` integer label map from ``(H, W)`` or ``(1, H, W)``."""
    label = to_numpy(label)
    if label.ndim == 3 and label.shape[0] == 1:
        label = label[0]
    if label.ndim != 2:
        raise ValueError(f'a label map must be (H, W) or (1, H, W), got '
                         f'shape {label.shape}')
    return label.astype(np.int64, copy=False)


def _palette_array(palette: Palette) -> np.ndarray:
    colors = np.asarray(palette, dtype=np.uint8)
    if colors.ndim != 2 or colors.shape[1] != 3:
        raise ValueError(f'palette must be a list of [R, G, B] triples, got '
                         f'shape {colors.shape}')
    return colors


def _labelled(label: np.ndarray, num_colors: int,
              ignore_index: int) -> np.ndarray:
    """Pixels whose label has a palette colour and is not ignored."""
    return (label >= 0) & (label < num_colors) & (label != ignore_index)


def colorize_labels(label: ArrayLike,
                    palette: Palette,
                    ignore_index: int = 255) -> np.ndarray:
    """Paint a label map with the palette's colours.

    Args:
        label (np.ndarray | Tensor): ``(H, W)`` or ``(1, H, W)`` class ids.
        palette (list): ``[R, G, B]`` of each class id.
        ignore_index (int): Id painted black. Defaults to 255.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB; ignored pixels and ids without
        a colour are black.
    """
    label = _as_label_map(label)
    colors = _palette_array(palette)
    image = np.zeros(label.shape + (3, ), dtype=np.uint8)
    keep = _labelled(label, len(colors), ignore_index)
    image[keep] = colors[label[keep]]
    return image


def overlay(rgb: np.ndarray,
            label: ArrayLike,
            palette: Palette,
            opacity: float = 0.5,
            ignore_index: int = 255) -> np.ndarray:
    """Blend the colours of a label map over an RGB image.

    Args:
        rgb (np.ndarray): ``(H, W, 3)`` uint8 RGB image.
        label (np.ndarray | Tensor): ``(H, W)`` or ``(1, H, W)`` class ids of
            the image's size.
        palette (list): ``[R, G, B]`` of each class id.
        opacity (float): Weight of the label colours, in ``[0, 1]``.
            Defaults to 0.5.
        ignore_index (int): Id left unpainted. Defaults to 255.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB; ignored pixels and ids without
        a colour keep the image's colour.
    """
    if not 0 <= opacity <= 1:
        raise ValueError(f'opacity must be in [0, 1], got {opacity}')
    label = _as_label_map(label)
    if rgb.shape[:2] != label.shape:
        raise ValueError(f'the image is {rgb.shape[0]}x{rgb.shape[1]} but '
                         f'the label map {label.shape[0]}x{label.shape[1]}; '
                         f'resize the label map (nearest) first')
    colors = _palette_array(palette)
    blended = np.array(rgb[..., :3], dtype=np.uint8, copy=True)
    keep = _labelled(label, len(colors), ignore_index)
    mixed = (1 - opacity) * blended[keep] + opacity * colors[label[keep]]
    blended[keep] = np.round(mixed).astype(np.uint8)
    return blended


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


def colorize_aux(aux: ArrayLike,
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
        aux (np.ndarray | Tensor): ``(H, W)``, ``(H, W, 1)`` or
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
    aux = to_numpy(aux)
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
