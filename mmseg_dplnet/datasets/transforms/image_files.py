"""Reading the image files of a sample: RGB, auxiliary modality, label.

Every decode goes through :func:`read_image`, which names the file and says
what is wrong with it: empty, not an image, or truncated / corrupt (a PNG
without its end chunk, a JPEG without its end marker, or a decoder error).
OpenCV and Pillow alone answer an empty buffer with an assertion, a
truncated PNG or JPEG with a warning and a partly grey image, and a text
file with an "unidentified image" error, none naming the file.

On top of it, :func:`read_rgb_file` checks that an RGB file holds colour
(3 channels; 4 only with ``drop_alpha``), and :func:`read_aux_file` brings
an auxiliary file to its modality's channels.
"""
from typing import Optional

import mmcv
import mmengine.fileio as fileio
import numpy as np

from mmseg_dplnet.utils.channel_split import RGB_CHANNELS, RGBX_FILE_CHANNELS
from .aux_encoding import AuxEncoding, check_bit_depth

#: Leading bytes of the image formats the datasets use, by name.
_SIGNATURES = {
    b'\x89PNG\r\n\x1a\n': 'PNG',
    b'\xff\xd8\xff': 'JPEG',
    b'BM': 'BMP',
    b'II*\x00': 'TIFF',
    b'MM\x00*': 'TIFF',
}
_PNG_END = b'IEND\xaeB`\x82'
_JPEG_START_OF_SCAN, _JPEG_END = b'\xff\xda', b'\xff\xd9'


class ImageFileError(ValueError):
    """An image file that cannot be read: empty, not an image, truncated."""


def _format_of(content: bytes) -> Optional[str]:
    for signature, name in _SIGNATURES.items():
        if content.startswith(signature):
            return name
    return None


def _is_truncated(content: bytes, kind: str) -> bool:
    """Whether a PNG lacks its end chunk or a JPEG its end-of-image marker
    after the last scan (the decoders fill the missing rows in silently)."""
    if kind == 'PNG':
        return not content.endswith(_PNG_END)
    if kind == 'JPEG':
        return content.rfind(_JPEG_END) < content.rfind(_JPEG_START_OF_SCAN)
    return False


def read_image(path: str,
               flag: str = 'unchanged',
               backend_args: Optional[dict] = None,
               backend: str = 'cv2',
               role: str = 'image') -> np.ndarray:
    """Decode an image file, keeping its bit depth, or say why it cannot.

    Args:
        path (str): The file.
        flag (str): A flag of :func:`mmcv.imfrombytes`: ``'unchanged'``
            keeps channels and bit depth (and ignores EXIF rotation, which
            would misalign the modalities). Defaults to 'unchanged'.
        backend_args (dict, optional): Arguments of the mmengine file backend.
        backend (str): ``'cv2'`` (BGR order for colour) or ``'pillow'``
            (palette PNGs as their indices). Defaults to 'cv2'.
        role (str): What the file is (``'RGB'``, ``'depth'``, ``'label'``),
            for the messages. Defaults to 'image'.

    Returns:
        np.ndarray: The decoded array.

    Raises:
        ImageFileError: If the file is empty, not an image, or truncated /
            corrupt; the message names the file and the cause.
    """
    content = fileio.get(path, backend_args=backend_args)
    if not content:
        raise ImageFileError(
            f'{role} file {path} is empty (0 bytes): replace it with the '
            f'complete file (an interrupted copy or download?)')
    kind = _format_of(content)
    if kind is not None and _is_truncated(content, kind):
        raise ImageFileError(
            f'{role} file {path} is truncated or corrupt: the {kind} data '
            f'ends early ({len(content)} bytes). Replace it with the complete '
            f'file (an interrupted copy or download?)')
    try:
        image = mmcv.imfrombytes(content, flag=flag, backend=backend)
    except Exception as error:  # each decoder has its own exceptions
        image, reason = None, f'{type(error).__name__}: {error}'
    else:
        reason = 'the decoder returned nothing'
    if image is None:
        if kind is None:
            raise ImageFileError(
                f'{role} file {path} is not an image: it starts with '
                f'{content[:16]!r}, not with the bytes of a PNG, JPEG, BMP '
                f'or TIFF file. Check what the file holds (a web page or a '
                f'text saved under an image name?)')
        raise ImageFileError(
            f'{role} file {path} is truncated or corrupt ({kind}, '
            f'{len(content)} bytes; {reason}). Replace it with a readable '
            f'file.')
    return image


