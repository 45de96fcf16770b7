# PST900 RGB-T dataset settings (597 train / 288 test images, 720x1280).
#
# Protocol as for NYUv2 / MFNet at PST900's resolution: random scale 0.5-2.0
# of 1280x720, random crop 720x1280 (the full image; padded by the data
# preprocessor when smaller), flip, colour jitter 0.5 on RGB only; test on
# the full 720x1280 image; TTA at scales 0.5-1.5 with flips.
#
# One sample is ONE float32 image (H, W, 4): R, G, B in [0, 255], then the
# 8-bit registered thermal image (thermal/) in [0, 1] (replicated to 3
# channels by the model). `data_root` holds the official layout
# ({train,test}/{rgb,thermal,labels}/), see data/README.md. All 5 classes,
# background included, are counted. The 16-bit thermal_raw/ images:
# dict(aux_bit_depth=16, aux_min_value=..., aux_max_value=...) on the
# datasets as in nyuv2.py (the default range is the full 0..65535).
# 1-channel thermal: model = dict(backbone=dict(aux_channels=1)).
dataset_type = 'PST900Dataset'
data_root = 'data/pst900'
crop_size = (720, 1280)  # (h, w): the full PST900 image

# The model's modality, stated once (the datasets of the train / val / test
# loops follow it; model = dict(data_preprocessor=dict(aux_modality=...))
# switches it), and its input size. The recipes merge this into the model's
# data preprocessor, which holds the paper's normalisation.
data_preprocessor = dict(
    type='RGBXDataPreProcessor', aux_modality='thermal', size=crop_size)

# the modality and its file reach data_sample.metainfo (checked by the data
# preprocessor, drawn by the visualiser)
meta_keys = ('img_path', 'seg_map_path', 'aux_path', 'aux_modality',
             'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
             'flip_direction', 'reduce_zero_label')
train_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(
        type='RandomResize',
        scale=(1280, 720),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RGBColorJitter', brightness=0.5, contrast=0.5, saturation=0.5),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='Resize', scale=(1280, 720), keep_ratio=True),
    # labels are loaded after Resize: they stay at the original size
    dict(type='LoadCheckedAnnotations'),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5]
tta_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='Resize', scale_factor=r, keep_ratio=True)
                for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='LoadCheckedAnnotations')],
            [dict(type='PackSegInputs', meta_keys=meta_keys)],
        ])
]
tta_model = dict(type='SegTTAModel')

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
