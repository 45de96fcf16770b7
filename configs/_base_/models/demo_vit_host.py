# The small plain ViT host of `make demo HOST=vit`, written once for both
# stages: stage 1 trains it (configs/demo/vit_rgb_synthetic.py), stage 2
# freezes it under dual prompts (configs/demo/dplnet_vit_synthetic.py), so
# the two must agree. 128 wide, 6 blocks, patch 8 (15 x 20 tokens at
# 120 x 160); blocks 1, 3 and 5 go through mmseg's MultiLevelNeck to a
# stride 4 / 8 / 16 pyramid of `neck_channels`.
vit_arch = dict(
    embed_dims=128, num_layers=6, num_heads=4, feedforward_channels=512)
vit_img_size = (120, 160)
vit_patch_size = 8
vit_out_indices = (1, 3, 5)
neck_channels = 32
neck = dict(
    type='MultiLevelNeck',
    in_channels=[vit_arch['embed_dims']] * len(vit_out_indices),
    out_channels=neck_channels,
    scales=[2, 1, 0.5])
