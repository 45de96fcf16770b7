# Stage 1 of `make demo`: a small stock mmseg SegFormer (MiT, 32 wide,
# 2-2-6-3 blocks) trained from scratch on the RGB images of the synthetic
# scenes alone. Its encoder becomes the frozen encoder of stage 2.
_base_ = [
    '../_base_/datasets/synthetic_rgbd.py', '../_base_/default_runtime.py'
]
# the stock RGB pipeline (mmseg's inference entry points run it as well)
rgb_pipeline = [
    dict(type='LoadImageFromFile'),  # BGR uint8
    dict(type='LoadAnnotations'),
]
train_dataloader = dict(
    dataset=dict(pipeline=rgb_pipeline + [
        dict(type='RandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='PackSegInputs')
    ]))
val_dataloader = dict(
    dataset=dict(pipeline=rgb_pipeline + [dict(type='PackSegInputs')]))
test_dataloader = val_dataloader
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=(120, 160)),
    backbone=dict(
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=32,
        num_stages=4,
        num_layers=[2, 2, 6, 3],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1),
    decode_head=dict(
        type='SegformerHead',
        in_channels=[32, 64, 160, 256],
        in_index=[0, 1, 2, 3],
        channels=128,
        dropout_ratio=0.1,
        num_classes=8,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            avg_non_ignore=True,
            loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999),
                   weight_decay=0.01))
max_iters = 600  # what `make demo` trains (run_demo.py reads it)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=50,
         end=max_iters)
]
train_cfg = dict(type='RGBXIterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
val_cfg = dict(type='RGBXValLoop')
test_cfg = dict(type='RGBXTestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=max_iters),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # --show-dir draws every test image (RGB | aux | GT | prediction)
    visualization=dict(type='RGBXSegVisualizationHook', interval=1))
randomness = dict(seed=0)
