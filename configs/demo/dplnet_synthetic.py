# Stage 2 of `make demo`: DPLNet on the synthetic RGB-D scenes. The frozen
# encoder is stage 1's RGB-only SegFormer encoder, loaded through the same
# pretrained-weights path as a real SegFormer checkpoint; only the dual
# prompts (MPG, prompt tokens, prompt attention) and the head learn, on RGB
# + 16-bit depth. (`make demo` points init_cfg.checkpoint at stage 1's
# final checkpoint.)
_base_ = [
    '../_base_/models/dplnet_mit-b5.py', '../_base_/datasets/synthetic_rgbd.py',
    '../_base_/default_runtime.py'
]
stage1_checkpoint = 'work_dirs/demo/segformer_rgb_synthetic/iter_600.pth'
model = dict(
    data_preprocessor=_base_.data_preprocessor,
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=32, num_layers=[2, 2, 6, 3]),
        # stage 1 is an mmseg MiT: its LayerNorms use eps 1e-6
        embed_norm_cfg=dict(type='LN', eps=1e-6),
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=stage1_checkpoint)),
    decode_head=dict(
        in_channels=[32, 64, 160, 256],
        embed_dims=128,
        channels=64,
        dropout_ratio=0.1,
        num_classes=8))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999),
                   weight_decay=0.01),
    constructor='LearnableOnlyOptimWrapperConstructor')
max_iters = 800  # what `make demo` trains (run_demo.py reads it)
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
    checkpoint=dict(type='PromptCheckpointHook', by_epoch=False,
                    interval=max_iters),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # --show-dir draws every test image (RGB | aux | GT | prediction)
    visualization=dict(type='RGBXSegVisualizationHook', interval=1))
randomness = dict(seed=0)
