"""Multiply-adds and parameters of a config's segmentor on a multimodal input.

    python tools/analysis_tools/get_flops.py CONFIG --shape 480 640 \
        [--max-depth 3] [--cfg-options ...]

The input is ONE random image of ``--shape`` with the model's channels (3
RGB + the auxiliary modality's: 4 for depth or thermal, which the backbone
replicates to 3 channels, 6 for HHA), normalised by the data preprocessor,
then ``model(inputs)`` (mmseg's ``'tensor'`` mode: backbone + decode head,
logits at the head's resolution) is traced once. mmseg's own ``get_flops.py``
traces a 3-channel image, which an RGB-X model refuses.

What is counted: mmengine's fvcore-style counter
(:class:`mmengine.analysis.FlopAnalyzer`, what
``mmengine.analysis.get_model_complexity_info`` runs) counts ONE fused
multiply-add as one "flop": the totals are multiply-accumulates (MACs),
which papers (SegFormer, DPLNet) report as "FLOPs"; strict FLOPs are about
2x. Convolutions, linear layers, matmul / bmm / einsum, norms (BN, LN, GN:
about 2-5 per element) and bilinear / nearest upsampling are counted.
mmengine has no handle for ``F.scaled_dot_product_attention``, which the
DualPromptMiT attention uses (main and prompt branch): this tool adds one
(``mmseg_dplnet.evaluation.sdpa_flop_jit``: ``q @ k^T`` + ``attn @ v``,
``B * heads * L * S * (E + Ev)``), so attention IS included. Not counted:
element-wise operators (additions, multiplications, GELU / ReLU, the
softmax and scaling inside attention, dropout), listed at the end of the
output with their number of calls, and what happens outside
``model(inputs)``: the final resize of the logits to the image size, the
argmax, the data preprocessor, the loss.

Parameters: all of them, and the learnable ones (DPLNet freezes its RGB
encoder). The pretrained backbone file is not loaded (``init_cfg`` is set
to None): the counts do not depend on the weights.
"""
import argparse
from typing import Tuple

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm

from mmseg.structures import SegDataSample
from mmseg_dplnet.apis import init_model
from mmseg_dplnet.evaluation import Complexity, measure_complexity
from mmseg_dplnet.evaluation.complexity import SDPA_OP
from mmseg_dplnet.utils import (add_cfg_options_argument, load_config,
                                stacked_channels)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Count the multiply-adds (MACs, reported as "FLOPs" by '
        'mmengine / fvcore) and the parameters of a segmentor on a '
        'multimodal input')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        metavar='SIZE',
        help='input height and width (one value: square); default: the '
        'data preprocessor\'s size')
    parser.add_argument(
        '--max-depth',
        type=int,
        default=3,
        help='depth of the per-module table (1 = backbone / decode_head)')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def input_shape(cfg: Config, shape) -> Tuple[int, int, int]:
    """(C, H, W) of the input: C from the model's modality (3 + 1 for depth
    and thermal, 3 + 3 for HHA), H and W from ``--shape`` or the data
    preprocessor's size."""
    if shape is None:
        size = cfg.model.get('data_preprocessor', {}).get('size')
        if size is None:
            raise ValueError('give --shape H W (the data preprocessor has '
                             'no size)')
        shape = list(size)
    if len(shape) == 1:
        shape = [shape[0], shape[0]]
    if len(shape) != 2:
        raise ValueError(f'--shape takes H W (or one size), got {shape}')
    return (stacked_channels(cfg.model), shape[0], shape[1])


def build_model(cfg: Config) -> torch.nn.Module:
    """The segmentor with random weights, in eval mode, on the CPU."""
    model = revert_sync_batchnorm(init_model(cfg))
    if getattr(model, 'auxiliary_head', None) is not None:
        model.auxiliary_head = None  # not used at inference
    return model


def normalised_input(model: torch.nn.Module,
                     shape: Tuple[int, int, int]) -> torch.Tensor:
    """A random image through the model's data preprocessor, (1, C, H, W)."""
    image = torch.rand(shape, generator=torch.Generator().manual_seed(0))
    sample = SegDataSample(
        metainfo=dict(
            img_shape=shape[1:], ori_shape=shape[1:], pad_shape=shape[1:]))
    data = model.data_preprocessor(
        dict(inputs=[image * 255], data_samples=[sample]), False)
    return data['inputs']


def format_count(value: float) -> str:
    """E.g. 1.23G, 45.6M, 7.89K."""
    for unit, scale in (('T', 1e12), ('G', 1e9), ('M', 1e6), ('K', 1e3)):
        if abs(value) >= scale:
            return f'{value / scale:.3g}{unit}'
    return f'{value:.3g}'


def print_report(config: str, inputs: torch.Tensor,
                 result: Complexity) -> None:
    """Print the table, the totals and what is not counted."""
    _, channels, height, width = inputs.shape
    print('Per module (#flops = multiply-adds, attention included):')
    print(result.table)
    line = '=' * 72
    print(line)
    print(f'Config: {config}')
    print(f'Input shape: 1x{channels}x{height}x{width} (B x C x H x W; C: '
          f'RGB + auxiliary)')
    print(f'Flops: {format_count(result.macs)} multiply-adds '
          f'(MACs: one fused multiply-add counted as one "flop", '
          f'mmengine/fvcore convention; x2 = '
          f'{format_count(2 * result.macs)} FLOPs)')
    print(f'Params: {format_count(result.params)} '
          f'(learnable {format_count(result.learnable_params)})')
    print(f'Total MACs: {result.macs}')
    print(f'Total params: {result.params}')
    print(f'Learnable params: {result.learnable_params}')
    print('MACs by operator:')
    for name, value in result.macs_by_operator.most_common():
        print(f'  {name}: {value} ({100 * value / result.macs:.1f}%)')
    attention = result.macs_by_operator.get(SDPA_OP.split('::')[-1], 0)
    print(f'Attention ({SDPA_OP}, handle added by this tool): '
          f'{format_count(attention)} MACs, included in the total')
    uncounted = ', '.join(f'{op} (x{n})'
                          for op, n in sorted(result.uncounted_ops.items()))
    print(f'Not counted (no handle; element-wise): {uncounted or "none"}; '
          f'nor the softmax / scaling inside attention, the final resize '
          f'of the logits to the image size, the data preprocessor')
    print(line)


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    shape = input_shape(cfg, args.shape)
    model = build_model(cfg)
    inputs = normalised_input(model, shape)
    with torch.no_grad():
        result = measure_complexity(model, (inputs, ), args.max_depth)
    print_report(args.config, inputs, result)


if __name__ == '__main__':
    main()
