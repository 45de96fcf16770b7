# Stage 2 of `make demo HOST=vit`: DPLNet's dual prompts on a frozen plain
# ViT. The host is stage 1's mmpretrain VisionTransformer
# (vit_rgb_synthetic.py), loaded by DualPromptViT from the `backbone.` keys
# of stage 1's runner checkpoint and frozen; an MPG prompt enters before
# blocks 0, 2 and 4 and the MFA prompt branch works in every block. The
# prompts, mmseg's MultiLevelNeck and DPLNet's head learn (neck and head
# start fresh), on RGB + 16-bit depth. (`make demo HOST=vit` points
# init_cfg.checkpoint at stage 1's final checkpoint.)
_base_ = ['./dplnet_synthetic.py', '../_base_/models/demo_vit_host.py']
custom_imports = dict(
    imports=['mmseg_dplnet', 'mmpretrain.models'],
    allow_failed_imports=False)
stage1_checkpoint = 'work_dirs/demo_vit/vit_rgb_synthetic/iter_500.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='DualPromptViT',
        arch={{_base_.vit_arch}},
        img_size={{_base_.vit_img_size}},
        patch_size={{_base_.vit_patch_size}},
        out_indices={{_base_.vit_out_indices}},
        drop_rate=0.0,
        drop_path_rate=0.1,  # off while frozen_eval keeps the ViT in eval
        aux_channels=3,
        prompt_stages=(0, 2, 4),
        num_prompt_tokens=30,
        prompt_dims=32,
        prompt_ratio=32,
        zero_init_prompts=True,
        frozen_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=stage1_checkpoint)),
    neck={{_base_.neck}},
    decode_head=dict(
        in_channels=[{{_base_.neck_channels}}] * 3,
        in_index=[0, 1, 2],
        embed_dims=64,
        channels=64))
# the demo's schedule for this host (run_demo.py trains max_iters)
max_iters = 600
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=50,
         end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
