"""Bad input must fail loudly, naming the file and the fix."""
import os
import os.path as osp
import re
import shutil

import cv2
import numpy as np
import pytest
from PIL import Image

import rgbx_fixtures as fx
from mmseg.registry import DATASETS, TRANSFORMS
from rgbx_testing import build_dataset, fit_pipeline, load_config


def _eval_dataset(config, root, dataloader='val_dataloader', **overrides):
    cfg = load_config(config)
    return build_dataset(cfg, dataloader, root,
                         fit_pipeline(cfg.test_pipeline, (fx.H, fx.W)),
                         **overrides)


def _first_sample(dataset):
    return dataset[0]


# ---------------------------------------------------------------- listing
def test_missing_aux_file_names_sample_and_path(tmp_path):
    fixture = fx.write_nyuv2_cmx(str(tmp_path))
    missing = osp.join(fixture.root, 'Depth', '3.png')
    os.remove(missing)
    with pytest.raises(FileNotFoundError) as error:
        build_dataset(load_config('nyuv2'), 'train_dataloader', fixture.root)
    message = str(error.value)
    assert "sample '3'" in message and missing in message
    assert 'no depth file' in message
    assert f'line 3 of {osp.join(fixture.root, "train.txt")}' in message


def test_missing_label_file_names_sample_and_path(tmp_path):
    fixture = fx.write_nyuv2_dplnet(str(tmp_path))
    missing = osp.join(fixture.root, 'train', 'label', '2.png')
    os.remove(missing)
    with pytest.raises(FileNotFoundError) as error:
        build_dataset(load_config('nyuv2'), 'train_dataloader', fixture.root)
    assert "sample '2'" in str(error.value) and missing in str(error.value)
    assert 'no label file' in str(error.value)


def test_missing_rgbt_image_of_listed_sample(tmp_path):
    fixture = fx.write_mfnet_original(str(tmp_path))
    name = sorted(fixture.splits['val'])[0]
    missing = osp.join(fixture.root, 'images', name + '.png')
    os.remove(missing)
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        _eval_dataset('mfnet', fixture.root)


def test_missing_aux_folder(tmp_path):
    fixture = fx.write_pst900(str(tmp_path))
    shutil.rmtree(osp.join(fixture.root, 'test', 'thermal'))
    folder = osp.join(fixture.root, 'test', 'thermal')
    with pytest.raises(
            FileNotFoundError,
            match=f'thermal folder {re.escape(folder)} does not'):
        _eval_dataset('pst900', fixture.root)


def test_absent_split_file(tmp_path):
    fixture = fx.write_mfnet_separated(str(tmp_path))
    split_file = osp.join(fixture.root, 'val.txt')
    os.remove(split_file)
    with pytest.raises(
            FileNotFoundError,
            match=f'split file {re.escape(split_file)} does not'):
        _eval_dataset('mfnet', fixture.root)


@pytest.mark.parametrize('content', ['', '\n  \n', '# no samples yet\n'])
def test_empty_split_file(tmp_path, content):
    fixture = fx.write_nyuv2_cmx(str(tmp_path))
    split_file = osp.join(fixture.root, 'test.txt')
    with open(split_file, 'w') as f:
        f.write(content)
    with pytest.raises(ValueError, match=f'{re.escape(split_file)} lists no'):
        _eval_dataset('nyuv2', fixture.root)


def test_malformed_split_line(tmp_path):
    fixture = fx.write_sunrgbd_dformer(str(tmp_path))
    split_file = osp.join(fixture.root, 'test.txt')
    with open(split_file, 'a') as f:
        f.write('RGB/1.jpg Depth/1.png labels/1.png\n')
    with pytest.raises(ValueError, match='line 3: .* has 3 fields'):
        _eval_dataset('sunrgbd', fixture.root)


def test_no_accepted_layout_lists_the_layouts(tmp_path):
    (tmp_path / 'something_else').mkdir()
    with pytest.raises(FileNotFoundError) as error:
        _eval_dataset('nyuv2', str(tmp_path))
    message = str(error.value)
    assert 'no accepted layout found under' in message
    assert '- dplnet: {train,test}/{image,depth,label}/<id>' in message
    assert '- cmx: RGB/' in message and 'data/README.md' in message


