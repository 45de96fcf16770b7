"""Test (and evaluate) a segmentor (mmseg's ``tools/test.py`` command line;
runs on CPU-only machines too).

Examples:
    python tools/test.py configs/dplnet/nyuv2_b5.py CKPT
    python tools/test.py configs/dplnet/nyuv2_b5.py CKPT --tta
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

import mmseg_dplnet  # noqa: F401  (registers modules, safe checkpoint loading)
from mmseg_dplnet.utils import (add_cfg_options_argument, configure_launcher,
                                load_config, shut_down_distributed)


def parse_args() -> argparse.Namespace:
    """Parse the command line, the same as mmseg's ``tools/test.py``."""
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='where the evaluation metrics are dumped as json')
    parser.add_argument(
        '--out', help='directory to save the predictions for offline use')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where the painted images (RGB | auxiliary | ground '
        'truth | prediction) are saved')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    add_cfg_options_argument(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='test-time augmentation: the config\'s tta_pipeline (scales '
        'and flip) merged by tta_model')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def drop_training_parts(cfg: Config) -> None:
    """Testing needs no training set, loop, optimizer or schedule.

    Without them the runner never builds the training dataset (mmseg's
    visualization hook asks for ``runner.iter``, which would build the train
    loop), so a checkpoint tests with only the test set present.
    """
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):
        cfg[key] = None


def enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    """Turn on the visualization hook for ``--show`` / ``--show-dir``."""
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise RuntimeError(
            '--show/--show-dir need default_hooks.visualization, e.g. '
            "visualization=dict(type='SegVisualizationHook')")
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir


def enable_tta(cfg: Config) -> None:
    """Replace the test pipeline and model with their TTA versions."""
    if 'tta_pipeline' not in cfg or 'tta_model' not in cfg:
        raise RuntimeError('--tta needs tta_pipeline and tta_model in the '
                           'config (see configs/_base_/datasets/)')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    drop_training_parts(cfg)
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.tta:
        enable_tta(cfg)
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    configure_launcher(cfg, args.launcher)

    runner = Runner.from_cfg(cfg)
    runner.test()
    del runner  # frees the process group's users before shutting it down
    shut_down_distributed()


if __name__ == '__main__':
    main()
