"""Every dataset and layout through its real config, dataset class and
pipelines, down to what the model receives from the data preprocessor."""
import os.path as osp
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Dict

import numpy as np
import pytest
import torch
from mmengine.config import Config

import rgbx_fixtures as fx
from rgbx_testing import (PAPER_AUX_MEAN, PAPER_AUX_STD, REPO_ROOT,
                          build_dataset, build_preprocessor, denormalise_rgb,
                          expected_gt, fit_pipeline, load_config,
                          paper_normalised, preprocess)

FIXTURE_SIZE = (fx.H, fx.W)
TRAIN_CROP = (12, 16)
META_KEYS = ('aux_path', 'aux_modality')
#: channels of each modality in the stacked image, after the 3 RGB ones
AUX_CHANNELS = dict(depth=1, thermal=1, hha=3)


def unit_8bit(sample: fx.Sample) -> np.ndarray:
    return sample.aux / 255.


def unit_depth_mm(sample: fx.Sample) -> np.ndarray:
    # millimetres -> metres, clipped at 10 m, divided by 10 m
    return np.minimum(sample.aux * 0.001, 10.) / 10.


def unit_hha(sample: fx.Sample) -> np.ndarray:
    return sample.extra['HHA'] / 255.


def unit_thermal_raw(sample: fx.Sample) -> np.ndarray:
    raw = sample.extra['thermal_raw'].astype(np.float64)
    return (np.clip(raw, 20000, 40000) - 20000) / 20000


@dataclass
class Case:
    """One dataset layout with the dataset options of the test."""
    config: str
    writer: Callable[[str], fx.Fixture]
    layout: str
    counts: Dict[str, int]  # dataloader -> number of samples
    splits: Dict[str, str]  # dataloader -> split name
    modality: str
    reduce_zero_label: bool
    num_classes: int
    aux_unit: Callable[[fx.Sample], np.ndarray] = unit_8bit
    options: dict = field(default_factory=dict)


NYU_SPLITS = dict(
    train_dataloader='train', val_dataloader='test', test_dataloader='test')
MFNET_SPLITS = dict(
    train_dataloader='train', val_dataloader='val', test_dataloader='test')
THREE_TWO_TWO = dict(train_dataloader=3, val_dataloader=2, test_dataloader=2)
CASES = {
    'nyuv2-dplnet':
    Case('nyuv2', fx.write_nyuv2_dplnet, 'dplnet', THREE_TWO_TWO, NYU_SPLITS,
         'depth', True, 40),
    'nyuv2-cmx':
    Case('nyuv2', fx.write_nyuv2_cmx, 'cmx',
         dict(train_dataloader=4, val_dataloader=2, test_dataloader=2),
         NYU_SPLITS, 'depth', True, 40),
    'nyuv2-cmx-depth16mm':
    Case(
        'nyuv2',
        partial(fx.write_nyuv2_cmx, depth_bits=16),
        'cmx',
        dict(train_dataloader=4, val_dataloader=2, test_dataloader=2),
        NYU_SPLITS,
        'depth',
        True,
        40,
        aux_unit=unit_depth_mm,
        options=dict(aux_bit_depth=16)),
    'nyuv2-cmx-hha':
    Case(
        'nyuv2',
        partial(fx.write_nyuv2_cmx, with_hha=True),
        'cmx',
        dict(train_dataloader=4, val_dataloader=2, test_dataloader=2),
        NYU_SPLITS,
        'hha',
        True,
        40,
        aux_unit=unit_hha,
        options=dict(aux_modality='hha')),
    'sunrgbd-dformer':
    Case('sunrgbd', fx.write_sunrgbd_dformer, 'dformer', THREE_TWO_TWO,
         NYU_SPLITS, 'depth', True, 37),
    'mfnet-original':
    Case('mfnet', fx.write_mfnet_original, 'original', THREE_TWO_TWO,
         MFNET_SPLITS, 'thermal', False, 9),
    'mfnet-separated':
    Case('mfnet', fx.write_mfnet_separated, 'separated', THREE_TWO_TWO,
         MFNET_SPLITS, 'thermal', False, 9),
    'pst900-official':
    Case('pst900', fx.write_pst900, 'official', THREE_TWO_TWO, NYU_SPLITS,
         'thermal', False, 5),
    'pst900-thermal-raw16':
    Case(
        'pst900',
        fx.write_pst900,
        'official',
        THREE_TWO_TWO,
        NYU_SPLITS,
        'thermal',
        False,
        5,
        aux_unit=unit_thermal_raw,
        options=dict(
            aux_bit_depth=16, aux_min_value=20000., aux_max_value=40000.)),
}


@pytest.fixture(params=sorted(CASES))
def case_and_fixture(request, tmp_path):
    case = CASES[request.param]
    return case, case.writer(str(tmp_path / request.param))


