# DPLNet: frozen SegFormer MiT-B5 (ADE20K) + dual prompts, PST900 (RGB-T, 5
# classes, background counted).
#
# The NYUv2 recipe at PST900's 720x1280: random scale 0.5-2.0, crop
# 720x1280 (the full image), flip, RGB-only colour jitter; 500 epochs of the
# 597 training images at a batch of 16 = 18,656 iterations (8 GPUs x 2
# images: the frozen B5 needs little memory, but full-HD crops do), SGD lr
# 0.04, momentum 0.9, weight decay 5e-4, poly 0.9, AMP; plain cross-entropy
# over all 5 classes. Test on the full image; sliding-window inference:
# --cfg-options model.test_cfg.mode=slide
# model.test_cfg.crop_size="(720,720)" model.test_cfg.stride="(480,480)".
_base_ = [
    '../_base_/models/dplnet_mit-b5.py', '../_base_/datasets/pst900.py',
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_poly_12k.py'
]
max_iters = 18656
interval = 1866
model = dict(
    data_preprocessor=_base_.data_preprocessor,
    decode_head=dict(num_classes=5))
train_dataloader = dict(batch_size=2)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=interval)
default_hooks = dict(checkpoint=dict(interval=interval))
