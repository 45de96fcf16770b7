"""Write the full, self-contained checkpoint of a prompt-only one.

    python tools/model_converters/prompt2full.py CONFIG SRC DST \
        [--encoder FILE] [--cfg-options ...]

For tools that expect one file. The frozen encoder is built from its
pretrained file (``--encoder``, else the config's ``init_cfg``, else the
file SRC recorded) once its sha256 is the recorded one; DST holds every
tensor of the model and SRC's other entries (optimizer, schedulers, message
hub, meta without the prompt-only record).
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.runner.checkpoint import _load_checkpoint

from mmseg_dplnet.apis import init_model
from mmseg_dplnet.apis.inference import drop_pretrained_weights
from mmseg_dplnet.models.weights.prompt_only import (
    RECORD_KEY, PromptOnlyCheckpointError, complete_prompt_only,
    is_prompt_only)
from mmseg_dplnet.utils import add_cfg_options_argument, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Prompt-only checkpoint -> full checkpoint')
    parser.add_argument('config', help='the config the model was trained '
                        'with')
    parser.add_argument('src', help='prompt-only checkpoint')
    parser.add_argument('dst', help='full checkpoint to write')
    parser.add_argument(
        '--encoder',
        help='the frozen encoder\'s pretrained file (default: the '
        'config\'s init_cfg, else the one SRC recorded)')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    model = init_model(cfg)
    checkpoint = _load_checkpoint(args.src, map_location='cpu')
    if not is_prompt_only(checkpoint):
        raise SystemExit(f'{args.src} is not prompt-only (no '
                         f"meta['{RECORD_KEY}'] record)")
    record = checkpoint['meta'][RECORD_KEY]
    encoder_file = args.encoder or drop_pretrained_weights(cfg).get(
        record['module'])
    try:
        complete_prompt_only(model, checkpoint, encoder_file, args.src)
    except PromptOnlyCheckpointError as error:
        raise SystemExit(str(error)) from error
    checkpoint['meta'] = {
        k: v for k, v in checkpoint['meta'].items() if k != RECORD_KEY}
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(checkpoint, args.dst)
    print(f'{args.dst}: {len(checkpoint["state_dict"])} tensors '
          f'({osp.getsize(args.dst) / 2**20:.1f} MiB), the frozen encoder '
          f'from {encoder_file or record["checkpoint"]}')


if __name__ == '__main__':
    main()
