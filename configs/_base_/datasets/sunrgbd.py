# SUN RGB-D 37-class RGB-D dataset settings (5285 train / 5050 test images).
#
# Images come from four sensors and vary in size (427x561 to 531x730), so
# both phases first bring them to the NYUv2 scale: keep-ratio resize to fit
# 640x480 (long side <= 640, short side <= 480). Train: random scale 0.5-2.0
# of that, random crop 480x480 (the SUN RGB-D crop of CMX / DFormer; padded
# by the data preprocessor when smaller), flip, colour jitter 0.5 on RGB
# only. Test: the fitted image (predictions are resized back to the original
# label size); TTA at scales 0.5-1.5 of the original with flips.
#
# One sample is ONE float32 image (H, W, 4): R, G, B in [0, 255], then depth
# in [0, 1] (replicated to 3 channels by the model). `data_root` holds
# DFormer's layout (RGB/, Depth/, labels/, train.txt, test.txt), see
# data/README.md. Depth is 8-bit by default; 16-bit millimetres are set on
# the datasets as in nyuv2.py (dict(aux_bit_depth=16)), 1-channel depth on
# the model (model = dict(backbone=dict(aux_channels=1))).
dataset_type = 'SUNRGBDSegDataset'
data_root = 'data/sunrgbd'
crop_size = (480, 480)  # (h, w)

# The model's modality, stated once (the datasets of the train / val / test
# loops follow it; model = dict(data_preprocessor=dict(aux_modality=...))
# switches it), and its input size. The recipes merge this into the model's
# data preprocessor, which holds the paper's normalisation.
data_preprocessor = dict(
    type='RGBXDataPreProcessor', aux_modality='depth', size=crop_size)

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
        scale=(640, 480),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RGBColorJitter', brightness=0.5, contrast=0.5, saturation=0.5),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='Resize', scale=(640, 480), keep_ratio=True),
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
