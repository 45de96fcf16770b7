"""Train a segmentor with mmengine's runner (mmseg's ``tools/train.py``
command line; runs on CPU-only machines too).

Example:
    python tools/train.py configs/dplnet/nyuv2_b5.py --amp
"""
import argparse
import logging
import os
import os.path as osp

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmseg_dplnet  # noqa: F401  (registers modules, safe checkpoint loading)
from mmseg.registry import RUNNERS
from mmseg_dplnet.utils import (add_cfg_options_argument, configure_launcher,
                                fall_back_to_fp32_without_cuda, load_config,
                                shut_down_distributed)


def parse_args() -> argparse.Namespace:
    """Parse the command line, the same as mmseg's ``tools/train.py``."""
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='resume from the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic mixed precision training')
    add_cfg_options_argument(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch>=2.0)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_amp(cfg: Config) -> None:
    """Switch the config's ``OptimWrapper`` to ``AmpOptimWrapper``."""
    wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper_type == 'AmpOptimWrapper':
        print_log(
            'AMP training is already enabled in your config.',
            logger='current',
            level=logging.WARNING)
        return
    if wrapper_type != 'OptimWrapper':
        raise ValueError('--amp needs optim_wrapper.type "OptimWrapper", '
                         f'got "{wrapper_type}"')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    # work_dir: command line > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        enable_amp(cfg)
    fall_back_to_fp32_without_cuda(cfg)
    cfg.resume = args.resume
    configure_launcher(cfg, args.launcher)

    runner = (
        Runner.from_cfg(cfg)
        if 'runner_type' not in cfg else RUNNERS.build(cfg))
    runner.train()
    del runner  # frees the process group's users before shutting it down
    shut_down_distributed()


if __name__ == '__main__':
    main()
