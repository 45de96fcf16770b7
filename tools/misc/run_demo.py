"""`make demo`: teach a frozen RGB-only host depth with dual prompts.

1. Render synthetic RGB-D scenes (if absent) in NYUv2's CMX layout.
2. Stage 1: train a small stock mmseg model on the RGB images alone, then
   test it.
3. Stage 2: DPLNet whose frozen encoder is stage 1's (loaded through the
   pretrained-weights path used for real checkpoints), training only the
   prompts and the head (and neck) on RGB + depth, then test it.
4. Write WORK_DIR/results.md (mIoU and per-class IoU from the test run's
   confusion-matrix metric, parameters, time) and WORK_DIR/predictions.png
   (RGB | depth | ground truth | RGB-only | DPLNet, drawn by the multimodal
   visualiser from the inferencers' predictions), and check the targets.

``--host`` (``make demo HOST=...``) chooses the frozen host:

- ``mit`` (default): a SegFormer MiT (configs/demo/segformer_rgb_synthetic.py
  -> configs/demo/dplnet_synthetic.py, DualPromptMiT), in work_dirs/demo.
- ``vit``: a plain mmpretrain VisionTransformer with mmseg's MultiLevelNeck
  (configs/demo/vit_rgb_synthetic.py -> configs/demo/dplnet_vit_synthetic.py,
  DualPromptViT), in work_dirs/demo_vit.

Every step runs the real tools (tools/train.py, tools/test.py) and APIs.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Tuple

import cv2
import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)

from mmseg.apis import MMSegInferencer  # noqa: E402
from mmseg.registry import DATASETS, MODELS  # noqa: E402
from mmseg_dplnet.apis import MultimodalSegInferencer  # noqa: E402
from mmseg_dplnet.evaluation import (class_iou, read_matrix_csv,  # noqa
                                     summary_metrics)
from mmseg_dplnet.synthetic import write_synthetic_nyuv2  # noqa: E402
from mmseg_dplnet.synthetic.demo_report import (StageResult,  # noqa: E402
                                                Targets, predictions_figure,
                                                results_markdown)


@dataclass(frozen=True)
class Host:
    """The two configs of one host and what the demo calls them."""
    stage1: str  # stock mmseg model, RGB only, trained from scratch
    stage2: str  # DPLNet on stage 1's frozen encoder, RGB + depth
    rgb_name: str  # figure column / results row of stage 1
    dplnet_name: str  # the same for stage 2
    work_dir: str


HOSTS = {
    'mit':
    Host('configs/demo/segformer_rgb_synthetic.py',
         'configs/demo/dplnet_synthetic.py', 'RGB-only SegFormer', 'DPLNet',
         'work_dirs/demo'),
    'vit':
    Host('configs/demo/vit_rgb_synthetic.py',
         'configs/demo/dplnet_vit_synthetic.py', 'RGB-only ViT',
         'DPLNet-ViT', 'work_dirs/demo_vit'),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Run the two-stage demo')
    parser.add_argument(
        '--host', choices=sorted(HOSTS), default='mit',
        help='the frozen host: mit = SegFormer MiT (DualPromptMiT), vit = '
        'mmpretrain VisionTransformer + MultiLevelNeck (DualPromptViT). '
        'Default: mit')
    parser.add_argument('--data-root', default='data/synthetic_rgbd')
    parser.add_argument(
        '--work-dir', help='default: work_dirs/demo (mit), '
        'work_dirs/demo_vit (vit)')
    parser.add_argument('--num-train', type=int, default=300)
    parser.add_argument('--num-test', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--size', type=int, nargs=2, default=[120, 160],
                        metavar=('H', 'W'))
    parser.add_argument(
        '--stage1-iters', type=int,
        help="default: the stage 1 config's train_cfg.max_iters")
    parser.add_argument(
        '--stage2-iters', type=int,
        help="default: the stage 2 config's train_cfg.max_iters")
    parser.add_argument('--figure-rows', type=int, default=4)
    parser.add_argument('--max-minutes', type=float, default=10.)
    parser.add_argument('--min-gain', type=float, default=15.)
    parser.add_argument('--max-learnable', type=float, default=0.15)
    args = parser.parse_args()
    host = HOSTS[args.host]
    if args.work_dir is None:
        args.work_dir = host.work_dir
    for stage in ('stage1', 'stage2'):
        if getattr(args, f'{stage}_iters') is None:
            config = Config.fromfile(getattr(host, stage))
            setattr(args, f'{stage}_iters', config.train_cfg.max_iters)
    return args


def say(message: str) -> None:
    print(f'[demo] {message}', flush=True)


def ensure_dataset(args: argparse.Namespace) -> str:
    """Render the scenes unless the same ones are already there."""
    manifest = dict(num_train=args.num_train, num_test=args.num_test,
                    seed=args.seed, size=list(args.size))
    manifest_file = osp.join(args.data_root, 'demo_manifest.json')
    if osp.isfile(manifest_file):
        with open(manifest_file) as f:
            if json.load(f) == manifest:
                say(f'synthetic scenes already in {args.data_root}')
                return manifest_file
    say(f'rendering {args.num_train} + {args.num_test} synthetic RGB-D '
        f'scenes into {args.data_root}')
    write_synthetic_nyuv2(args.data_root, args.num_train, args.num_test,
                          seed=args.seed, size=tuple(args.size))
    with open(manifest_file, 'w') as f:
        json.dump(manifest, f)
    return manifest_file


def run_tool(args: List[str], log_file: str, total_iters: int = 0) -> str:
    """Run a tool, show its progress, keep its output in ``log_file``."""
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    os.makedirs(osp.dirname(log_file), exist_ok=True)
    lines = []
    with open(log_file, 'w') as log:
        process = subprocess.Popen([sys.executable] + args, cwd=REPO_ROOT,
                                   env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        for line in process.stdout:
            log.write(line)
            lines.append(line)
            if 'Iter(train)' in line and total_iters:
                step = line.split('Iter(train) [')[1].split(']')[0]
                loss = line.split('loss: ')[1].split()[0] \
                    if 'loss: ' in line else '?'
                say(f'  iteration {step.strip()}  loss {loss}')
            elif 'mIoU:' in line and 'Iter(test)' in line:
                say('  ' + line.split(' - ')[-1].strip())
        if process.wait() != 0:
            sys.stdout.write(''.join(lines[-40:]))
            sys.exit(f'[demo] {args[0]} failed; full log: {log_file}')
    return ''.join(lines)


def config_with(config: str, options: List[str]) -> Config:
    """Load ``config`` with ``key=value`` options, as --cfg-options does."""
    cfg = Config.fromfile(config)
    cfg.merge_from_dict({
        key: DictAction._parse_iterable(value)
        for key, value in (option.split('=', 1) for option in options)
    })
    return cfg


def count_parameters(cfg: Config) -> Tuple[int, int]:
    """(learnable, total) of a config's model (built without weights)."""
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    params = list(model.parameters())
    return (sum(p.numel() for p in params if p.requires_grad),
            sum(p.numel() for p in params))


