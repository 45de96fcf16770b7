"""Plot the training curves of a work dir (loss, lr, mIoU, ...).

    python tools/analysis_tools/plot_training_curves.py WORK_DIR \
        [--keys loss mIoU] [--out curves.png] [--title TITLE]

Reads the scalars the runner logs with ``LocalVisBackend``:
``WORK_DIR/<timestamp>/vis_data/scalars.json``, one JSON object per line
with ``step`` (the training iteration) and the values (``loss``,
``decode.loss_ce``, ``decode.acc_seg``, ``lr``, ... on train lines, every
``default_hooks.logger.interval`` iterations; ``mIoU``, ``aAcc``,
``mAcc`` on validation lines, at the iteration after which validation
ran). WORK_DIR may also be one ``<timestamp>`` folder or a
``scalars.json`` file.

Several runs (e.g. a training resumed with ``--resume``) are joined in
time order; a later run replaces the points an earlier one logged from
its first step on (iterations run again after the resume appear once), and
each later run's start is marked by a dotted line.

One subplot per key, against the iteration; validation metrics are drawn
with markers. Default keys: ``loss`` and ``mIoU`` (those logged); a key
given with ``--keys`` that no run logged is an error listing the logged
ones. Written with matplotlib's Agg backend (no display needed).
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mmseg_dplnet.evaluation.scalar_logs import (Series, collect_series,
                                                 find_scalar_logs, logged_keys,
                                                 read_scalar_log)

DEFAULT_KEYS = ('loss', 'mIoU')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot logged scalars (loss, lr, mIoU, ...) of a work dir '
        'against the iteration')
    parser.add_argument(
        'work_dir',
        help='work dir of tools/train.py (or one <timestamp> folder, or a '
        'scalars.json file)')
    parser.add_argument(
        '--keys',
        nargs='+',
        help=f'logged keys to plot, one subplot each (default: '
        f'{" ".join(DEFAULT_KEYS)}, those logged)')
    parser.add_argument(
        '--out', help='PNG to write (default: WORK_DIR/training_curves.png)')
    parser.add_argument('--title', help='figure title')
    parser.add_argument(
        '--dpi', type=int, default=100, help='resolution of the PNG')
    return parser.parse_args()


def choose_keys(requested: Optional[Sequence[str]],
                available: Sequence[str]) -> List[str]:
    """The keys to plot; exits with a message naming the logged keys when a
    requested one was never logged."""
    if requested:
        missing = [key for key in requested if key not in available]
        if missing:
            sys.exit(f'key(s) {", ".join(missing)} not logged; logged keys: '
                     f'{", ".join(available)}')
        return list(requested)
    keys = [key for key in DEFAULT_KEYS if key in available]
    if not keys:
        sys.exit(f'none of the default keys {", ".join(DEFAULT_KEYS)} is '
                 f'logged; choose with --keys among: {", ".join(available)}')
    return keys


def plot_series(series: Dict[str, Series], run_starts: Sequence[int],
                path: str, title: str, dpi: int) -> None:
    """One subplot per key against the step, saved to ``path``.

    Args:
        series (dict): key -> (steps, values, run ids).
        run_starts (Sequence[int]): First steps of the resumed runs, drawn
            as dotted lines.
        path (str): The PNG.
        title (str): Figure title.
        dpi (int): Resolution.
    """
    fig = Figure(figsize=(8, 2.8 * len(series) + 0.6), dpi=dpi)
    FigureCanvasAgg(fig)  # drawn by Agg: files only, no display
    axes = fig.subplots(len(series), 1, sharex=True, squeeze=False)
    for ax, (key, (steps, values, _, is_val)) in zip(axes[:, 0],
                                                     series.items()):
        ax.plot(
            steps,
            values,
            marker='o' if is_val else None,
            markersize=4,
            linewidth=1.2,
            color='tab:orange' if is_val else 'tab:blue',
            label=f'{key} ({"val" if is_val else "train"})')
        for index, start in enumerate(run_starts):
            ax.axvline(
                start,
                color='grey',
                linestyle=':',
                linewidth=1,
                label='resumed run' if index == 0 else None)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend(loc='best', fontsize=8)
    axes[-1, 0].set_xlabel('iteration')
    axes[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)


def main() -> None:
    args = parse_args()
    try:
        paths = find_scalar_logs(args.work_dir)
    except FileNotFoundError as error:
        sys.exit(str(error))
    runs = [read_scalar_log(path) for path in paths]
    keys = choose_keys(args.keys, logged_keys(runs))
    series = collect_series(runs, keys)
    run_starts = [records[0]['step'] for records in runs[1:] if records]
    out = args.out or osp.join(
        args.work_dir if osp.isdir(args.work_dir) else osp.dirname(
            args.work_dir), 'training_curves.png')
    title = args.title or osp.basename(osp.abspath(args.work_dir))
    plot_series(series, run_starts, out, title, args.dpi)

    print(f'Read {len(paths)} run(s): ' + ', '.join(
        osp.relpath(path, args.work_dir) if osp.isdir(args.work_dir) else path
        for path in paths))
    for key, (steps, values, _, is_val) in series.items():
        print(f'{key} ({"val" if is_val else "train"}): {len(steps)} '
              f'points, iterations {steps[0]}..'
              f'{steps[-1]}, first {values[0]:.4g}, last {values[-1]:.4g}, '
              f'min {min(values):.4g}, max {max(values):.4g}')
    print(f'Saved {out}')


if __name__ == '__main__':
    main()
