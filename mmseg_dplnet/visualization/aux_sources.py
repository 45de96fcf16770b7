"""Where the visualiser finds the auxiliary modality of a sample.

Either in the image itself (a stacked ``(H, W, 3 + C)`` image, as the
pipeline builds it) or in the file named by ``metainfo['aux_path']`` (what
mmseg's ``SegVisualizationHook`` gives: the RGB file only).
"""
from typing import Optional, Tuple

import numpy as np

from mmseg_dplnet.datasets.transforms.aux_encoding import AUX_MODALITIES
from mmseg_dplnet.datasets.transforms.loading import (RGB_CHANNELS,
                                                      aux_modality_channels,
                                                      read_image)

#: Channels of a file holding RGB and the auxiliary modality (MFNet RGBT).
RGBX_FILE_CHANNELS = 4


def read_aux_for_display(path: str,
                         modality: str,
                         backend_args: Optional[dict] = None) -> np.ndarray:
    """Read an auxiliary file with its raw values, of any bit depth.

    Args:
        path (str): The auxiliary file; a 4-channel RGB-X file gives its 4th
            channel.
        modality (str): ``'depth'``, ``'hha'`` or ``'thermal'``.
        backend_args (dict, optional): Arguments of the mmengine file backend.

    Returns:
        np.ndarray: ``(H, W)`` for depth / thermal, ``(H, W, 3)`` (file's
        R, G, B order) for HHA; the file's dtype.
    """
    if modality not in AUX_MODALITIES:
        raise ValueError(f'aux_modality must be one of {AUX_MODALITIES}, got '
                         f'{modality!r} (for {path})')
    raw = read_image(path, 'unchanged', backend_args)
    if raw.ndim == 3 and raw.shape[2] == RGBX_FILE_CHANNELS:
        raw = raw[..., RGB_CHANNELS]
    return aux_modality_channels(raw, modality, path)


def is_stacked_image(image: np.ndarray) -> bool:
    """Whether ``image`` holds more than the RGB channels."""
    return image.ndim == 3 and image.shape[2] > RGB_CHANNELS


def split_stacked_image(
        image: np.ndarray,
        rgb_channels: int = RGB_CHANNELS) -> Tuple[np.ndarray, np.ndarray]:
    """Split a stacked image into its RGB image and auxiliary channels.

    Args:
        image (np.ndarray): ``(H, W, 3 + C)``, R, G, B in ``[0, 255]`` then
            the auxiliary modality (as ``LoadRGBXImageFromFile`` stacks it).
        rgb_channels (int): Leading RGB channels. Defaults to 3.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(H, W, 3)`` uint8 RGB and the
        ``(H, W, C)`` auxiliary channels as stored.
    """
    if not is_stacked_image(image) or image.shape[2] <= rgb_channels:
        raise ValueError(f'a stacked image has RGB and auxiliary channels, '
                         f'got shape {image.shape}')
    rgb = np.clip(np.round(image[..., :rgb_channels]), 0, 255).astype(np.uint8)
    return rgb, image[..., rgb_channels:]


def guess_modality(aux: np.ndarray) -> str:
    """``'hha'`` for 3 differing channels, else ``'depth'`` (a 1-channel
    map, shown with the depth colour map)."""
    if aux.ndim == 3 and aux.shape[2] == 3 and not (
            np.array_equal(aux[..., 0], aux[..., 1])
            and np.array_equal(aux[..., 0], aux[..., 2])):
        return 'hha'
    return 'depth'
