# MVSeg RGB-T video segmentation (MVSS-Baseline release: 738 videos, 3,545
# labelled frames, 26 classes), segmented frame by frame.
#
# MVSS's working resolution 320x480: random scale 0.5-2.0 of 480x320,
# random crop 320x480, flip, colour jitter 0.5 on RGB only (never on
# thermal); test on the frame resized to 320x480, the prediction scored at
# the label's original size (MVSS's default scores at 320x480 with labels
# resized by nearest neighbour; its --use-orig-res at the original size, as
# here); TTA at scales 0.5-1.5 with flips. MVSS validates during training on
# the test split, as here; test_night is a split too.
#
# One sample is ONE labelled frame as ONE float32 image (H, W, 4): R, G, B
# in [0, 255], then the 8-bit infrared frame in [0, 1] (replicated to 3
# channels by the model). All 26 classes are counted, Background included;
# label value 255 becomes class 25 "Ground" as in MVSS
# (dataset label_255='ignore' ignores it instead). The video name and frame
# number reach data_sample.metainfo. `data_root` is the MVSeg_Dataset folder
# (train.txt, test.txt, data/<video>/{visible,infrared,label}), see
# data/README.md.
dataset_type = 'MVSegDataset'
data_root = 'data/mvseg'
crop_size = (320, 480)  # (h, w): MVSS's working resolution

# the model's modality and input size (see configs/_base_/datasets/mfnet.py)
data_preprocessor = dict(
    type='RGBXDataPreProcessor', aux_modality='thermal', size=crop_size)

meta_keys = ('img_path', 'seg_map_path', 'aux_path', 'aux_modality',
             'video', 'frame_index', 'ori_shape', 'img_shape', 'pad_shape',
             'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label')
train_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(
        type='RandomResize',
        scale=(480, 320),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RGBColorJitter', brightness=0.5, contrast=0.5, saturation=0.5),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='Resize', scale=(480, 320), keep_ratio=True),
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

# mIoU (mmseg's = MVSS runningScore) and mIoU_IouEval (MVSS IouEval, absent
# classes as 1.0), both printed
val_evaluator = dict(type='MVSSIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
