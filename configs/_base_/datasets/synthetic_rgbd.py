# The synthetic RGB-D scenes of `make demo`, written by
# tools/dataset_converters/make_synthetic_rgbd.py in NYUv2's SA-Gate / CMX
# layout: RGB/*.jpg, Depth/*.png in 16-bit millimetres, Label/*.png with
# NYUv2-40 ids, 120x160 images. Depth is read as metres clipped at 6 m
# (no scene is deeper), then scaled to [0, 1]. The 8 classes present are selected through
# `metainfo` (mmseg maps their NYUv2 ids to 0..7; 0 = unlabeled is
# ignored). Boxes, pictures and windows look alike in RGB, as do floor mats
# and cabinets: only depth tells them apart.
dataset_type = 'NYUv2SegDataset'
data_root = 'data/synthetic_rgbd'
metainfo = dict(
    classes=('wall', 'floor', 'box', 'picture', 'window', 'floor mat',
             'cabinet', 'lamp'),
    palette=[[174, 199, 232], [152, 223, 138], [214, 39, 40],
             [255, 187, 120], [31, 119, 180], [148, 103, 189],
             [140, 86, 75], [255, 215, 0]])
crop_size = (120, 160)
# The model's modality, stated once (the datasets of the train / val / test
# loops follow it; model = dict(data_preprocessor=dict(aux_modality=...))
# switches it), and its input size. The recipes merge this into the model's
# data preprocessor, which holds the paper's normalisation.
data_preprocessor = dict(
    type='RGBXDataPreProcessor', aux_modality='depth', size=crop_size)
meta_keys = ('img_path', 'seg_map_path', 'aux_path', 'aux_modality',
             'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
             'flip_direction', 'reduce_zero_label')
train_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RGBColorJitter', brightness=0.3, contrast=0.3, saturation=0.3),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        aux_bit_depth=16,
        aux_max_value=6.0,
        metainfo=metainfo,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        aux_bit_depth=16,
        aux_max_value=6.0,
        metainfo=metainfo,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
# the test run also writes confusion_matrix.csv / .png and class_iou.png
# into its log folder (read by `make demo` for the per-class IoU)
test_evaluator = [val_evaluator, dict(type='ConfusionMatrixMetric')]
