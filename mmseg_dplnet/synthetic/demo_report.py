"""The report of `make demo`: results.md and the predictions figure."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from ..visualization import colorize_aux, colorize_labels, draw_legend


@dataclass
class StageResult:
    """What one demo stage measured.

    Attributes:
        name (str): Row title, e.g. ``'RGB-only SegFormer (stage 1)'``.
        config (str): Its config file.
        checkpoint (str): Its final checkpoint.
        miou (float): Test mIoU, percent.
        class_iou (dict): Class name -> IoU, percent (NaN if absent).
        learnable (int): Parameters that were trained.
        total (int): All parameters.
        seconds (float): Wall time of training + testing.
    """
    name: str
    config: str
    checkpoint: str
    miou: float
    class_iou: Dict[str, float] = field(default_factory=dict)
    learnable: int = 0
    total: int = 0
    seconds: float = 0.


@dataclass
class Targets:
    """The demo's targets and whether they were met."""
    max_seconds: float
    min_gain: float
    max_learnable_fraction: float
    seconds: float
    gain: float
    learnable_fraction: float

    def lines(self) -> List[str]:
        """One line per target: value, bound and PASS / MISS."""

        def verdict(ok: bool) -> str:
            return 'PASS' if ok else 'MISS'

        return [
            f'whole demo: {self.seconds / 60:.1f} min (target <= '
            f'{self.max_seconds / 60:.0f} min) '
            f'{verdict(self.seconds <= self.max_seconds)}',
            f'DPLNet mIoU - RGB-only mIoU: {self.gain:+.1f} points (target '
            f'>= +{self.min_gain:.0f}) {verdict(self.gain >= self.min_gain)}',
            f'DPLNet learnable parameters: '
            f'{100 * self.learnable_fraction:.1f}% (target <= '
            f'{100 * self.max_learnable_fraction:.0f}%) '
            f'{verdict(self.learnable_fraction <= self.max_learnable_fraction)}'
        ]


def _fmt(value: float) -> str:
    return '-' if np.isnan(value) else f'{value:.1f}'


def results_markdown(stages: Sequence[StageResult],
                     classes: Sequence[str], targets: Targets,
                     dataset_note: str) -> str:
    """Render the demo's results as Markdown.

    Args:
        stages (Sequence[StageResult]): Stage 1 then stage 2.
        classes (Sequence[str]): Class names, in order.
        targets (Targets): The targets and measurements.
        dataset_note (str): One line on the data used.

    Returns:
        str: The Markdown text.
    """
    lines = ['# mmseg-dplnet demo results', '', dataset_note, '',
             '| model | mIoU | learnable / total params | train + test time |',
             '|---|---|---|---|']
    for stage in stages:
        lines.append(
            f'| {stage.name} | {stage.miou:.1f} | {stage.learnable / 1e6:.2f}M'
            f' / {stage.total / 1e6:.2f}M '
            f'({100 * stage.learnable / stage.total:.1f}%) | '
            f'{stage.seconds / 60:.1f} min |')
    lines += ['', '## Per-class IoU', '',
              '| class | ' + ' | '.join(s.name for s in stages) + ' |',
              '|---|' + '---|' * len(stages)]
    for name in classes:
        lines.append(f'| {name} | ' + ' | '.join(
            _fmt(s.class_iou.get(name, float('nan'))) for s in stages) + ' |')
    lines += ['', '## Targets', ''] + [f'- {t}' for t in targets.lines()]
    lines += ['', 'Checkpoints: ' + ', '.join(
        f'`{s.checkpoint}`' for s in stages), '']
    return '\n'.join(lines)


def _titled(panel: np.ndarray, title: str, scale: int) -> np.ndarray:
    """Upscale a panel (nearest) and put a title bar above it."""
    panel = cv2.resize(panel, None, fx=scale, fy=scale,
                       interpolation=cv2.INTER_NEAREST)
    bar = np.full((18, panel.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, title, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([bar, panel], axis=0)


def predictions_figure(rgbs: Sequence[np.ndarray],
                       depths: Sequence[np.ndarray],
                       ground_truths: Sequence[np.ndarray],
                       predictions: Dict[str, Sequence[np.ndarray]],
                       classes: Sequence[str],
                       palette: Sequence[Sequence[int]],
                       scale: int = 2,
                       ignore_index: int = 255,
                       max_width: Optional[int] = None) -> np.ndarray:
    """Rows of RGB | depth (colour map) | ground truth | each prediction,
    with a legend of the class colours at the bottom.

    Args:
        rgbs: (H, W, 3) uint8 RGB images.
        depths: Raw depth maps (0 = no reading).
        ground_truths: Class-index maps (``ignore_index`` = unlabeled).
        predictions: Column title -> class-index maps, one per row.
        classes: Class names.
        palette: ``[R, G, B]`` per class.
        scale (int): Upscaling of each panel. Default: 2.
        ignore_index (int): Unlabeled value, drawn black. Default: 255.
        max_width (int, optional): Downscale the figure to this width.

    Returns:
        np.ndarray: The figure, RGB uint8.
    """
    rows = []
    for i, rgb in enumerate(rgbs):
        panels = [(rgb, 'RGB'), (colorize_aux(depths[i], 'depth'), 'depth'),
                  (colorize_labels(ground_truths[i], palette, ignore_index),
                   'ground truth')]
        panels += [(colorize_labels(pred[i], palette, ignore_index), title)
                   for title, pred in predictions.items()]
        row = [_titled(p, t if i == 0 else '', scale) for p, t in panels]
        if i:
            row = [r[18:] for r in row]  # titles on the first row only
        gap = np.full((row[0].shape[0], 4, 3), 255, np.uint8)
        rows.append(np.concatenate(
            [x for r in row for x in (r, gap)][:-1], axis=1))
    figure = np.concatenate(rows, axis=0)
    legend = draw_legend(classes, palette, figure.shape[1])
    figure = np.concatenate([figure, legend], axis=0)
    if max_width and figure.shape[1] > max_width:
        factor = max_width / figure.shape[1]
        figure = cv2.resize(figure, None, fx=factor, fy=factor,
                            interpolation=cv2.INTER_AREA)
    return figure
