# DPLNet: frozen SegFormer MiT-B5 (ADE20K) + dual prompts, SUN RGB-D (37
# classes, RGB-D).
#
# The NYUv2 recipe, scaled to SUN RGB-D's 5285 training images of varying
# size: images fitted into 640x480, random scale 0.5-2.0, crop 480x480
# (as CMX / DFormer), flip, RGB-only colour jitter; 200 epochs at a batch of
# 32 = 33,031 iterations (4 GPUs x 8 images), SGD lr 0.04, momentum 0.9,
# weight decay 5e-4, poly 0.9, AMP; plain cross-entropy ("unlabeled" = 0 is
# ignored). Test on the fitted image; for full-resolution sliding-window
# inference: --cfg-options model.test_cfg.mode=slide
# model.test_cfg.crop_size="(480,480)" model.test_cfg.stride="(320,320)".
_base_ = [
    '../_base_/models/dplnet_mit-b5.py', '../_base_/datasets/sunrgbd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_poly_12k.py'
]
max_iters = 33031
interval = 3300
model = dict(
    data_preprocessor=_base_.data_preprocessor,
    decode_head=dict(num_classes=37))
train_dataloader = dict(batch_size=8)
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
