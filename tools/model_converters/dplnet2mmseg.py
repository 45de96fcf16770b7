"""Convert the official DPLNet checkpoint for mmseg-dplnet.

    python tools/model_converters/dplnet2mmseg.py SRC DST [--keep-unlabeled]

SRC is the official file (a bare ``DPLNet().state_dict()``). DST loads
strictly into ``configs/dplnet/nyuv2_b5.py`` (40 classes: the official
output channel 0, "unlabeled", is dropped, which matches mmseg's
``reduce_zero_label`` evaluation) or, with ``--keep-unlabeled``, into the
same model with ``num_classes=41``. The pretrained SegFormer head that the
official model carries but never uses (``rgb.head.*``) is dropped.

With ``--prompt-only ENCODER`` DST is a prompt-only checkpoint: the learnable
tensors and a record of ENCODER (the SegFormer file the official model's
frozen encoder came from, e.g. ``segformer.b5.640x640.ade.160k.pth``) with
its sha256; the official file's frozen tensors must be exactly those ENCODER
gives (checked).
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.registry import init_default_scope

import mmseg_dplnet  # noqa: F401  (registers the models)
from mmseg.registry import MODELS
from mmseg_dplnet.models import MIT_ARCHS
from mmseg_dplnet.models.weights import (OfficialCheckpointError,
                                         convert_official_dplnet,
                                         extract_state_dict)
from mmseg_dplnet.models.weights.official_dplnet import (check_complete,
                                                         infer_official_arch)
from mmseg_dplnet.models.weights.prompt_only import (
    PromptOnlyCheckpointError, check_frozen_from_file, frozen_state_keys,
    to_prompt_only)
from mmseg_dplnet.utils import load_local_checkpoint


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an official DPLNet checkpoint to mmseg-dplnet')
    parser.add_argument('src', help='official DPLNet checkpoint')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument(
        '--keep-unlabeled',
        action='store_true',
        help='keep output channel 0 ("unlabeled"): 41 classes')
    parser.add_argument(
        '--prompt-only',
        metavar='ENCODER',
        help='write a prompt-only checkpoint on the frozen encoder of this '
        'pretrained SegFormer file')
    return parser.parse_args()


def build_matching_segmentor(arch: dict, source: str) -> torch.nn.Module:
    """Build the EncoderDecoder that a converted checkpoint must fill.

    Args:
        arch (dict): What :func:`infer_official_arch` read off the file.
        source (str): The file, for error messages.

    Returns:
        nn.Module: The segmentor.
    """
    names = [
        name for name, setting in MIT_ARCHS.items()
        if setting['num_layers'] == arch['num_layers'] and
        setting['embed_dims'] == arch['embed_dims'][0]
    ]
    if not names or arch['num_classes'] is None or not arch['aux_channels']:
        raise OfficialCheckpointError(
            f'{source} is a partial DPLNet checkpoint: it has '
            f'{arch["num_layers"]} blocks per stage of widths '
            f'{arch["embed_dims"]}, which is no MiT size (b0..b5), or it '
            'lacks the prompt embedding or the classifier.')
    init_default_scope('mmseg')
    return MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=dict(
                type='DualPromptMiT',
                arch=names[0],
                aux_channels=arch['aux_channels']),
            decode_head=dict(
                type='DPLNetHead',
                in_channels=arch['embed_dims'],
                in_index=list(range(len(arch['embed_dims']))),
                num_classes=arch['num_classes'],
                norm_cfg=dict(type='BN'))))


def main() -> None:
    args = parse_args()
    state_dict = extract_state_dict(load_local_checkpoint(args.src), args.src)
    converted, dropped = convert_official_dplnet(
        state_dict, keep_unlabeled=args.keep_unlabeled, source=args.src)
    arch = infer_official_arch(converted)
    model = build_matching_segmentor(arch, args.src)
    check_complete(converted, model, args.src)
    checkpoint = dict(
        meta=dict(
            converted_from=osp.basename(args.src),
            num_classes=arch['num_classes'],
            keep_unlabeled=args.keep_unlabeled),
        state_dict=converted)
    if args.prompt_only:
        try:
            check_frozen_from_file(
                model, args.prompt_only,
                {k: converted[k] for k in frozen_state_keys(model)},
                args.src)
            checkpoint = to_prompt_only(model, checkpoint, args.prompt_only,
                                        args.src)
        except PromptOnlyCheckpointError as error:
            raise SystemExit(str(error)) from error
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(checkpoint, args.dst)
    kind = 'prompt-only ' if args.prompt_only else ''
    print(f'Converted {len(converted)} tensors ({arch["num_classes"]} '
          f'classes, dropped {len(dropped)} unused rgb.head.* tensors) to '
          f'the {kind}checkpoint {args.dst} '
          f'({len(checkpoint["state_dict"])} tensors)')


if __name__ == '__main__':
    main()
