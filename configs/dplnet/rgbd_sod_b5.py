# DPLNet: frozen SegFormer MiT-B5 (ADE20K) + dual prompts, RGB-D salient
# object detection, "without special design": the segmentation model with a
# one-channel sigmoid saliency output.
#
# Training: NJU2K-train + NLPR-train (2,185 images), 224x224 input, random
# flip, BCE + soft IoU, Adam lr 1e-4 constant, batch 10, 20 epochs = 4,370
# iterations (LSNet's protocol, whose test sets DPLNet's tables share; the
# paper does not give its own), AMP; validation on NJU2K, the best-MAE
# checkpoint kept. Test: every set of `test_sets` (NJU2K, NLPR, DES, SIP,
# LFSD) in one run, 224x224 input, the saliency map resized (bilinear) to
# each GT's original size and scored there with pysodmetrics (S-measure,
# max / mean / adaptive F (beta^2 0.3) and E, weighted F, MAE); `--out DIR`
# writes DIR/<SET>/<name>.png 8-bit maps; `--tta` averages the
# probabilities of flips and scales 0.75-1.25.
_base_ = [
    '../_base_/models/dplnet_mit-b5_sod.py', '../_base_/datasets/rgbd_sod.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adam_sod.py'
]
model = dict(data_preprocessor=_base_.data_preprocessor)
train_dataloader = dict(batch_size=10)
