# DPLNet: frozen SegFormer MiT-B5 (ADE20K) + dual prompts, MFNet (RGB-T, 9
# classes, "unlabeled" counted).
#
# The NYUv2 recipe on MFNet's 784 training images (480x640): random scale
# 0.5-2.0, crop 480x640, flip, colour jitter on RGB only (never thermal);
# 500 epochs at a batch of 32 = 12,250 iterations (4 GPUs x 8 images), SGD
# lr 0.04, momentum 0.9, weight decay 5e-4, poly 0.9, AMP; plain
# cross-entropy over all 9 classes. Validation on val.txt, test on test.txt
# (test_day.txt / test_night.txt: --cfg-options
# test_dataloader.dataset.split=test_night).
_base_ = [
    '../_base_/models/dplnet_mit-b5.py', '../_base_/datasets/mfnet.py',
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_poly_12k.py'
]
max_iters = 12250
interval = 1225
model = dict(
    data_preprocessor=_base_.data_preprocessor,
    decode_head=dict(num_classes=9))
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
