# Stage 1 of `make demo HOST=vit`: a stock mmseg EncoderDecoder whose
# backbone is a small stock mmpretrain VisionTransformer (128 wide, 6 blocks,
# patch 8: 15 x 20 tokens at 120 x 160), trained from scratch on the RGB
# images of the synthetic scenes alone. Blocks 1, 3 and 5 go through mmseg's
# MultiLevelNeck to a stride 4 / 8 / 16 pyramid and a stock SegformerHead.
# Its ViT becomes the frozen host of stage 2 (dplnet_vit_synthetic.py).
# Data, pipeline, schedule and runtime are stage 1 of the MiT demo's.
_base_ = ['./segformer_rgb_synthetic.py', '../_base_/models/demo_vit_host.py']
# `mmpretrain.VisionTransformer` is found in mmpretrain's registry through
# its scope; importing mmpretrain.models registers it for tools/train.py,
# tools/test.py and mmseg's inferencer alike
custom_imports = dict(
    imports=['mmseg_dplnet', 'mmpretrain.models'],
    allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch={{_base_.vit_arch}},
        img_size={{_base_.vit_img_size}},
        patch_size={{_base_.vit_patch_size}},
        out_indices={{_base_.vit_out_indices}},
        out_type='featmap',
        drop_rate=0.0,
        drop_path_rate=0.1),
    neck={{_base_.neck}},
    decode_head=dict(
        in_channels=[{{_base_.neck_channels}}] * 3,
        in_index=[0, 1, 2],
        channels=64))
# the demo's schedule for this host (run_demo.py trains max_iters)
max_iters = 500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=50,
         end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
