# DPLNet: frozen SegFormer MiT-B5 (ADE20K) + dual prompts, MVSeg (RGB-T
# video, 26 classes), frame by frame ("without special design": no
# temporal context, each labelled frame segmented on its own).
#
# The paper (57.9 mIoU) gives no MVSeg schedule or input size, so this is
# the NYUv2 recipe at MVSS's 320x480 working resolution: random scale
# 0.5-2.0 of 480x320, crop 320x480, flip, colour jitter 0.5 on RGB only;
# 12,422 iterations at a batch of 32 (4 GPUs x 8 frames), SGD lr 0.04,
# momentum 0.9, weight decay 5e-4, poly 0.9, AMP; plain cross-entropy over
# all 26 classes (label 255 = "Ground", as MVSS). Validation and test on
# test.txt (test_night.txt: --cfg-options
# test_dataloader.dataset.split=test_night), predictions scored at the
# labels' original size; `--tta`: scales 0.5-1.5 and flip. Two mIoUs are
# printed: mIoU (mmseg = MVSS runningScore) and mIoU_IouEval (MVSS
# IouEval: absent classes count as 1.0).
_base_ = [
    '../_base_/models/dplnet_mit-b5.py', '../_base_/datasets/mvseg.py',
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_poly_12k.py'
]
model = dict(
    data_preprocessor=_base_.data_preprocessor,
    decode_head=dict(num_classes=26))
