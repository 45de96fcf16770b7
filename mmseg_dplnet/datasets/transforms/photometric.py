"""Photometric augmentation of the RGB channels of a stacked RGB-X image."""
from numbers import Number
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmseg.registry import TRANSFORMS
from mmseg_dplnet.utils.channel_split import RGB_CHANNELS

FactorRange = Union[float, Sequence[float]]
# ITU-R 601-2 luma, as torchvision and PIL compute grayscale
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _factor_range(name: str, value: FactorRange) -> Tuple[float, float]:
    """Turn torchvision's ``x`` or ``(lo, hi)`` into a factor range."""
    if isinstance(value, Number):
        if value < 0:
            raise ValueError(f'{name} must be >= 0, got {value}')
        return max(0., 1. - value), 1. + value
    low, high = value
    if not 0 <= low <= high:
        raise ValueError(f'{name} range must satisfy 0 <= lo <= hi, got '
                         f'{value}')
    return float(low), float(high)


@TRANSFORMS.register_module()
class RGBColorJitter(BaseTransform):
    """Jitter brightness, contrast and saturation of the RGB channels only.

    DPLNet's protocol (torchvision ``ColorJitter(brightness=0.5,
    contrast=0.5, saturation=0.5)`` on the RGB image, never on depth or
    thermal) on the stacked image of :class:`LoadRGBXImageFromFile`: the
    three adjustments are applied in a random order, each with a factor drawn
    uniformly from its range, and the result is clipped to ``[0, 255]``:

    - brightness: ``rgb * f``;
    - contrast: blend with the mean grayscale value, ``rgb * f + mean * (1 -
      f)``;
    - saturation: blend with the per-pixel grayscale, ``rgb * f + gray * (1 -
      f)``.

    The auxiliary channels (after the first three) are left bit-identical.
    Place it after the geometric transforms: it then works on the crop, not
    on the up-scaled image.

    Required Keys:

    - img (np.float32, RGB first)

    Modified Keys:

    - img

    Args:
        brightness (float | tuple[float, float]): ``x`` draws factors from
            ``[max(0, 1 - x), 1 + x]``; a pair gives the range. Defaults to
            0.5.
        contrast (float | tuple[float, float]): As ``brightness``.
            Defaults to 0.5.
        saturation (float | tuple[float, float]): As ``brightness``.
            Defaults to 0.5.
    """

    def __init__(self,
                 brightness: FactorRange = 0.5,
                 contrast: FactorRange = 0.5,
                 saturation: FactorRange = 0.5) -> None:
        self.ranges = dict(
            brightness=_factor_range('brightness', brightness),
            contrast=_factor_range('contrast', contrast),
            saturation=_factor_range('saturation', saturation))

    @cache_randomness
    def _sample(self) -> Sequence[Tuple[str, float]]:
        """Draw the order of the adjustments and their factors."""
        names = list(self.ranges)
        order = np.random.permutation(len(names))
        return [(names[i], float(np.random.uniform(*self.ranges[names[i]])))
                for i in order]

    @staticmethod
    def _adjust(rgb: np.ndarray, name: str, factor: float) -> None:
        """Apply one adjustment in place to a contiguous float RGB array."""
        if factor == 1:
            return
        if name == 'contrast':
            offset = (1 - factor) * float((rgb @ _LUMA).mean())
            rgb *= np.float32(factor)
            rgb += np.float32(offset)
        elif name == 'saturation':
            gray = rgb @ _LUMA
            gray *= np.float32(1 - factor)
            rgb *= np.float32(factor)
            rgb += gray[..., None]
        else:
            rgb *= np.float32(factor)
        np.clip(rgb, 0, 255, out=rgb)

    def transform(self, results: dict) -> dict:
        """Jitter the RGB channels of ``results['img']``.

        Args:
            results (dict): Result dict with the stacked float image.

        Returns:
            dict: ``results`` with jittered RGB channels.
        """
        img = results['img']
        if img.dtype != np.float32 or img.ndim != 3:
            raise TypeError(f'{type(self).__name__} expects the float32 '
                            f'(H, W, C) image of LoadRGBXImageFromFile, got '
                            f'{img.dtype} {img.shape}')
        # one contiguous copy makes the few passes below fast
        rgb = np.ascontiguousarray(img[..., :RGB_CHANNELS])
        for name, factor in self._sample():
            self._adjust(rgb, name, factor)
        if not img.flags.writeable:
            img = img.copy()
        img[..., :RGB_CHANNELS] = rgb
        results['img'] = img
        return results

    def __repr__(self) -> str:
        ranges = ', '.join(f'{name}={value}'
                           for name, value in self.ranges.items())
        return f'{type(self).__name__}({ranges})'