def test_modality_absent_from_layout(tmp_path):
    fixture = fx.write_nyuv2_dplnet(str(tmp_path))
    with pytest.raises(ValueError, match="no hha folder"):
        _eval_dataset('nyuv2', fixture.root, aux_modality='hha')


@pytest.mark.parametrize(
    'overrides, match',
    [(dict(split=None), 'split is required'),
     (dict(layout='dformer'), "unknown layout 'dformer'"),
     (dict(aux_modality='lidar'), 'aux_modality must be one of'),
     (dict(aux_bit_depth=12), 'aux_bit_depth must be 8 or 16'),
     (dict(aux_channels=1), 'aux_channels is a setting of the model.*'
      r'model\.backbone\.aux_channels'),
     (dict(aux_min_value=5., aux_max_value=1.), 'must be greater than')])
def test_invalid_dataset_options(tmp_path, overrides, match):
    fixture = fx.write_nyuv2_cmx(str(tmp_path), with_hha=True)
    with pytest.raises(ValueError, match=match):
        _eval_dataset('nyuv2', fixture.root, **overrides)


# ---------------------------------------------------------------- loading
def test_rgb_aux_size_mismatch(tmp_path):
    fixture = fx.write_mfnet_separated(str(tmp_path))
    name = sorted(fixture.splits['val'])[0]
    aux_path = osp.join(fixture.root, 'thermal', name + '.png')
    cv2.imwrite(aux_path, np.zeros((20, 30), np.uint8))
    dataset = _eval_dataset('mfnet', fixture.root)
    with pytest.raises(ValueError) as error:
        _first_sample(dataset)
    message = str(error.value)
    assert aux_path in message and osp.join(fixture.root, 'rgb',
                                            name + '.png') in message
    assert '24x32' in message and '20x30' in message


def test_label_size_mismatch(tmp_path):
    fixture = fx.write_pst900(str(tmp_path))
    label_path = osp.join(fixture.root, 'test', 'labels', 'test_0000.png')
    cv2.imwrite(label_path, np.zeros((24, 30), np.uint8))
    dataset = _eval_dataset('pst900', fixture.root)
    with pytest.raises(ValueError) as error:
        _first_sample(dataset)
    message = str(error.value)
    assert label_path in message and '24x30' in message
    assert '24x32' in message


@pytest.mark.parametrize('config, writer, bad_values', [
    ('mfnet', fx.write_mfnet_original, (9, 200)),
    ('nyuv2', fx.write_nyuv2_dplnet, (41, 254)),
    ('pst900', fx.write_pst900, (5, )),
])
def test_label_values_outside_classes(tmp_path, config, writer, bad_values):
    fixture = writer(str(tmp_path))
    dataset = _eval_dataset(config, fixture.root)
    label_path = dataset.get_data_info(0)['seg_map_path']
    label = cv2.imread(label_path, cv2.IMREAD_UNCHANGED)
    label[0, :len(bad_values)] = bad_values
    label[1, 0] = 255  # the ignore value is always allowed
    cv2.imwrite(label_path, label)
    with pytest.raises(ValueError) as error:
        _first_sample(dataset)
    message = str(error.value)
    assert label_path in message
    assert 'values outside the dataset\'s classes: ' + ', '.join(
        str(v) for v in bad_values) + '.' in message


def test_ignore_and_unlabeled_values_are_accepted(tmp_path):
    fixture = fx.write_nyuv2_dplnet(str(tmp_path))
    dataset = _eval_dataset('nyuv2', fixture.root)
    label_path = dataset.get_data_info(0)['seg_map_path']
    label = cv2.imread(label_path, cv2.IMREAD_UNCHANGED)
    label[0, :3] = (0, 40, 255)
    cv2.imwrite(label_path, label)
    gt = _first_sample(dataset)['data_samples'].gt_sem_seg.data[0]
    assert gt[0, :3].tolist() == [255, 39, 255]


def test_colour_label_is_refused(tmp_path):
    fixture = fx.write_mfnet_original(str(tmp_path))
    dataset = _eval_dataset('mfnet', fixture.root)
    label_path = dataset.get_data_info(0)['seg_map_path']
    colour = np.zeros((fx.H, fx.W, 3), np.uint8)
    colour[..., 2] = 64
    cv2.imwrite(label_path, colour)
    with pytest.raises(
            ValueError, match='3 channels that differ; labels must be'):
        _first_sample(dataset)


