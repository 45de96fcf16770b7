# DPLNet: frozen SegFormer MiT-B5 (ADE20K) + dual prompts, NYUv2-40 (RGB-D).
#
# The official recipe (ShaohuaDong2021/DPLNet, nyuv2.json): 500 epochs of
# the 795 training images at a batch of 32 = 12,422 iterations here
# (4 GPUs x 8 images; the official run used 1 GPU x 32: with 8 GPUs set
# train_dataloader.batch_size=4), SGD lr 0.04, momentum 0.9, weight decay
# 5e-4, poly decay (power 0.9), AMP. Data: random scale 0.5-2.0, crop
# 480x640, flip, colour jitter 0.5 on RGB only; test on the full 480x640
# image (`--tta`: scales 0.5-1.5 and flip). Loss: cross-entropy with the
# official ENet-style class weights of the 40 classes ("unlabeled" = 0 is
# ignored, as its weight 0 does officially). Only 7.15M of 88.58M parameters
# learn. Weights: pretrained/segformer.b5.640x640.ade.160k.pth (NVlabs).
_base_ = [
    '../_base_/models/dplnet_mit-b5.py', '../_base_/datasets/nyuv2.py',
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_poly_12k.py'
]
# official ENet weights of NYUv2's classes 1..40 (DPLNet nyuv2.py, the
# weights in effect when its train.py builds the loss)
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
model = dict(
    data_preprocessor=_base_.data_preprocessor,
    decode_head=dict(
        num_classes=40,
        loss_decode=dict(
            _delete_=True,
            type='ClassWeightedCrossEntropyLoss',
            class_weight=nyuv2_class_weight,
            loss_weight=1.0)))
train_dataloader = dict(batch_size=8)
