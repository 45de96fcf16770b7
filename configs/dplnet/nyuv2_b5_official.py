# Evaluate the official DPLNet NYUv2 checkpoint (DPLNet's Google Drive),
# converted for mmseg (40 classes, "unlabeled" dropped):
#   python tools/model_converters/dplnet2mmseg.py DPLNet_NYUv2.pth \
#       pretrained/dplnet_b5_nyuv2_official.pth
#   python tools/test.py configs/dplnet/nyuv2_b5_official.py \
#       pretrained/dplnet_b5_nyuv2_official.pth [--tta]
# The paper reports 58.3 (single scale) / 59.3 (--tta) mIoU.
_base_ = ['./nyuv2_b5.py']
# every weight comes from the converted checkpoint
model = dict(backbone=dict(init_cfg=None))
