"""Colour palettes of the datasets' classes."""
from typing import List


def voc_colormap(num_colors: int) -> List[List[int]]:
    """The PASCAL VOC colour map (bit-interleaved class index -> RGB).

    SA-Gate / CMX / DFormer draw NYUv2 and SUN RGB-D predictions with it,
    skipping colour 0 (black) which belongs to "unlabeled".

    Args:
        num_colors (int): Number of colours, starting at index 0.

    Returns:
        list[list[int]]: ``num_colors`` ``[R, G, B]`` triples.
    """
    colors = []
    for index in range(num_colors):
        red = green = blue = 0
        value = index
        for shift in range(7, -1, -1):
            red |= ((value >> 0) & 1) << shift
            green |= ((value >> 1) & 1) << shift
            blue |= ((value >> 2) & 1) << shift
            value >>= 3
        colors.append([red, green, blue])
    return colors
