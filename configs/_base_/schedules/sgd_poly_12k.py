# The official DPLNet recipe: SGD (lr 0.04, momentum 0.9, weight decay
# 5e-4) with poly decay (power 0.9). 12,422 iterations = 500 epochs of
# NYUv2's 795 training images at a total batch of 32. Only learnable
# parameters reach the optimizer. On a GPU, mixed precision (AMP); the
# runner falls back to fp32 on a machine without CUDA.
optimizer = dict(type='SGD', lr=0.04, momentum=0.9, weight_decay=5e-4)
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=optimizer,
    clip_grad=None,
    constructor='LearnableOnlyOptimWrapperConstructor')
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        end=12422,
        by_epoch=False)
]
# mmengine's loops, whose datasets take the model's modality
train_cfg = dict(
    type='RGBXIterBasedTrainLoop', max_iters=12422, val_interval=1250)
val_cfg = dict(type='RGBXValLoop')
test_cfg = dict(type='RGBXTestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # mmengine's CheckpointHook; prompt_only=True saves what learned and a
    # record (path, sha256) of the frozen encoder's pretrained file
    checkpoint=dict(
        type='PromptCheckpointHook',
        prompt_only=False,
        by_epoch=False,
        interval=1250,
        max_keep_ckpts=3,
        save_best='mIoU',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # --show-dir draws every test image (RGB | aux | GT | prediction)
    visualization=dict(type='RGBXSegVisualizationHook', interval=1))
