# DPLNet's dual prompts on a frozen Swin-B (mmseg's, window 12, 384x384,
# ImageNet-22k), NYUv2-40 (RGB-D).
#
# The NYUv2 recipe of nyuv2_b5.py (SGD lr 0.04, poly, 12,422 iterations at
# a total batch of 32 = 4 GPUs x 8, AMP; scale 0.5-2.0, crop 480x640, flip,
# colour jitter; class-weighted cross-entropy; `--tta`: scales 0.5-1.5 and
# flip) with the SegFormer MiT-B5 replaced by DualPromptSwin: each of the
# frozen Swin-B's 4 stages gets an MPG prompt at its entry and every one of
# its 24 (shifted) window attentions the MFA prompt branch; its 4 stage
# maps (stride 4 / 8 / 16 / 32, 128 / 256 / 512 / 1024 channels) go to
# DPLNet's all-MLP head as the MiT's do. The prompt output layers start at
# zero, so training starts from the pretrained Swin's features. Only
# 10,327,422 (10.33M) of 97,207,798 (97.21M) parameters learn: 6.37M
# prompts (MPG 3.81M: embeddings 2.76M, adapters 1.05M; MFA 2.55M; the 30
# tokens), 3.96M head; the Swin-B's 86.88M are frozen (its stage output
# norms, which the classification checkpoint lacks, stay plain LayerNorms).
# Weights (not shipped; mmseg's conversion of Microsoft's file, as mmseg's
# upernet_swin configs load it):
#   pretrained/swin_base_patch4_window12_384_22k_20220317-e5c09f74.pth
#   (https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/swin/
#    swin_base_patch4_window12_384_22k_20220317-e5c09f74.pth)
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
        type='DualPromptSwin',
        # embed_dims 128, depths 2-2-18-2, heads 4-8-16-32
        arch=dict(
            embed_dims=128, depths=[2, 2, 18, 2], num_heads=[4, 8, 16, 32]),
        pretrain_img_size=384,
        window_size=12,
        patch_size=4,
        out_indices=(0, 1, 2, 3),
        # 3: depth replicated to 3 channels (the paper's); 1: as it is
        aux_channels=3,
        num_prompt_tokens=30,
        prompt_dims=32,
        prompt_ratio=16,  # 2 channels per head at every stage
        zero_init_prompts=True,
        frozen_eval=True,
        drop_path_rate=0.3,  # off while frozen_eval keeps the Swin in eval
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrained/'
            'swin_base_patch4_window12_384_22k_20220317-e5c09f74.pth')),
    decode_head=dict(
        type='DPLNetHead',
        in_channels=[128, 256, 512, 1024],
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
