"""Show what the model sees: samples after a config's train pipeline.

    python tools/analysis_tools/browse_dataset.py CONFIG [--output-dir DIR] \
        [--not-show] [--show-interval 2] [--num 20] [--split train|val|test] \
        [--seed 0] [--cfg-options ...]

Each drawing is augmented RGB | augmented auxiliary modality | label,
drawn by the config's ``MultimodalSegLocalVisualizer`` from the packed,
stacked image (scale, crop, flip and RGB-only jitter as in training). The
dataset takes the model's modality, as in training. mmseg's own
``browse_dataset.py`` swaps the first three channels of the image (BGR to
RGB), which misreads a stacked RGB-X sample.
"""
import argparse
import os.path as osp

from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed

from mmseg.registry import DATASETS, VISUALIZERS
from mmseg_dplnet.utils import (add_cfg_options_argument, apply_aux_modality,
                                load_config, model_aux_modality)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--output-dir', help='save the drawings there')
    parser.add_argument('--not-show', action='store_true',
                        help='do not display the drawings')
    parser.add_argument('--show-interval', type=float, default=2,
                        help='seconds each drawing is displayed')
    parser.add_argument('--num', type=int, help='samples drawn (all if unset)')
    parser.add_argument('--split', choices=['train', 'val', 'test'],
                        default='train', help='whose dataloader')
    parser.add_argument('--seed', type=int,
                        help='seed of the random transforms (reproducible)')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.not_show and not args.output_dir:
        raise SystemExit('--not-show without --output-dir draws nothing')
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if args.seed is not None:
        set_random_seed(args.seed)
    name = f'{args.split}_dataloader'
    dataset_cfg = cfg[name].dataset
    apply_aux_modality(dataset_cfg, model_aux_modality(cfg.model),
                       f'{name}.dataset')
    dataset = DATASETS.build(dataset_cfg)
    visualizer = VISUALIZERS.build(cfg.visualizer)
    visualizer.dataset_meta = dataset.metainfo
    count = len(dataset) if args.num is None else min(args.num, len(dataset))
    for index in range(count):
        item = dataset[index]
        sample = item['data_samples']
        stacked = item['inputs'].permute(1, 2, 0).numpy()
        stem = osp.splitext(osp.basename(sample.img_path))[0]
        out_file = (
            osp.join(args.output_dir, f'{index:05d}_{stem}.png')
            if args.output_dir else None)
        visualizer.add_datasample(
            stem,
            stacked,
            sample,
            draw_pred=False,
            show=not args.not_show,
            wait_time=args.show_interval,
            out_file=out_file)
        print(f'{index + 1}/{count} {sample.img_path}'
              + (f' -> {out_file}' if out_file else ''), flush=True)


if __name__ == '__main__':
    main()
