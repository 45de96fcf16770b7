"""Stock mmcv / mmseg transforms on the stacked RGB-X image, TTA, jitter."""
import os.path as osp

import cv2
import mmcv
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose

import rgbx_fixtures as fx
from mmseg.registry import TRANSFORMS
from rgbx_testing import (build_dataset, build_preprocessor, expected_gt,
                          fit_pipeline, load_config, preprocess)

BLOCK = 8  # label blocks of 8x8 pixels
SIZE = (48, 64)
NUM_IDS = 9


def encode_rgb(ids: np.ndarray) -> np.ndarray:
    """R, G, B values that identify a class id (distinct per channel)."""
    ids = ids.astype(np.int64)
    return np.stack([20 * ids + 10, 250 - 20 * ids, (37 * ids + 3) % 256],
                    -1).astype(np.uint8)


def encode_aux(ids: np.ndarray) -> np.ndarray:
    return (25 * ids.astype(np.int64) + 5).astype(np.uint8)


@pytest.fixture
def block_sample(tmp_path):
    """Results of one RGB-T sample whose pixels all encode their label
    (``modality='hha'``: an RGB-HHA one, the three HHA channels equal)."""
    y, x = np.mgrid[:SIZE[0], :SIZE[1]]
    ids = ((y // BLOCK) * 5 + (x // BLOCK) * 2) % NUM_IDS
    paths = dict(
        img_path=str(tmp_path / 'rgb.png'),
        seg_map_path=str(tmp_path / 'label.png'))
    cv2.imwrite(paths['img_path'], encode_rgb(ids)[..., ::-1])
    cv2.imwrite(paths['seg_map_path'], ids.astype(np.uint8))
    aux_files = dict(
        thermal=str(tmp_path / 'thermal.png'), hha=str(tmp_path / 'hha.png'))
    cv2.imwrite(aux_files['thermal'], encode_aux(ids))
    cv2.imwrite(aux_files['hha'], np.repeat(encode_aux(ids)[..., None], 3, 2))

    def results(modality='thermal', **extra):
        return dict(
            paths,
            aux_path=aux_files[modality],
            aux_modality=modality,
            reduce_zero_label=False,
            label_map=None,
            label_num_classes=NUM_IDS,
            seg_fields=[],
            **extra)

    results.ids = ids
    return results


LOADING = [
    dict(type='LoadRGBXImageFromFile'),
    dict(type='LoadCheckedAnnotations')
]


def assert_pixels_encode_labels(img: np.ndarray,
                                gt: np.ndarray,
                                margin: int = 0,
                                atol: float = 0.) -> int:
    """Check RGB and aux of every pixel (away from label edges) against
    its label; returns the number of pixels checked."""
    mask = np.ones(gt.shape, bool)
    if margin:
        # pixels whose (2m+1)^2 neighbourhood has one label
        kernel = np.ones((2 * margin + 1, ) * 2, np.uint8)
        low = cv2.erode(gt.astype(np.uint8), kernel)
        high = cv2.dilate(gt.astype(np.uint8), kernel)
        mask = low == high
        # the neighbourhood outside a crop is unknown
        mask[:margin] = mask[-margin:] = False
        mask[:, :margin] = mask[:, -margin:] = False
    ids = gt[mask]
    np.testing.assert_allclose(img[..., :3][mask], encode_rgb(ids), atol=atol)
    aux = encode_aux(ids)[:, None] / 255.
    channels = img.shape[-1] - 3
    np.testing.assert_allclose(
        img[..., 3:][mask],
        np.repeat(aux, channels, 1),
        atol=atol / 255 + 1e-6)
    return int(mask.sum())


@pytest.mark.parametrize('direction', ['horizontal', 'vertical', 'diagonal'])
def test_crop_and_flip_keep_modalities_aligned(block_sample, direction):
    pipeline = Compose(LOADING + [
        dict(type='RandomCrop', crop_size=(20, 28)),
        dict(type='RandomFlip', prob=1., direction=direction),
    ])
    for seed in range(3):
        np.random.seed(seed)
        out = pipeline(block_sample())
        img, gt = out['img'], out['gt_seg_map']
        assert img.shape == (20, 28, 4) and img.dtype == np.float32
        assert out['flip'] and out['flip_direction'] == direction
        # every pixel, exactly
        assert assert_pixels_encode_labels(img, gt) == 20 * 28
        # and it is a flipped crop of the source label
        axes = dict(horizontal=(1, ), vertical=(0, ), diagonal=(0, 1))
        unflipped = np.flip(gt, axes[direction])
        ids = block_sample.ids
        assert any(
            np.array_equal(unflipped, ids[top:top + 20, left:left + 28])
            for top in range(SIZE[0] - 19) for left in range(SIZE[1] - 27))


@pytest.mark.parametrize('ratio', [0.5, 0.75, 1.5, 2.0])
def test_resize_equals_resizing_each_modality(block_sample, ratio):
    """Resizing the stack is resizing RGB, aux and (nearest) label alike."""
    pipeline = Compose(LOADING + [
        dict(
            type='RandomResize',
            scale=(SIZE[1], SIZE[0]),
            ratio_range=(ratio, ratio),
            keep_ratio=True)
    ])
    out = pipeline(block_sample())
    height, width = out['img'].shape[:2]
    assert (height, width) == (int(SIZE[0] * ratio + .5),
                               int(SIZE[1] * ratio + .5))
    ids = block_sample.ids
    rgb = mmcv.imresize(encode_rgb(ids).astype(np.float32), (width, height))
    aux = mmcv.imresize(
        encode_aux(ids).astype(np.float32) / 255, (width, height))
    assert out['img'].shape[-1] == 4
    np.testing.assert_allclose(out['img'][..., :3], rgb, atol=1e-3)
    np.testing.assert_allclose(out['img'][..., 3], aux, atol=1e-5)
    np.testing.assert_array_equal(
        out['gt_seg_map'],
        mmcv.imresize(
            ids.astype(np.uint8), (width, height), interpolation='nearest'))


def test_train_chain_keeps_modalities_aligned(block_sample):
    """RandomResize + RandomCrop + RandomFlip, as in the configs."""
    pipeline = Compose(LOADING + [
        dict(
            type='RandomResize',
            scale=(SIZE[1], SIZE[0]),
            ratio_range=(0.5, 2.0),
            keep_ratio=True),
        dict(type='RandomCrop', crop_size=(32, 40)),
        dict(type='RandomFlip', prob=0.5),
    ])
    checked = 0
    for seed in range(8):
        np.random.seed(seed)
        out = pipeline(block_sample())
        checked += assert_pixels_encode_labels(
            out['img'], out['gt_seg_map'], margin=2, atol=1e-3)
    assert checked > 1000


def test_pad_with_float_zero(block_sample):
    """Stock Pad on the 6-channel RGB-HHA float image (OpenCV pads > 4
    channels with one value for all, hence the float ``pad_val``)."""
    pipeline = Compose(
        LOADING +
        [dict(type='Pad', size=(70, 50), pad_val=dict(img=0., seg=255))])
    out = pipeline(block_sample(modality='hha'))
    img, gt = out['img'], out['gt_seg_map']
    assert img.shape == (50, 70, 6) and gt.shape == (50, 70)
    assert (img[SIZE[0]:] == 0).all() and (img[:, SIZE[1]:] == 0).all()
    assert (gt[SIZE[0]:] == 255).all() and (gt[:, SIZE[1]:] == 255).all()
    assert_pixels_encode_labels(img[:SIZE[0], :SIZE[1]],
                                gt[:SIZE[0], :SIZE[1]])


def test_pad_one_channel_aux(block_sample):
    """With 1-channel aux (4 channels) the default integer pad works too."""
    pipeline = Compose(LOADING + [dict(type='Pad', size=(70, 50))])
    out = pipeline(block_sample())
    assert out['img'].shape == (50, 70, 4)
    assert (out['img'][SIZE[0]:] == 0).all()
    assert (out['gt_seg_map'][:, SIZE[1]:] == 255).all()


def test_test_time_aug_pass(tmp_path):
    """The config's tta_pipeline: 5 scales x 2 flips, aligned, normalised."""
    fixture = fx.write_mfnet_separated(str(tmp_path))
    cfg = load_config('mfnet')
    dataset = build_dataset(cfg, 'test_dataloader', fixture.root,
                            cfg.tta_pipeline)
    reference = build_dataset(cfg, 'test_dataloader', fixture.root,
                              fit_pipeline(cfg.test_pipeline, (fx.H, fx.W)))[0]
    packed = dataset[0]
    inputs, samples = packed['inputs'], packed['data_samples']
    assert len(inputs) == len(samples) == 10
    name = osp.splitext(osp.basename(samples[0].img_path))[0]
    label = fixture.splits['test'][name].label
    preprocessor = build_preprocessor(cfg)
    for index, scale in enumerate([0.5, 0.75, 1.0, 1.25, 1.5]):
        plain, flipped = inputs[2 * index], inputs[2 * index + 1]
        assert plain.shape == (4, int(fx.H * scale + .5),
                               int(fx.W * scale + .5))
        assert torch.equal(flipped, plain.flip(-1))
        assert not samples[2 * index].flip and samples[2 * index + 1].flip
        for sample in samples[2 * index:2 * index + 2]:
            assert sample.metainfo['aux_modality'] == 'thermal'
            np.testing.assert_array_equal(sample.gt_sem_seg.data[0].numpy(),
                                          expected_gt(label, False))
        batch = preprocess(preprocessor,
                           [dict(inputs=plain, data_samples=samples[0])])
        assert batch['inputs'].shape == (1, ) + plain.shape
    assert torch.equal(inputs[4], reference['inputs'])


@pytest.fixture
def stacked():
    rng = np.random.default_rng(0)
    img = np.concatenate(
        [rng.uniform(0, 255, (12, 16, 3)),
         rng.uniform(0, 1, (12, 16, 3))], -1).astype(np.float32)
    return img


def _jitter(img, **ranges):
    full = dict(brightness=(1, 1), contrast=(1, 1), saturation=(1, 1))
    full.update(ranges)
    transform = TRANSFORMS.build(dict(type='RGBColorJitter', **full))
    return transform(dict(img=img.copy()))['img']


def test_jitter_brightness_contrast_saturation(stacked):
    rgb = stacked[..., :3].astype(np.float64)
    gray = rgb @ [0.299, 0.587, 0.114]
    out = _jitter(stacked, brightness=(1.5, 1.5))
    np.testing.assert_allclose(
        out[..., :3], np.minimum(rgb * 1.5, 255), rtol=1e-5)
    out = _jitter(stacked, contrast=(0.5, 0.5))
    np.testing.assert_allclose(
        out[..., :3], rgb * 0.5 + gray.mean() * 0.5, rtol=1e-5)
    out = _jitter(stacked, saturation=(0., 0.))
    np.testing.assert_allclose(
        out[..., :3], np.repeat(gray[..., None], 3, -1), rtol=1e-5)
    for out in (_jitter(stacked), _jitter(stacked, brightness=(2, 2))):
        assert np.array_equal(out[..., 3:], stacked[..., 3:])


def test_jitter_default_is_the_paper_range(stacked):
    transform = TRANSFORMS.build(dict(type='RGBColorJitter'))
    assert transform.ranges == dict(
        brightness=(0.5, 1.5), contrast=(0.5, 1.5), saturation=(0.5, 1.5))
    np.random.seed(0)
    outs = [transform(dict(img=stacked.copy()))['img'] for _ in range(5)]
    for out in outs:
        assert np.array_equal(out[..., 3:], stacked[..., 3:])
        assert 0 <= out[..., :3].min() and out[..., :3].max() <= 255
    assert not np.allclose(outs[0][..., :3], outs[1][..., :3])


def test_jitter_refuses_uint8_images():
    transform = TRANSFORMS.build(dict(type='RGBColorJitter'))
    with pytest.raises(TypeError, match='float32'):
        transform(dict(img=np.zeros((4, 4, 3), np.uint8)))
