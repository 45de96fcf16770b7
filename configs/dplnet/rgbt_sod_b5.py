# DPLNet: frozen SegFormer MiT-B5 (ADE20K) + dual prompts, RGB-T salient
# object detection, "without special design": the segmentation model with a
# one-channel sigmoid saliency output.
#
# Training: VT5000-Train (2,500 images), 224x224 input, random flip,
# BCE + soft IoU, Adam lr 1e-4 constant, batch 10, 20 epochs = 5,000
# iterations (LSNet's protocol, whose test sets DPLNet's tables share; the
# paper does not give its own), AMP; validation on VT5000-Test, the
# best-MAE checkpoint kept. Test: every set of `test_sets` (VT821, VT1000,
# VT5000) in one run, 224x224 input, the saliency map resized (bilinear) to
# each GT's original size and scored there with pysodmetrics; `--out DIR`
# writes DIR/<SET>/<name>.png 8-bit maps; `--tta` averages the
# probabilities of flips and scales 0.75-1.25.
_base_ = [
    '../_base_/models/dplnet_mit-b5_sod.py', '../_base_/datasets/rgbt_sod.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adam_sod.py'
]
max_iters = 5000
interval = 500
model = dict(data_preprocessor=_base_.data_preprocessor)
train_dataloader = dict(batch_size=10)
train_cfg = dict(max_iters=max_iters, val_interval=interval)
default_hooks = dict(checkpoint=dict(interval=interval))
