# RGB-D salient object detection: train on NJU2K-train + NLPR-train (2,185
# images), test on every set of `test_sets` in one run.
#
# LSNet's protocol (whose test sets DPLNet's table shares): the image
# resized to 224x224 (aspect ratio not kept), random flip; test on the
# 224x224 image, the ground truth kept at its original size (loaded after
# Resize) so that the saliency map is scored there; TTA at 0.75, 1.0 and
# 1.25 of 224 with flips. Validation on NJU2K.
#
# One sample is ONE float32 image (H, W, 4): R, G, B in [0, 255], then the
# 8-bit depth map in [0, 1] (nearer = darker, as the packages distribute
# it). Ground truths are binarised with value > 128 (pysodmetrics' rule) to
# 0 background / 1 salient. `data_root` holds the SPNet / BBS-Net packaging
# (TrainDataset/, TestDataset/<SET>/ with {RGB,depth,GT}) or one folder per
# set (CAVER's <SET>/{Image,Depth,Mask}, NJUD_FULL/ and NLPR_FULL/ with its
# name lists): see data/README.md and RGBDSODDataset.
dataset_type = 'RGBDSODDataset'
data_root = 'data/rgbd_sod'
crop_size = (224, 224)  # (h, w): LSNet's input size

# the model's modality and input size (see configs/_base_/datasets/mfnet.py)
data_preprocessor = dict(
    type='RGBXDataPreProcessor', aux_modality='depth', size=crop_size)

# set_name: the test set of each sample, by which SODMetric groups them
meta_keys = ('img_path', 'seg_map_path', 'aux_path', 'aux_modality',
             'set_name', 'ori_shape', 'img_shape', 'pad_shape',
             'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label')
train_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='LoadSaliencyMask'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    # the mask is loaded after Resize: it stays at its original size
    dict(type='LoadSaliencyMask'),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
img_ratios = [0.75, 1.0, 1.25]
tta_pipeline = [
    dict(type='LoadRGBXImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(
                    type='Resize',
                    scale=(round(224 * r), round(224 * r)),
                    keep_ratio=False) for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='LoadSaliencyMask')],
            [dict(type='PackSegInputs', meta_keys=meta_keys)],
        ])
]
# averages the views' probabilities (mmseg's SegTTAModel would apply the
# sigmoid twice and keep one view's map)
tta_model = dict(type='BinarySegTTAModel')

# The test sets of DPLNet's RGB-D table, in its order; any set of
# RGBDSODDataset works (also STERE, SSD, DUT-RGBD). A child config replaces
# the sets with
#   test_dataloader = dict(dataset=dict(datasets=[
#       dict(_base_.test_set, split=name) for name in ['SIP', 'STERE']]))
test_sets = ['NJU2K', 'NLPR', 'DES', 'SIP', 'LFSD']
test_set = dict(
    type=dataset_type, data_root=data_root, pipeline=test_pipeline)

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
# The packaging with one folder per set (CAVER) has no combined training
# folder; train on the training parts of the sets instead (add
# 'DUT-RGBD-train' for the 2,985-image protocol):
#   train_dataloader = dict(dataset=per_set_train_dataset)
per_set_train_dataset = dict(
    type='ConcatDataset',
    datasets=[
        dict(
            type=dataset_type,
            data_root=data_root,
            split=name,
            pipeline=train_pipeline)
        for name in ['NJU2K-train', 'NLPR-train']
    ])
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(test_set, split='NJU2K'))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[dict(test_set, split=name) for name in test_sets]))

# S-measure, max / mean / adaptive F and E, weighted F, MAE per set
val_evaluator = dict(type='SODMetric')
test_evaluator = val_evaluator
