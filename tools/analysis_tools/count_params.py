"""Total / learnable / frozen parameters of a config's segmentor, per module.

    python tools/analysis_tools/count_params.py CONFIG [--cfg-options ...]

Rows: each top-level module, and each child of the backbone (the frozen
encoder's parts and the prompt parts). mmengine's parameter counter (used
by ``get_flops.py``) does not tell learnable from frozen parameters, which
is the point of DPLNet.
"""
import argparse
from typing import List, Tuple

import torch.nn as nn

from mmseg_dplnet.apis import init_model
from mmseg_dplnet.utils import add_cfg_options_argument, load_config

Row = Tuple[str, int, int]


def count(module: nn.Module, recurse: bool = True) -> Tuple[int, int]:
    """(total, learnable) parameter counts of ``module``."""
    params = list(module.parameters(recurse=recurse))
    return (sum(p.numel() for p in params),
            sum(p.numel() for p in params if p.requires_grad))


def parameter_rows(model: nn.Module) -> List[Row]:
    """Rows (name, total, learnable): top-level modules, the backbone's
    children, then ``total``."""
    rows: List[Row] = []
    for name, module in model.named_children():
        rows.append((name, *count(module)))
        if name == 'backbone':
            rows += [(f'  backbone.{child_name}', *count(child))
                     for child_name, child in module.named_children()]
            if count(module, recurse=False)[0]:
                rows.append(('  backbone (own parameters)',
                             *count(module, recurse=False)))
    return rows + [('total', *count(model))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    add_cfg_options_argument(parser)
    args = parser.parse_args()
    model = init_model(load_config(args.config, args.cfg_options))
    counts = parameter_rows(model)
    rows = [('module', 'total', 'learnable', 'frozen')] + [
        (name, f'{total:,}', f'{learnable:,}', f'{total - learnable:,}')
        for name, total, learnable in counts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        ' | '.join([row[0].ljust(widths[0])] +
                   [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])])
        for row in rows
    ]
    rule = '-+-'.join('-' * w for w in widths)
    print('\n'.join([lines[0], rule] + lines[1:-1] + [rule, lines[-1]]))
    total, learnable = counts[-1][1:]
    print(f'\nlearnable: {learnable / 1e6:.2f}M of {total / 1e6:.2f}M '
          f'({100 * learnable / total:.2f}%)')


if __name__ == '__main__':
    main()
