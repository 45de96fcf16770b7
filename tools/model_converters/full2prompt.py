"""Write the prompt-only checkpoint of a full one.

    python tools/model_converters/full2prompt.py CONFIG SRC DST \
        [--encoder FILE] [--cfg-options ...]

DST holds what learned (every tensor outside the frozen encoder), SRC's
other entries (optimizer, schedulers, message hub, meta) as they are, and a
record of the frozen encoder: its pretrained file (``--encoder``, else the
config's ``model.backbone.init_cfg.checkpoint``) and that file's sha256.
SRC's frozen tensors must be exactly those the file gives (checked), so
``prompt2full.py`` gives SRC back bit for bit.
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.runner.checkpoint import _load_checkpoint

from mmseg_dplnet.apis import init_model
from mmseg_dplnet.apis.inference import drop_pretrained_weights
from mmseg_dplnet.models.weights.prompt_only import (
    PromptOnlyCheckpointError, check_frozen_from_file, encoder_module_name,
    frozen_state_keys, is_prompt_only, to_prompt_only)
from mmseg_dplnet.utils import add_cfg_options_argument, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Full checkpoint -> prompt-only checkpoint')
    parser.add_argument('config', help='the config the model was trained '
                        'with')
    parser.add_argument('src', help='full checkpoint')
    parser.add_argument('dst', help='prompt-only checkpoint to write')
    parser.add_argument(
        '--encoder',
        help='the frozen encoder\'s pretrained file (default: the '
        'config\'s init_cfg)')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    model = init_model(cfg)
    name = encoder_module_name(model)
    encoder_file = args.encoder or drop_pretrained_weights(cfg).get(name)
    if not encoder_file:
        raise SystemExit(
            f'{args.config} names no pretrained file for the frozen '
            f'{name} (init_cfg); give it with --encoder FILE')
    checkpoint = _load_checkpoint(args.src, map_location='cpu')
    if is_prompt_only(checkpoint):
        raise SystemExit(f'{args.src} is prompt-only already')
    if 'state_dict' not in checkpoint:  # a bare state dict
        checkpoint = dict(state_dict=checkpoint)
    state_dict = checkpoint['state_dict']
    try:
        check_frozen_from_file(
            model, encoder_file,
            {k: state_dict[k] for k in frozen_state_keys(model)
             if k in state_dict}, args.src)
        prompt_only = to_prompt_only(model, checkpoint, encoder_file,
                                     args.src)
    except PromptOnlyCheckpointError as error:
        raise SystemExit(str(error)) from error
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(prompt_only, args.dst)
    record = prompt_only['meta']['prompt_only']
    print(f'{args.dst}: {len(prompt_only["state_dict"])} learnable tensors '
          f'({osp.getsize(args.dst) / 2**20:.1f} MiB; {args.src}: '
          f'{osp.getsize(args.src) / 2**20:.1f} MiB) on the frozen encoder '
          f'{encoder_file} (sha256 {record["sha256"]})')


if __name__ == '__main__':
    main()
