"""A legend strip of class colours and names, as an image."""
from typing import List, Sequence, Tuple

import cv2
import numpy as np

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_BACKGROUND = (255, 255, 255)
_TEXT_COLOR = (0, 0, 0)


def _layout_rows(widths: List[int], width: int,
                 margin: int) -> List[List[int]]:
    """Indices of the entries of each row, filled left to right."""
    rows: List[List[int]] = [[]]
    used = margin
    for index, entry_width in enumerate(widths):
        if rows[-1] and used + entry_width > width - margin:
            rows.append([])
            used = margin
        rows[-1].append(index)
        used += entry_width + margin
    return rows


def draw_legend(classes: Sequence[str],
                palette: Sequence[Sequence[int]],
                width: int,
                font_scale: float = 0.4,
                thickness: int = 1,
                margin: int = 4) -> np.ndarray:
    """Draw a legend strip: a colour swatch and the name of each class.

    Entries are laid out left to right and wrap to new rows to fit
    ``width``; a name too long for the width is clipped at the border.

    Args:
        classes (Sequence[str]): Class names to list, in order.
        palette (Sequence): ``[R, G, B]`` of each listed class.
        width (int): Width of the strip in pixels (e.g. the figure's).
        font_scale (float): OpenCV font scale. Defaults to 0.4.
        thickness (int): Text thickness. Defaults to 1.
        margin (int): Space around entries in pixels. Defaults to 4.

    Returns:
        np.ndarray: ``(h, width, 3)`` uint8 RGB, white background; ``h`` is
        0 when ``classes`` is empty.
    """
    if len(classes) != len(palette):
        raise ValueError(f'{len(classes)} classes but {len(palette)} '
                         f'palette colours; give one colour per class')
    if width <= 0:
        raise ValueError(f'width must be positive, got {width}')
    if not classes:
        return np.zeros((0, width, 3), dtype=np.uint8)
    sizes: List[Tuple[Tuple[int, int], int]] = [
        cv2.getTextSize(str(name), _FONT, font_scale, thickness)
        for name in classes
    ]
    text_height = max(size[1] + baseline for size, baseline in sizes)
    swatch = text_height
    entry_widths = [swatch + margin + size[0] for size, _ in sizes]
    rows = _layout_rows(entry_widths, width, margin)
    row_height = text_height + margin
    legend = np.full((len(rows) * row_height + margin, width, 3),
                     _BACKGROUND,
                     dtype=np.uint8)
    for row_index, row in enumerate(rows):
        top = margin + row_index * row_height
        left = margin
        for index in row:
            color = tuple(int(c) for c in palette[index])
            cv2.rectangle(legend, (left, top),
                          (left + swatch - 1, top + swatch - 1), color, -1)
            cv2.rectangle(legend, (left, top),
                          (left + swatch - 1, top + swatch - 1), _TEXT_COLOR,
                          1)
            baseline = sizes[index][1]
            cv2.putText(legend, str(classes[index]),
                        (left + swatch + margin, top + text_height - baseline),
                        _FONT, font_scale, _TEXT_COLOR, thickness, cv2.LINE_AA)
            left += entry_widths[index] + margin
    return legend
