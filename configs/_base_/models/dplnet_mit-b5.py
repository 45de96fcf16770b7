# DPLNet with a frozen SegFormer MiT-B5 (Dong et al., IROS 2024): the
# RGB encoder comes from NVlabs' ADE20K SegFormer-B5 checkpoint and stays
# frozen; the multimodal prompt generator, the prompt tokens / prompt
# attention and the all-MLP decoder learn (7.15M of 88.58M parameters).
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    # RGB in 0..255 with ImageNet statistics, every auxiliary channel in
    # [0, 1] with mean 0.449 / std 0.226 (the paper's normalisation). The
    # recipes merge in their dataset's `data_preprocessor` (modality, size).
    data_preprocessor=dict(
        type='RGBXDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        aux_mean=0.449,
        aux_std=0.226,
        pad_val=0,
        seg_pad_val=255),
    backbone=dict(
        type='DualPromptMiT',
        arch='b5',
        # 3: a single-channel modality (depth, thermal) is replicated, HHA
        # taken as it is (the paper's); 1: a single channel embedded as is
        aux_channels=3,
        num_prompt_tokens=30,
        prompt_dims=32,
        prompt_ratio=32,
        drop_path_rate=0.1,
        frozen_eval=False,
        with_cp=False,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrained/segformer.b5.640x640.ade.160k.pth')),
    decode_head=dict(
        type='DPLNetHead',
        in_channels=[64, 128, 320, 512],
        in_index=[0, 1, 2, 3],
        embed_dims=768,
        channels=150,
        dropout_ratio=0.5,
        num_classes=40,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            avg_non_ignore=True,
            loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
