"""Test (and evaluate) a segmentor: mmseg's ``tools/test.py``, with its own
command line and config handling, and four differences:

1. the runner is built from the config's ``runner_type`` (as mmseg's
   ``train.py`` does; its ``test.py`` always builds mmengine's ``Runner``),
   so that a distributed test on a machine without CUDA runs with gloo
   (``PortableRunner``);
2. ``--out`` also works with a list of test metrics (e.g. ``IoUMetric`` and
   ``ConfusionMatrixMetric``): it goes to the list's metrics that write
   predictions (``IoUMetric``, ``MVSSIoUMetric``: label PNGs; ``SODMetric``:
   8-bit saliency maps as ``DIR/<SET>/<GT name>.png``);
3. ``mmseg_dplnet`` is imported first, so that a config may inherit an
   installed recipe by its package path (``mmseg_dplnet::dplnet/...``);
4. ``--amp`` tests in mixed precision (``test_cfg.fp16``, mmengine's test
   loop switch): AMP on CUDA, bf16 autocast on a CPU that has bf16, fp32
   with a log line on another CPU (see ``mmseg_dplnet.utils.cpu_bf16``).

``--tta`` and ``--show-dir`` are mmseg's; what makes testing work for RGB-X
configs is in the configs' components (loops, hook, visualiser), which
mmseg's script uses too. ``python tools/test.py -h`` lists the options.

Examples:
    python tools/test.py configs/dplnet/nyuv2_b5.py CKPT
    python tools/test.py configs/dplnet/nyuv2_b5.py CKPT --tta
    python tools/test.py configs/dplnet/nyuv2_b5.py CKPT --amp
"""
import argparse
import os.path as osp
import runpy
import sys

from mmengine.config import Config
from mmengine.runner import Runner

from mmseg.registry import RUNNERS
from mmseg_dplnet.utils import mmseg_tool_script  # imports the package (3.)

#: mmseg's script, whose functions are used (its ``main`` is not run)
MMSEG_TEST = runpy.run_path(mmseg_tool_script('test.py'))
#: Test metrics that write the predictions to ``--out``
PREDICTION_METRICS = ('IoUMetric', 'MVSSIoUMetric', 'SODMetric')


def parse_args() -> argparse.Namespace:
    """mmseg's arguments, plus ``--amp`` (4.)."""
    ours = argparse.ArgumentParser(add_help=False)
    ours.add_argument('--amp', action='store_true',
                      help='mixed precision (bf16 on a CPU that has it)')
    known, rest = ours.parse_known_args()
    if '-h' in rest or '--help' in rest:
        ours.print_help()
    sys.argv[1:] = rest
    args = MMSEG_TEST['parse_args']()
    args.amp = known.amp
    return args


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.amp:  # 4.
        cfg.test_cfg = dict(cfg.get('test_cfg') or dict(), fp16=True)
    if args.show or args.show_dir:
        cfg = MMSEG_TEST['trigger_visualization_hook'](cfg, args)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:  # 2.
        metrics = cfg.test_evaluator
        for metric in metrics if isinstance(metrics, list) else [metrics]:
            if not isinstance(metrics, list) or metric.get(
                    'type') in PREDICTION_METRICS:
                metric['output_dir'] = args.out
                metric['keep_results'] = True
    runner = (  # 1.
        RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg))
    runner.test()


if __name__ == '__main__':
    main()