def _sample_of(fixture: fx.Fixture, split: str, packed: dict) -> fx.Sample:
    name = osp.splitext(osp.basename(packed['data_samples'].img_path))[0]
    return fixture.splits[split][name]


def test_layout_found_and_split_sizes(case_and_fixture):
    case, fixture = case_and_fixture
    cfg = load_config(case.config)
    for dataloader, count in case.counts.items():
        dataset = build_dataset(cfg, dataloader, fixture.root, **case.options)
        assert dataset.layout == case.layout
        assert dataset.split == case.splits[dataloader]
        assert len(dataset) == count
        names = {
            osp.splitext(osp.basename(dataset.get_data_info(i)['img_path']))[0]
            for i in range(len(dataset))
        }
        assert names == set(fixture.splits[case.splits[dataloader]])
        info = dataset.get_data_info(0)
        assert info['aux_modality'] == case.modality
        assert info['reduce_zero_label'] == case.reduce_zero_label
        assert osp.isfile(info['aux_path']) and osp.isfile(
            info['seg_map_path'])
        assert len(dataset.metainfo['classes']) == case.num_classes
        assert len(dataset.metainfo['palette']) == case.num_classes


def test_eval_pipeline_gives_the_paper_normalisation(case_and_fixture):
    """Config test pipeline + data preprocessor: exact values per pixel."""
    case, fixture = case_and_fixture
    cfg = load_config(case.config)
    preprocessor = build_preprocessor(cfg, aux_modality=case.modality)
    pipeline = fit_pipeline(cfg.test_pipeline, FIXTURE_SIZE)
    for dataloader in ('val_dataloader', 'test_dataloader'):
        split = case.splits[dataloader]
        dataset = build_dataset(cfg, dataloader, fixture.root, pipeline,
                                **case.options)
        for index in range(len(dataset)):
            packed = dataset[index]
            sample = _sample_of(fixture, split, packed)
            inputs = preprocess(preprocessor, [packed])['inputs'][0]
            assert inputs.dtype == torch.float32
            assert inputs.shape == (3 + AUX_CHANNELS[case.modality],
                                    ) + sample.label.shape
            expected = paper_normalised(sample.rgb, case.aux_unit(sample))
            # auxiliary channels: exact (lossless PNG), R, G, B order kept
            np.testing.assert_allclose(
                inputs[3:].double().numpy(), expected[3:], atol=1e-5)
            rgb = denormalise_rgb(inputs)
            if sample.rgb_lossless:
                np.testing.assert_allclose(
                    inputs[:3].double().numpy(), expected[:3], atol=1e-5)
            else:  # JPEG: close to the source, far from a channel swap
                error = np.abs(rgb - sample.rgb).mean(axis=(0, 1))
                assert (error < 4).all(), error
                swapped = np.abs(rgb - sample.rgb[..., ::-1]).mean()
                assert swapped > 30
            gt = packed['data_samples'].gt_sem_seg.data[0].numpy()
            np.testing.assert_array_equal(
                gt, expected_gt(sample.label, case.reduce_zero_label))
            meta = packed['data_samples'].metainfo
            assert {
                k: meta[k]
                for k in META_KEYS
            } == dict(
                aux_path=dataset.get_data_info(index)['aux_path'],
                aux_modality=case.modality)


def test_label_convention(case_and_fixture):
    """0 = unlabeled becomes 255 where reduced; every id counts elsewhere."""
    case, fixture = case_and_fixture
    cfg = load_config(case.config)
    pipeline = fit_pipeline(cfg.test_pipeline, FIXTURE_SIZE)
    dataset = build_dataset(cfg, 'val_dataloader', fixture.root, pipeline,
                            **case.options)
    values = set()
    for index in range(len(dataset)):
        gt = dataset[index]['data_samples'].gt_sem_seg.data
        values |= set(torch.unique(gt).tolist())
    if case.reduce_zero_label:
        assert 255 in values and max(values - {255}) <= case.num_classes - 1
    else:
        assert 255 not in values and 0 in values
        assert max(values) <= case.num_classes - 1


