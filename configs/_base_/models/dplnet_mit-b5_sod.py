# DPLNet for salient object detection: the segmentation model unchanged
# (frozen MiT-B5 + dual prompts, all-MLP decoder) with a one-channel
# saliency output, mmseg's binary mode (num_classes=2, out_channels=1: the
# sigmoid of the logit is the saliency probability, thresholded at 0.5 for
# pred_sem_seg). Loss: BCE + soft IoU on the logits (LSNet's IOUBCE on one
# scale).
_base_ = ['./dplnet_mit-b5.py']
model = dict(
    decode_head=dict(
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        loss_decode=[
            dict(
                type='CrossEntropyLoss',
                use_sigmoid=True,
                loss_name='loss_bce',
                loss_weight=1.0),
            dict(type='SoftIoULoss', loss_weight=1.0)
        ]))
