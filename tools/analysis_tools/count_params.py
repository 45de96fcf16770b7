"""Count the parameters of a config's model: total, learnable, frozen.

    python tools/analysis_tools/count_params.py CONFIG [--cfg-options ...]

Prints one row per top-level module of the segmentor and per child of the
backbone, then the totals.
"""
import argparse
from typing import Iterable, List, Tuple

import torch.nn as nn
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS
from mmseg_dplnet.utils import add_cfg_options_argument, load_config

Row = Tuple[str, int, int]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Count total / learnable / frozen parameters')
    parser.add_argument('config', help='config file')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def count(params: Iterable[nn.Parameter]) -> Tuple[int, int]:
    """Return (total, learnable) element counts of ``params``."""
    total = learnable = 0
    for param in params:
        total += param.numel()
        learnable += param.numel() if param.requires_grad else 0
    return total, learnable


def parameter_rows(model: nn.Module) -> List[Row]:
    """Rows (name, total, learnable) per top-level module and backbone child.

    Args:
        model (nn.Module): A segmentor.

    Returns:
        list[tuple]: The rows, then ``('total', ...)``.
    """
    rows: List[Row] = []
    for name, module in model.named_children():
        rows.append((name, *count(module.parameters())))
        if name == 'backbone':
            for child_name, child in module.named_children():
                rows.append((f'  backbone.{child_name}',
                             *count(child.parameters(recurse=True))))
            own = list(module.parameters(recurse=False))
            if own:
                rows.append(('  backbone (own parameters)', *count(own)))
    rows.append(('total', *count(model.parameters())))
    return rows


def format_table(rows: List[Row]) -> str:
    """Render rows as a fixed-width table with a frozen column."""
    header = ('module', 'total', 'learnable', 'frozen')
    lines = [(name, f'{total:,}', f'{learnable:,}', f'{total - learnable:,}')
             for name, total, learnable in rows]
    widths = [max(len(row[i]) for row in [header] + lines) for i in range(4)]

    def fmt(row):
        return ' | '.join([row[0].ljust(widths[0])] +
                          [row[i].rjust(widths[i]) for i in range(1, 4)])

    rule = '-+-'.join('-' * w for w in widths)
    return '\n'.join([fmt(header), rule] + [fmt(r) for r in lines[:-1]] +
                     [rule, fmt(lines[-1])])


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    rows = parameter_rows(model)
    print(format_table(rows))
    total, learnable = rows[-1][1:]
    print(f'\nlearnable: {learnable / 1e6:.2f}M of {total / 1e6:.2f}M '
          f'({100 * learnable / total:.2f}%)')


if __name__ == '__main__':
    main()