def test_train_pipeline(case_and_fixture):
    """Config train pipeline: shapes, padding, ranges, labels, metainfo."""
    case, fixture = case_and_fixture
    cfg = load_config(case.config)
    pipeline = fit_pipeline(cfg.train_pipeline, FIXTURE_SIZE, TRAIN_CROP)
    dataset = build_dataset(cfg, 'train_dataloader', fixture.root, pipeline,
                            **case.options)
    packed = [dataset[i] for i in range(len(dataset))]
    valid = set(range(case.num_classes)) | {255}
    channels = 3 + AUX_CHANNELS[case.modality]
    for item in packed:
        assert item['inputs'].shape[0] == channels
        height, width = item['inputs'].shape[1:]
        assert height <= TRAIN_CROP[0] and width <= TRAIN_CROP[1]
        gt = item['data_samples'].gt_sem_seg.data
        assert gt.shape[-2:] == (height, width)
        assert set(torch.unique(gt).tolist()) <= valid
        if not case.reduce_zero_label:
            assert 255 not in gt  # nothing is ignored before padding
        assert item['data_samples'].metainfo['aux_modality'] == case.modality
    batch = preprocess(
        build_preprocessor(cfg, size=TRAIN_CROP, aux_modality=case.modality),
        packed,
        training=True)
    inputs = batch['inputs']
    assert inputs.shape == (len(packed), channels) + TRAIN_CROP
    for item, sample_inputs, data_sample in zip(packed, inputs,
                                                batch['data_samples']):
        height, width = item['inputs'].shape[1:]
        content = sample_inputs[:, :height, :width]
        aux = content[3:] * PAPER_AUX_STD + PAPER_AUX_MEAN
        assert aux.min() >= -1e-5 and aux.max() <= 1 + 1e-5
        rgb = denormalise_rgb(content)
        assert rgb.min() >= -1e-3 and rgb.max() <= 255 + 1e-3
        # padding: 0 after normalisation, label 255
        assert (sample_inputs[:, height:] == 0).all()
        assert (sample_inputs[:, :, width:] == 0).all()
        gt = data_sample.gt_sem_seg.data[0]
        assert (gt[height:] == 255).all() and (gt[:, width:] == 255).all()


def test_jitter_touches_rgb_only_in_train_pipeline(case_and_fixture):
    """Same seed with and without RGBColorJitter: aux identical, RGB not."""
    case, fixture = case_and_fixture
    cfg = load_config(case.config)
    pipeline = fit_pipeline(cfg.train_pipeline, FIXTURE_SIZE, TRAIN_CROP)
    assert [t['type'] for t in pipeline].count('RGBColorJitter') == 1
    without = [t for t in pipeline if t['type'] != 'RGBColorJitter']
    outputs = []
    for steps in (pipeline, without):
        dataset = build_dataset(cfg, 'train_dataloader', fixture.root, steps,
                                **case.options)
        outputs.append([])
        for index in range(len(dataset)):
            # the jitter draws after the geometric transforms: same seed,
            # same scale / crop / flip
            np.random.seed(index)
            outputs[-1].append(dataset[index]['inputs'])
    changed = 0
    for jittered, plain in zip(*outputs):
        assert torch.equal(jittered[3:], plain[3:])
        changed += not torch.equal(jittered[:3], plain[:3])
    assert changed == len(outputs[0])


def test_mfnet_day_and_night_test_splits(tmp_path):
    fixture = fx.write_mfnet_original(str(tmp_path))
    cfg = load_config('mfnet')
    for split in ('test_day', 'test_night'):
        dataset = build_dataset(
            cfg, 'test_dataloader', fixture.root, split=split)
        assert len(dataset) == fx.MFNET_SPLITS[split]


def test_sunrgbd_test_pipeline_on_varying_sizes(tmp_path):
    """The unmodified SUN test pipeline fits each image into 640x480 and
    keeps its label at the original size."""
    fixture = fx.write_sunrgbd_dformer(str(tmp_path))
    cfg = load_config('sunrgbd')
    dataset = build_dataset(cfg, 'val_dataloader', fixture.root, split='train')
    sizes = set()
    for index in range(len(dataset)):
        packed = dataset[index]
        sample = _sample_of(fixture, 'train', packed)
        height, width = packed['inputs'].shape[1:]
        assert height <= 480 and width <= 640 and (height == 480
                                                   or width == 640)
        gt = packed['data_samples'].gt_sem_seg.data[0].numpy()
        np.testing.assert_array_equal(gt, expected_gt(sample.label, True))
        sizes.add(sample.label.shape)
    assert len(sizes) == 3


