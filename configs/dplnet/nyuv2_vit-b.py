# DPLNet's dual prompts on a frozen plain ViT-B/16 (mmpretrain's DeiT-B,
# ImageNet-1k), NYUv2-40 (RGB-D).
#
# The NYUv2 recipe of nyuv2_b5.py (SGD lr 0.04, poly, 12,422 iterations at
# a total batch of 32 = 4 GPUs x 8, AMP; scale 0.5-2.0, crop 480x640, flip,
# colour jitter; class-weighted cross-entropy; `--tta`: scales 0.5-1.5 and
# flip) with the SegFormer MiT-B5 replaced by DualPromptViT: the frozen
# ViT-B/16 gets an MPG prompt before blocks 0, 3, 6 and 9 and the MFA
# prompt branch in every block; blocks 2, 5, 8 and 11 (stride 16) become a
# stride 4 / 8 / 16 / 32 pyramid through mmseg's MultiLevelNeck, then
# DPLNet's all-MLP head. The prompt output layers start at zero, so
# training starts from the pretrained ViT's features. Only 10.29M of
# 96.86M parameters learn: 3.87M prompts (MPG 2.36M, MFA 1.50M, tokens),
# 3.15M neck (768 -> 256 channels), 3.27M head; the ViT-B's 86.57M are
# frozen.
# Weights (not shipped; the 197-token pos_embed is resized to 30x40):
#   pretrained/deit-base_pt-16xb64_in1k_20220216-db63c16c.pth
#   (https://download.openmmlab.com/mmclassification/v0/deit/
#    deit-base_pt-16xb64_in1k_20220216-db63c16c.pth)
_base_ = [
    '../_base_/datasets/nyuv2.py', '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_poly_12k.py'
]
# official ENet weights of NYUv2's classes 1..40, as in nyuv2_b5.py
nyuv2_class_weight = [
    5.17995767, 12.47921102, 13.79726557, 18.47574439, 19.97749822,
    21.10995738, 25.86733191, 27.50483598, 27.35425244, 25.12185149,
    27.04617447, 30.0332327, 29.30994935, 34.72009825, 33.66136128,
    34.28715586, 32.69376342, 33.71574286, 37.0865665, 39.70731054,
    38.60681717, 36.37894266, 40.12142316, 39.71753044, 39.27177794,
    43.44761984, 42.96761184, 43.98874667, 43.43148409, 43.29897719,
    45.88895515, 44.31838311, 44.18898992, 42.93723439, 44.61617778,
    47.12778303, 46.21331253, 27.69259756, 25.89111664, 15.65148615
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    # the paper's normalisation (see configs/_base_/models/dplnet_mit-b5.py)
    # with the dataset's modality and size
    data_preprocessor=dict(
        type='RGBXDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        aux_mean=0.449,
        aux_std=0.226,
        pad_val=0,
        seg_pad_val=255,
        aux_modality=_base_.data_preprocessor.aux_modality,
        size=_base_.data_preprocessor.size),
    backbone=dict(
        type='DualPromptViT',
        arch='base',  # = mmpretrain's 'deit-base'
        patch_size=16,
        img_size=(480, 640),
        out_indices=(2, 5, 8, 11),
        # 3: depth replicated to 3 channels (the paper's); 1: as it is
        aux_channels=3,
        prompt_stages=(0, 3, 6, 9),
        num_prompt_tokens=30,
        prompt_dims=32,
        prompt_ratio=32,
        zero_init_prompts=True,
        frozen_eval=True,
        drop_path_rate=0.1,  # off while frozen_eval keeps the ViT in eval
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrained/'
            'deit-base_pt-16xb64_in1k_20220216-db63c16c.pth')),
    neck=dict(
        type='MultiLevelNeck',
        in_channels=[768, 768, 768, 768],
        out_channels=256,
        scales=[4, 2, 1, 0.5]),
    decode_head=dict(
        type='DPLNetHead',
        in_channels=[256, 256, 256, 256],
        in_index=[0, 1, 2, 3],
        embed_dims=768,
        channels=150,
        dropout_ratio=0.5,
        num_classes=40,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='ClassWeightedCrossEntropyLoss',
            class_weight=nyuv2_class_weight,
            loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(batch_size=8)