def test_palette_label_is_read_as_class_ids(tmp_path):
    fixture = fx.write_mfnet_original(str(tmp_path))
    dataset = _eval_dataset('mfnet', fixture.root)
    info = dataset.get_data_info(0)
    ids = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
    palette_png = Image.fromarray(ids).convert('P')
    palette_png.putpalette([255 - v for v in range(256) for _ in range(3)])
    palette_png.save(info['seg_map_path'])
    assert Image.open(info['seg_map_path']).mode == 'P'
    gt = _first_sample(dataset)['data_samples'].gt_sem_seg.data[0].numpy()
    np.testing.assert_array_equal(gt, ids)


def test_8bit_file_when_16bit_is_configured(tmp_path):
    fixture = fx.write_nyuv2_cmx(str(tmp_path), depth_bits=8)
    dataset = _eval_dataset('nyuv2', fixture.root, aux_bit_depth=16)
    with pytest.raises(ValueError) as error:
        _first_sample(dataset)
    message = str(error.value)
    assert dataset.get_data_info(0)['aux_path'] in message
    assert 'is 8-bit (uint8) but aux_bit_depth=16' in message
    assert 'set aux_bit_depth=8' in message


def test_16bit_file_when_8bit_is_configured(tmp_path):
    fixture = fx.write_nyuv2_cmx(str(tmp_path), depth_bits=16)
    dataset = _eval_dataset('nyuv2', fixture.root)
    with pytest.raises(ValueError) as error:
        _first_sample(dataset)
    message = str(error.value)
    assert dataset.get_data_info(0)['aux_path'] in message
    assert 'is 16-bit (uint16) but aux_bit_depth=8' in message
    assert 'set aux_bit_depth=16' in message


def test_3channel_image_in_rgbt_layout(tmp_path):
    fixture = fx.write_mfnet_original(str(tmp_path))
    dataset = _eval_dataset('mfnet', fixture.root)
    img_path = dataset.get_data_info(0)['img_path']
    cv2.imwrite(img_path, np.zeros((fx.H, fx.W, 3), np.uint8))
    with pytest.raises(ValueError, match='has 3 channel.* 4th channel'):
        _first_sample(dataset)


def test_multichannel_depth_is_refused_but_gray_as_rgb_accepted(tmp_path):
    fixture = fx.write_nyuv2_dplnet(str(tmp_path))
    dataset = _eval_dataset('nyuv2', fixture.root)
    info = dataset.get_data_info(0)
    depth = cv2.imread(info['aux_path'], cv2.IMREAD_UNCHANGED)
    cv2.imwrite(info['aux_path'], np.dstack([depth] * 3))  # gray saved as RGB
    packed = _first_sample(dataset)
    assert packed['inputs'].shape[0] == 4  # RGB + the one depth channel
    cv2.imwrite(info['aux_path'], np.dstack([depth, depth, depth // 2]))
    with pytest.raises(
            ValueError, match='3 channels that differ; a depth map'):
        _first_sample(dataset)


def test_loader_and_dataset_options_must_agree(tmp_path):
    fixture = fx.write_nyuv2_cmx(str(tmp_path), depth_bits=16)
    dataset = DATASETS.build(
        dict(
            type='NYUv2SegDataset',
            data_root=fixture.root,
            split='test',
            aux_bit_depth=16))
    info = dataset.get_data_info(0)
    loader = TRANSFORMS.build(
        dict(type='LoadRGBXImageFromFile', aux_bit_depth=8))
    with pytest.raises(ValueError, match='contradicts the dataset'):
        loader(info)
    # the same option in both places, or on the loader only, is fine
    agreeing = TRANSFORMS.build(
        dict(type='LoadRGBXImageFromFile', aux_bit_depth=16))
    assert agreeing(dataset.get_data_info(0))['img'].shape[-1] == 4
    del info['aux_bit_depth']
    loader_only = agreeing(info)['img']
    name = osp.splitext(osp.basename(info['img_path']))[0]
    depth_mm = fixture.splits['test'][name].aux
    np.testing.assert_allclose(
        loader_only[..., 3], np.minimum(depth_mm / 1000, 10) / 10, atol=1e-6)


def test_loader_needs_the_dataset_keys():
    loader = TRANSFORMS.build(dict(type='LoadRGBXImageFromFile'))
    with pytest.raises(KeyError, match='aux_path'):
        loader(dict(img_path='a.png'))