def test_configs_define_the_paper_settings():
    """The values other parts of the project rely on, for each config."""
    crops = dict(
        nyuv2=(480, 640),
        sunrgbd=(480, 480),
        mfnet=(480, 640),
        pst900=(720, 1280))
    modalities = dict(
        nyuv2='depth', sunrgbd='depth', mfnet='thermal', pst900='thermal')
    for name, crop in crops.items():
        cfg = load_config(name)
        assert cfg.crop_size == crop
        assert cfg.data_preprocessor == dict(
            type='RGBXDataPreProcessor',
            aux_modality=modalities[name],
            size=crop)
        # merged into the model's by the recipe: the paper's normalisation
        dp = Config.fromfile(
            osp.join(REPO_ROOT, 'configs', 'dplnet',
                     f'{name}_b5.py')).model.data_preprocessor
        assert dp.type == 'RGBXDataPreProcessor'
        assert dp.aux_modality == modalities[name]
        assert dp.size == crop and dp.pad_val == 0 and dp.seg_pad_val == 255
        np.testing.assert_allclose(dp.mean, [123.675, 116.28, 103.53])
        np.testing.assert_allclose(dp.std, [58.395, 57.12, 57.375])
        assert (dp.aux_mean, dp.aux_std) == (0.449, 0.226)
        for pipeline in (cfg.train_pipeline, cfg.test_pipeline):
            pack = pipeline[-1]
            assert pack.type == 'PackSegInputs'
            assert set(META_KEYS) <= set(pack.meta_keys)
        tta = cfg.tta_pipeline[1].transforms
        assert [t.scale_factor for t in tta[0]] == [0.5, 0.75, 1.0, 1.25, 1.5]
        assert [t.prob for t in tta[1]] == [0., 1.]
        assert set(META_KEYS) <= set(tta[3][0].meta_keys)
        assert cfg.tta_model == dict(type='SegTTAModel')
        assert cfg.val_evaluator == dict(
            type='IoUMetric', iou_metrics=['mIoU'])
        assert cfg.train_dataloader.dataset.data_root == f'data/{name}'
        assert [t.type for t in cfg.train_pipeline] == [
            'LoadRGBXImageFromFile', 'LoadCheckedAnnotations', 'RandomResize',
            'RandomCrop', 'RandomFlip', 'RGBColorJitter', 'PackSegInputs'
        ]
        assert cfg.train_pipeline[2].ratio_range == (0.5, 2.0)
        assert cfg.train_pipeline[3].crop_size == crop


def test_any_layout_with_data_prefix(tmp_path):
    """The generic MultiModalSegDataset: explicit folders and split file."""
    root = tmp_path / 'custom'
    samples = {}
    for index, name in enumerate(['a', 'b']):
        sample = fx.make_sample(index, 8, aux_bits=16)
        fx.write_image(
            str(root / 'colour' / f'{name}.png'), sample.rgb, rgb=True)
        fx.write_image(str(root / 'range' / f'{name}.png'), sample.aux)
        fx.write_image(str(root / 'gt' / f'{name}.png'), sample.label)
        samples[name] = sample
    (root / 'list.txt').write_text('b\na\n')
    dataset = build_dataset(
        load_config('nyuv2'),
        'test_dataloader',
        str(root),
        fit_pipeline(load_config('nyuv2').test_pipeline, FIXTURE_SIZE),
        type='MultiModalSegDataset',
        split=None,
        data_prefix=dict(
            img_path='colour', aux_path='range', seg_map_path='gt'),
        ann_file='list.txt',
        metainfo=dict(classes=[f'c{i}' for i in range(7)]),
        reduce_zero_label=True,
        aux_bit_depth=16)
    assert len(dataset) == 2
    packed = dataset[0]
    assert packed['data_samples'].img_path == str(root / 'colour' / 'b.png')
    sample = samples['b']
    inputs = preprocess(build_preprocessor(load_config('nyuv2')),
                        [packed])['inputs'][0]
    expected = paper_normalised(sample.rgb, unit_depth_mm(sample))
    np.testing.assert_allclose(inputs.double().numpy(), expected, atol=1e-5)
    np.testing.assert_array_equal(
        packed['data_samples'].gt_sem_seg.data[0].numpy(),
        expected_gt(sample.label, True))


def test_child_config_selects_16bit_depth(tmp_path):
    """The override recipe of configs/_base_/datasets/nyuv2.py."""
    fixture = fx.write_nyuv2_cmx(str(tmp_path / 'nyu'), depth_bits=16)
    base = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', 'nyuv2.py')
    child = tmp_path / 'child.py'
    child.write_text(f'_base_ = [{base!r}]\n'
                     f'depth16 = dict(aux_bit_depth=16)\n'
                     f'train_dataloader = dict(dataset=depth16)\n'
                     f'val_dataloader = dict(dataset=depth16)\n'
                     f'test_dataloader = val_dataloader\n')
    cfg = Config.fromfile(str(child))
    for dataloader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
        dataset_cfg = cfg[dataloader].dataset
        assert dataset_cfg.aux_bit_depth == 16
        assert dataset_cfg.pipeline == load_config(
            'nyuv2')[dataloader]['dataset']['pipeline']
    dataset = build_dataset(cfg, 'test_dataloader', fixture.root,
                            fit_pipeline(cfg.test_pipeline, FIXTURE_SIZE))
    packed = dataset[0]
    sample = _sample_of(fixture, 'test', packed)
    aux = packed['inputs'][3].double().numpy()
    np.testing.assert_allclose(aux, unit_depth_mm(sample), atol=1e-6)