def evaluate(test_dir: str) -> Tuple[float, Dict[str, float]]:
    """mIoU and per-class IoU of the latest ``tools/test.py`` run in
    ``test_dir``, from the ``confusion_matrix.csv`` its ConfusionMatrixMetric
    wrote (a rerun of the demo leaves the earlier runs' folders, named by
    their start time, beside it)."""
    path = max(glob.glob(osp.join(test_dir, '*', 'confusion_matrix.csv')))
    classes, matrix = read_matrix_csv(path)
    ious = 100 * class_iou(matrix)
    return summary_metrics(matrix)['mIoU'], dict(zip(classes, ious.tolist()))


def run_stage(name: str, config: str, iters: int, work_dir: str,
              options: List[str]) -> StageResult:
    """Train and test one stage through the real tools."""
    stage_dir = osp.join(work_dir, osp.splitext(osp.basename(config))[0])
    checkpoint = osp.join(stage_dir, f'iter_{iters}.pth')
    warmup = min(50, max(1, iters // 4))  # linear warm-up, then poly
    schedule = [
        f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
        f'param_scheduler.0.end={warmup}', f'param_scheduler.1.begin={warmup}',
        f'param_scheduler.1.end={iters}',
        f'default_hooks.checkpoint.interval={iters}'
    ]
    start = time.time()
    say(f'{name}: training {iters} iterations ({config})')
    run_tool(['tools/train.py', config, '--work-dir', stage_dir,
              '--cfg-options'] + schedule + options,
             osp.join(stage_dir, 'train.log'), total_iters=iters)
    say(f'{name}: testing {checkpoint}')
    test_dir = osp.join(stage_dir, 'test')
    run_tool(['tools/test.py', config, checkpoint, '--work-dir', test_dir,
              '--cfg-options'] + options, osp.join(stage_dir, 'test.log'))
    miou, ious = evaluate(test_dir)
    learnable, total = count_parameters(config_with(config, options))
    say(f'{name}: mIoU {miou:.1f}, {learnable / 1e6:.2f}M of '
        f'{total / 1e6:.2f}M parameters trained')
    return StageResult(name, config, checkpoint, miou, ious, learnable, total,
                       time.time() - start)


def figure(stages: List[Tuple[StageResult, Config]], rows: int,
           host: Host) -> np.ndarray:
    """The predictions figure of the first ``rows`` test images showing at
    least 6 classes: stage 1 predicts from RGB (mmseg's inferencer), stage 2
    from RGB + depth (ours); the multimodal visualiser draws the panels."""
    (stage1, cfg1), (stage2, cfg2) = stages
    dataset = DATASETS.build(cfg2.test_dataloader.dataset)
    chosen = [i for i in range(len(dataset))
              if len(np.unique(dataset[i]['data_samples'].gt_sem_seg.data))
              >= 6][:rows] or list(range(min(rows, len(dataset))))
    samples = [dataset[i]['data_samples'] for i in chosen]
    rgb_only = MMSegInferencer(cfg1, stage1.checkpoint, device='cpu')
    dplnet = MultimodalSegInferencer(cfg2, stage2.checkpoint, device='cpu')
    predictions = {
        host.rgb_name:
        rgb_only([s.img_path for s in samples], return_datasamples=True),
        f'{host.dplnet_name} (RGB-D)':
        dplnet([(s.img_path, s.aux_path) for s in samples],
               return_datasamples=True)
    }
    images = [cv2.imread(s.img_path)[..., ::-1] for s in samples]
    return predictions_figure(dplnet.visualizer, images, samples, {
        title: [p.pred_sem_seg for p in preds]
        for title, preds in predictions.items()
    })


def main() -> None:
    args = parse_args()
    host = HOSTS[args.host]
    start = time.time()
    init_default_scope('mmseg')
    work_dir = args.work_dir
    os.makedirs(work_dir, exist_ok=True)
    ensure_dataset(args)
    data = [f'train_dataloader.dataset.data_root={args.data_root}',
            f'val_dataloader.dataset.data_root={args.data_root}',
            f'test_dataloader.dataset.data_root={args.data_root}',
            f'model.data_preprocessor.size=({args.size[0]},{args.size[1]})']
    stage1 = run_stage(f'{host.rgb_name} (stage 1)', host.stage1,
                       args.stage1_iters, work_dir, data)
    stage2_options = data + [
        f'model.backbone.init_cfg.checkpoint={stage1.checkpoint}']
    stage2 = run_stage(f'{host.dplnet_name} RGB-D (stage 2)', host.stage2,
                       args.stage2_iters, work_dir, stage2_options)

    figure_file = osp.join(work_dir, 'predictions.png')
    drawn = figure([(stage1, config_with(host.stage1, data)),
                    (stage2, config_with(host.stage2, stage2_options))],
                   args.figure_rows, host)
    cv2.imwrite(figure_file, drawn[..., ::-1])
    targets = Targets(
        max_seconds=60 * args.max_minutes, min_gain=args.min_gain,
        max_learnable_fraction=args.max_learnable,
        seconds=time.time() - start, gain=stage2.miou - stage1.miou,
        learnable_fraction=stage2.learnable / stage2.total)
    note = (f'Synthetic RGB-D scenes ({args.num_train} train / '
            f'{args.num_test} test, {args.size[0]}x{args.size[1]}, seed '
            f'{args.seed}); test images are never trained on. Set-up time '
            'is not included.')
    results_file = osp.join(work_dir, 'results.md')
    with open(results_file, 'w') as f:
        f.write(results_markdown([stage1, stage2], list(stage1.class_iou),
                                 targets, note))
    say(f'wrote {results_file} and {figure_file}')
    for line in targets.lines():
        say(line)


if __name__ == '__main__':
    main()
