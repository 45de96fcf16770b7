"""Segment one RGB + auxiliary image pair and save a side-by-side figure.

The figure is RGB | auxiliary modality (colour map) | prediction overlay at
the input's size, above a legend of the classes predicted.

Example:
    python demo/image_demo.py configs/dplnet/nyuv2_b5.py CKPT \\
        --rgb rgb.jpg --aux depth.png --out result.png
"""
import os
import os.path as osp
from argparse import ArgumentParser, Namespace
from typing import Sequence

import mmcv
import numpy as np

from mmseg_dplnet.apis import inference_multimodal, init_model
from mmseg_dplnet.datasets.transforms.loading import read_image
from mmseg_dplnet.utils import add_cfg_options_argument
from mmseg_dplnet.visualization import (colorize_aux, draw_legend, overlay,
                                        read_aux_for_display)


def parse_args() -> Namespace:
    """Parse the command line."""
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--rgb', required=True, help='RGB image file')
    parser.add_argument(
        '--aux', required=True, help='auxiliary file (depth, HHA, thermal)')
    parser.add_argument('--out', required=True, help='output PNG file')
    parser.add_argument(
        '--opacity',
        type=float,
        default=0.5,
        help='opacity of the prediction colours, in [0, 1]')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument(
        '--aux-modality',
        choices=['depth', 'hha', 'thermal'],
        help='auxiliary modality (default: the config\'s)')
    parser.add_argument(
        '--aux-bit-depth',
        type=int,
        choices=[8, 16],
        help='bit depth of the auxiliary file (default: the config\'s; '
        'another one also drops the config\'s value range)')
    add_cfg_options_argument(parser)
    args = parser.parse_args()
    if not 0 <= args.opacity <= 1:
        parser.error(f'--opacity must be in [0, 1], got {args.opacity}')
    return args


def compose_figure(rgb: np.ndarray, aux_panel: np.ndarray, pred: np.ndarray,
                   classes: Sequence[str], palette: Sequence[Sequence[int]],
                   opacity: float) -> np.ndarray:
    """RGB | auxiliary | prediction overlay, above a legend.

    Args:
        rgb (np.ndarray): ``(H, W, 3)`` uint8 RGB image.
        aux_panel (np.ndarray): ``(H, W, 3)`` uint8 colour auxiliary map.
        pred (np.ndarray): ``(H, W)`` predicted class ids.
        classes (Sequence[str]): Class names of the model.
        palette (Sequence): ``[R, G, B]`` of each class.
        opacity (float): Opacity of the prediction colours.

    Returns:
        np.ndarray: ``(H + legend, 3 * W, 3)`` uint8 RGB figure.
    """
    panels = np.concatenate(
        [rgb, aux_panel, overlay(rgb, pred, palette, opacity)], axis=1)
    present = [int(i) for i in np.unique(pred) if 0 <= i < len(classes)]
    legend = draw_legend([classes[i] for i in present],
                         [palette[i] for i in present], panels.shape[1])
    return np.concatenate([panels, legend], axis=0)


def main() -> None:
    args = parse_args()
    model = init_model(args.config, args.checkpoint, args.device,
                       args.cfg_options)
    result = inference_multimodal(
        model,
        args.rgb,
        args.aux,
        aux_modality=args.aux_modality,
        aux_bit_depth=args.aux_bit_depth)
    modality = result.metainfo['aux_modality']
    rgb = np.ascontiguousarray(
        read_image(args.rgb, 'color_ignore_orientation')[..., ::-1])
    aux_panel = colorize_aux(
        read_aux_for_display(args.aux, modality), modality)
    pred = result.pred_sem_seg.data[0].cpu().numpy()
    meta = model.dataset_meta
    if not meta.get('classes'):
        raise ValueError(f'no class names in {args.checkpoint} nor in the '
                         f'test dataset of {args.config}')
    figure = compose_figure(rgb, aux_panel, pred, meta['classes'],
                            meta['palette'], args.opacity)
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    mmcv.imwrite(mmcv.rgb2bgr(figure), args.out)
    print(f'Wrote {args.out} ({figure.shape[0]}x{figure.shape[1]}: RGB | '
          f'{modality} | prediction, with a legend of the predicted '
          f'classes)')


if __name__ == '__main__':
    main()
