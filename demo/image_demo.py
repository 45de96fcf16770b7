"""Segment one RGB + auxiliary image pair and save a side-by-side figure.

The figure is RGB | auxiliary modality (colour map) | prediction overlay at
the input's size, above a legend of the classes predicted, drawn by the
config's visualiser through :class:`MultimodalSegInferencer`.

Example:
    python demo/image_demo.py configs/dplnet/nyuv2_b5.py CKPT \\
        --rgb rgb.jpg --aux depth.png --out result.png
"""
import os
import os.path as osp
from argparse import ArgumentParser, Namespace

import mmcv

from mmseg_dplnet.apis import MultimodalSegInferencer
from mmseg_dplnet.utils import add_cfg_options_argument, load_config


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
        help='auxiliary modality (default: the model\'s)')
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


def main() -> None:
    args = parse_args()
    inferencer = MultimodalSegInferencer(
        load_config(args.config, args.cfg_options),
        args.checkpoint,
        device=args.device,
        aux_modality=args.aux_modality,
        aux_bit_depth=args.aux_bit_depth)
    result = inferencer((args.rgb, args.aux),
                        return_vis=True,
                        opacity=args.opacity,
                        with_labels=False,
                        with_legend=True)
    figure = result['visualization']
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    mmcv.imwrite(mmcv.rgb2bgr(figure), args.out)
    print(f'Wrote {args.out} ({figure.shape[0]}x{figure.shape[1]}: RGB | '
          f'auxiliary | prediction, with a legend of the predicted classes)')


if __name__ == '__main__':
    main()
