"""The report of `make demo`: results.md and the predictions figure."""
from dataclasses import dataclass, field
from typing import Dict, List, Sequence

import cv2
import numpy as np
from mmengine.structures import PixelData

from mmseg.structures import SegDataSample
from ..visualization import MultimodalSegLocalVisualizer


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


def predictions_figure(visualizer: MultimodalSegLocalVisualizer,
                       images: Sequence[np.ndarray],
                       samples: Sequence[SegDataSample],
                       predictions: Dict[str, Sequence[PixelData]],
                       scale: int = 2) -> np.ndarray:
    """Rows of RGB | depth (colour map) | ground truth | each prediction,
    with a legend of the class colours at the bottom, drawn by the
    visualiser (label maps in their plain colours, unlabelled pixels black).

    Args:
        visualizer (MultimodalSegLocalVisualizer): With the class names and
            palette (``dataset_meta``).
        images: (H, W, 3) uint8 RGB test images.
        samples: Their data samples (ground truth, ``aux_path``,
            ``aux_modality``).
        predictions: Column title -> one class-index map per row.
        scale (int): Upscaling of each panel. Default: 2.

    Returns:
        np.ndarray: The figure, RGB uint8.
    """
    opacity, visualizer.alpha = visualizer.alpha, 1.
    rows = []
    for i, (image, sample) in enumerate(zip(images, samples)):
        rgb, aux = visualizer.rgb_and_aux_panels(image, sample)
        panels = [(rgb, 'RGB'), (aux, sample.aux_modality),
                  (visualizer.label_panel(rgb, sample.gt_sem_seg, False),
                   'ground truth')]
        panels += [(visualizer.label_panel(rgb, preds[i], False), title)
                   for title, preds in predictions.items()]
        row = [_titled(p, t if i == 0 else '', scale) for p, t in panels]
        if i:
            row = [r[18:] for r in row]  # titles on the first row only
        gap = np.full((row[0].shape[0], 4, 3), 255, np.uint8)
        rows.append(np.concatenate(
            [x for r in row for x in (r, gap)][:-1], axis=1))
    visualizer.alpha = opacity
    figure = np.concatenate(rows, axis=0)
    legend = visualizer.legend_panel(
        range(len(visualizer.dataset_meta['classes'])), figure.shape[1])
    return np.concatenate([figure, legend], axis=0)