def read_rgb_file(path: str,
                  backend_args: Optional[dict] = None,
                  drop_alpha: bool = False) -> np.ndarray:
    """Read an RGB file as 8-bit BGR, refusing files that are not colour.

    A grey (1-channel) or grey + alpha (2-channel) file in an RGB folder is
    almost always a mistake; a 4-channel file may be an RGBA export (read
    with ``drop_alpha``) or an RGB-X file such as MFNet's RGBT PNGs (which
    its dataset layout reads as such). 16-bit colour is reduced to 8 bits,
    as OpenCV does.

    Args:
        path (str): The RGB file.
        backend_args (dict, optional): Arguments of the mmengine file backend.
        drop_alpha (bool): Read a 4-channel file as its first 3 channels.
            Defaults to False.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 in B, G, R order.

    Raises:
        ImageFileError: If the file cannot be read or is not 3-channel
            colour (4 with ``drop_alpha``).
    """
    image = read_image(path, 'unchanged', backend_args, role='RGB')
    channels = 1 if image.ndim == 2 else image.shape[2]
    if channels == 4 and (image[..., 0] == image[..., 1]).all() and (
            image[..., 0] == image[..., 2]).all():
        channels = 2  # OpenCV decodes grey + alpha as B = G = R, alpha
    if channels == RGBX_FILE_CHANNELS and drop_alpha:
        image, channels = image[..., :RGB_CHANNELS], RGB_CHANNELS
    if channels != RGB_CHANNELS:
        fixes = {
            1: 'it is a grey image: the RGB folder must hold colour images',
            2: 'it is a grey image with alpha: the RGB folder must hold '
            'colour images',
            4: 'an RGBA export? set drop_rgb_alpha=True on the dataset to '
            'use its colour channels; an RGB-X file (e.g. MFNet\'s RGBT '
            'PNGs)? use the dataset layout that stores the modality as the '
            '4th channel'
        }
        raise ImageFileError(
            f'RGB file {path} has {channels} channel(s), not 3: '
            f'{fixes.get(channels, "convert it to a 3-channel colour image")}'
        )
    if image.dtype != np.uint8:
        image = (image >> 8).astype(np.uint8)  # 16-bit colour
    return np.ascontiguousarray(image)


def aux_modality_channels(raw: np.ndarray, modality: str,
                          path: str) -> np.ndarray:
    """Bring a decoded auxiliary file to its modality's channel layout.

    Args:
        raw (np.ndarray): The file decoded with ``IMREAD_UNCHANGED`` (so a
            3-channel file is in BGR order).
        modality (str): ``'hha'`` (3 channels) or ``'depth'`` / ``'thermal'``
            (1 channel; a 3-channel file with equal channels is accepted).
        path (str): The file, for error messages.

    Returns:
        np.ndarray: ``(H, W)`` for depth / thermal, ``(H, W, 3)`` in the
        file's R, G, B order for HHA.
    """
    if raw.ndim == 3 and raw.shape[2] == 1:
        raw = raw[..., 0]
    channels = 1 if raw.ndim == 2 else raw.shape[2]
    if modality == 'hha':
        if channels != 3:
            raise ValueError(
                f'HHA file {path} has {channels} channel(s); HHA must be a '
                f'3-channel image. If it holds depth, use '
                f'aux_modality=\'depth\'.')
        return raw[..., ::-1]
    if channels == 1:
        return raw
    if channels == 3 and (raw[..., 0]
                          == raw[..., 1]).all() and (raw[..., 0]
                                                     == raw[..., 2]).all():
        return raw[..., 0]
    differ = ' that differ' if channels == 3 else ''
    raise ValueError(
        f'{modality} file {path} has {channels} channels{differ}; a '
        f'{modality} map must be a single-channel (grayscale) image')


def read_aux_file(path: str,
                  modality: str,
                  encoding: Optional[AuxEncoding] = None,
                  backend_args: Optional[dict] = None,
                  rgbx_file_ok: bool = False) -> np.ndarray:
    """Read an auxiliary file with its raw values, in its modality's layout.

    Args:
        path (str): The auxiliary file.
        modality (str): ``'depth'``, ``'hha'`` or ``'thermal'``.
        encoding (AuxEncoding, optional): When given, the file's bit depth
            must be the encoding's (see :func:`check_bit_depth`).
        backend_args (dict, optional): Arguments of the mmengine file backend.
        rgbx_file_ok (bool): Read a 4-channel RGB-X file (MFNet's RGBT PNG)
            as its 4th channel; otherwise such a file is refused like any
            other multi-channel depth / thermal file. Default: False.

    Returns:
        np.ndarray: ``(H, W)`` for depth / thermal, ``(H, W, 3)`` (file's
        R, G, B order) for HHA; the file's dtype.
    """
    raw = read_image(path, 'unchanged', backend_args, role=modality)
    if encoding is not None:
        check_bit_depth(raw, encoding, path)
    if rgbx_file_ok and raw.ndim == 3 and raw.shape[2] == RGBX_FILE_CHANNELS:
        raw = raw[..., RGB_CHANNELS]
    return aux_modality_channels(raw, modality, path)
