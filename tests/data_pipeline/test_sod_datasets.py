"""RGB-D and RGB-T SOD sets in every packaging, through the real dataset
classes and the real pipelines of configs/_base_/datasets/{rgbd,rgbt}_sod.py,
down to what the model receives; bad input fails naming the file."""
import copy
import logging
import os
import os.path as osp
import re
import shutil
from types import SimpleNamespace
from typing import Dict, List

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import ConcatDataset
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from PIL import Image

import sod_fixtures as sf
from mmseg.registry import DATASETS, TRANSFORMS
from mmseg_dplnet.datasets import RGBDSODDataset
from mmseg_dplnet.datasets.transforms import LoadSaliencyMask
from mmseg_dplnet.engine.loops import follow_model_modality
from rgbx_testing import (REPO_ROOT, build_dataset, build_preprocessor,
                          denormalise_rgb, fit_pipeline, load_config,
                          paper_normalised, preprocess)

SIZE = (sf.H, sf.W)
#: mmengine serialises a dataset's list after a gc.collect() (0.2 s in a
#: process holding torch); the tests skip it except in the loader test
FAST = dict(serialize_data=False)
CONFIGS = dict(rgbd='rgbd_sod', rgbt='rgbt_sod')
#: packaging -> (config, writer, set_name -> (layout, set folder))
PACKAGINGS = {
    'spnet': ('rgbd', sf.write_rgbd_spnet, {
        'train': ('spnet', 'TrainDataset'),
        'NJU2K': ('spnet', 'TestDataset/NJU2K'),
        'NLPR': ('spnet', 'TestDataset/NLPR'),
        'DES': ('spnet', 'TestDataset/RGBD135'),
        'SIP': ('spnet', 'TestDataset/SIP'),
        'LFSD': ('spnet', 'TestDataset/LFSD'),
        'DUT-RGBD': ('spnet', 'TestDataset/DUT'),
    }),
    'caver': ('rgbd', sf.write_rgbd_caver, {
        'NJU2K-train': ('caver', 'NJUD_FULL'),
        'NJU2K': ('caver', 'NJUD_FULL'),
        'NLPR-train': ('caver', 'NLPR_FULL'),
        'NLPR': ('caver', 'NLPR_FULL'),
        'DES': ('caver', 'RGBD135'),
        'SIP': ('caver', 'SIP'),
        'LFSD': ('caver', 'LFSD'),
        'STERE': ('caver', 'STEREO1000'),
        'SSD': ('caver', 'SSD'),
        'DUT-RGBD-train': ('spnet', 'DUTLF-Depth/Train'),
        'DUT-RGBD': ('spnet', 'DUTLF-Depth/Test'),
    }),
    'vt': ('rgbt', sf.write_rgbt_vt, {
        'train': ('vt', 'VT5000/Train'),
        'VT5000': ('vt', 'VT5000/Test'),
        'VT1000': ('vt', 'VT1000'),
        'VT821': ('vt-thermal', 'VT821'),
    }),
}


# BBS-Net: the same packaging with other parent folders
PACKAGINGS['bbsnet'] = ('rgbd',
                        lambda root: sf.write_rgbd_spnet(
                            root, 'RGBD_for_train', 'RGBD_for_test'), {
                                name: (layout, folder.replace(
                                    'TrainDataset', 'RGBD_for_train').replace(
                                        'TestDataset', 'RGBD_for_test'))
                                for name, (layout, folder) in
                                PACKAGINGS['spnet'][2].items()
                            })


@pytest.fixture(scope='module')
def written(tmp_path_factory) -> Dict[str, sf.SODFixture]:
    """Every packaging, written once for the module."""
    return {
        name: writer(str(tmp_path_factory.mktemp(name)))
        for name, (_, writer, _) in PACKAGINGS.items()
    }


@pytest.fixture(scope='module')
def cfgs() -> Dict[str, Config]:
    return {kind: load_config(name) for kind, name in CONFIGS.items()}


def _set_dataset(cfg: Config, root: str, split: str, pipeline=None):
    """One set through the config's test-set settings."""
    dataset_cfg = copy.deepcopy(cfg.test_set)
    dataset_cfg.update(data_root=root, split=split, **FAST)
    if pipeline is not None:
        dataset_cfg['pipeline'] = list(pipeline)
    return DATASETS.build(dataset_cfg)


def _concat_cfg(dataset_cfg: dict, root: str, pipeline, **options) -> dict:
    """A config ConcatDataset on ``root`` with ``pipeline`` in every set."""
    dataset_cfg = copy.deepcopy(dataset_cfg)
    for inner in dataset_cfg['datasets']:
        inner.update(data_root=root, pipeline=list(pipeline), **options)
    return dataset_cfg


def _name(packed: dict) -> str:
    return osp.splitext(osp.basename(packed['data_samples'].img_path))[0]


def _check_inputs(inputs, sample: sf.SODSample, flipped: bool = False):
    """RGB, auxiliary channel of one sample against the written arrays."""
    rgb, aux = sample.rgb, sample.aux
    if flipped:
        rgb, aux = rgb[:, ::-1], aux[:, ::-1]
    assert inputs.shape == (4, ) + sample.mask.shape
    expected = paper_normalised(rgb, aux / 255.)
    got_aux = inputs[3].double().numpy()
    if sample.aux_lossless:
        np.testing.assert_allclose(got_aux, expected[3], atol=1e-5)
    else:  # JPEG thermal: within a few levels of the source
        error = np.abs(got_aux - expected[3]) * 0.226 * 255
        assert error.mean() < 1.5 and error.max() < 8, error.max()
    got_rgb = denormalise_rgb(inputs)
    if sample.rgb_lossless:
        np.testing.assert_allclose(got_rgb, rgb, atol=1e-3)
    else:  # JPEG: close to the source, far from a channel swap or a flip
        assert np.abs(got_rgb - rgb).mean() < 6
        assert np.abs(got_rgb - rgb[..., ::-1]).mean() > 30
        assert np.abs(got_rgb - rgb[:, ::-1]).mean() > 30


# ------------------------------------------------------------ the sets
@pytest.mark.parametrize('packaging', sorted(PACKAGINGS))
def test_every_set_found_with_its_files_and_set_name(written, cfgs,
                                                     packaging):
    kind, _, expected = PACKAGINGS[packaging]
    fixture = written[packaging]
    assert set(expected) == set(fixture.sets)
    for set_name, (layout, folder) in expected.items():
        dataset = _set_dataset(cfgs[kind], fixture.root, set_name)
        assert (dataset.layout, dataset.set_folder) == (layout, folder)
        samples = fixture.sets[set_name]
        assert len(dataset) == len(samples)
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        names = [osp.splitext(osp.basename(i['img_path']))[0] for i in infos]
        if set_name.replace('-train', '') in sf.CAVER_FULL:
            # a whole-set folder: CAVER's name list, in its order
            assert names == list(samples)
        else:
            assert names == sorted(samples)
        for name, info in zip(names, infos):
            files = samples[name].files
            assert (info['img_path'], info['aux_path'],
                    info['seg_map_path']) == (files['rgb'], files['aux'],
                                              files['gt'])
            assert info['set_name'] == set_name
            assert info['aux_modality'] == dict(
                rgbd='depth', rgbt='thermal')[kind]
        assert dataset.metainfo['classes'] == ('background', 'salient')
        assert dataset.metainfo['palette'] == [[0, 0, 0], [255, 255, 255]]


@pytest.mark.parametrize('packaging', sorted(PACKAGINGS))
def test_test_pipeline_aligns_modalities_and_binarises_masks(
        written, cfgs, packaging):
    """Config test pipeline (at the fixture's size) + data preprocessor:
    RGB, aux and the GT = the decoded file > 128, per pixel."""
    kind, _, expected = PACKAGINGS[packaging]
    fixture, cfg = written[packaging], cfgs[kind]
    preprocessor = build_preprocessor(cfg, size=SIZE)
    pipeline = fit_pipeline(cfg.test_pipeline, SIZE)
    jpeg_flips = 0
    for set_name in expected:
        dataset = _set_dataset(cfg, fixture.root, set_name, pipeline)
        for index in range(len(dataset)):
            packed = dataset[index]
            sample = fixture.sets[set_name][_name(packed)]
            meta = packed['data_samples'].metainfo
            assert meta['set_name'] == set_name
            inputs = preprocess(preprocessor, [packed])['inputs'][0]
            _check_inputs(inputs, sample)
            gt = packed['data_samples'].gt_sem_seg.data[0].numpy()
            assert set(np.unique(gt)) == {0, 1}
            np.testing.assert_array_equal(gt, sample.binary_gt())
            if sample.files['gt'].endswith('.png'):
                # pysodmetrics' rule: 128 is background, 129 salient
                assert sample.decoded_mask()[0, 1:3].tolist() == [128, 129]
                assert gt[0, :3].tolist() == [0, 0, 1]
            else:  # JPEG noise at the edge crosses the threshold
                jpeg_flips += int(
                    (gt != (sample.mask > 128)).sum())
    if packaging == 'vt':
        assert jpeg_flips > 0


def test_unmodified_test_pipeline_keeps_the_gt_at_its_original_size(
        written, cfgs):
    fixture = written['vt']
    preprocessor = build_preprocessor(cfgs['rgbt'])
    for set_name in ('VT1000', 'VT821'):
        dataset = _set_dataset(cfgs['rgbt'], fixture.root, set_name)
        packed = dataset[0]
        sample = fixture.sets[set_name][_name(packed)]
        batch = preprocess(preprocessor, [packed])
        assert batch['inputs'].shape == (1, 4, 224, 224)
        data_sample = batch['data_samples'][0]
        assert data_sample.ori_shape == SIZE
        assert data_sample.img_shape == (224, 224)
        gt = data_sample.gt_sem_seg.data[0].numpy()
        np.testing.assert_array_equal(gt, sample.binary_gt())


@pytest.mark.parametrize('packaging, split', [('spnet', 'train'),
                                              ('vt', 'train'),
                                              ('caver', 'NJU2K-train')])
def test_train_pipeline_flips_all_modalities_together(written, cfgs,
                                                      packaging, split):
    kind = PACKAGINGS[packaging][0]
    fixture, cfg = written[packaging], cfgs[kind]
    pipeline = fit_pipeline(cfg.train_pipeline, SIZE)
    assert [t['type'] for t in pipeline] == [
        'LoadRGBXImageFromFile', 'LoadSaliencyMask', 'Resize', 'RandomFlip',
        'PackSegInputs'
    ]
    dataset = build_dataset(
        cfg, 'train_dataloader', fixture.root, pipeline, split=split, **FAST)
    preprocessor = build_preprocessor(cfg, size=SIZE)
    flips = set()
    for seed in range(4):
        np.random.seed(seed)
        packed = [dataset[i] for i in range(len(dataset))]
        batch = preprocess(preprocessor, packed, training=True)
        for item, inputs, data_sample in zip(packed, batch['inputs'],
                                             batch['data_samples']):
            sample = fixture.sets[split][_name(item)]
            flipped = data_sample.flip
            flips.add(flipped)
            _check_inputs(inputs, sample, flipped)
            gt = sample.binary_gt()
            np.testing.assert_array_equal(
                data_sample.gt_sem_seg.data[0].numpy(),
                gt[:, ::-1] if flipped else gt)
            assert data_sample.set_name == split
    assert flips == {True, False}


def test_train_pipeline_resizes_image_and_mask_to_224(written, cfgs):
    dataset = build_dataset(cfgs['rgbd'], 'train_dataloader',
                            written['spnet'].root, **FAST)
    packed = dataset[0]
    assert packed['inputs'].shape == (4, 224, 224)
    gt = packed['data_samples'].gt_sem_seg.data
    assert gt.shape == (1, 224, 224)
    assert set(gt.unique().tolist()) == {0, 1}


def test_tta_pipeline_scales_224_and_flips_keeping_the_gt(written, cfgs):
    fixture = written['vt']
    cfg = cfgs['rgbt']
    dataset = _set_dataset(cfg, fixture.root, 'VT821', cfg.tta_pipeline)
    packed = dataset[0]
    sample = fixture.sets['VT821'][osp.splitext(
        osp.basename(packed['data_samples'][0].img_path))[0]]
    views = [(tuple(inputs.shape[1:]), data_sample.flip)
             for inputs, data_sample in zip(packed['inputs'],
                                            packed['data_samples'])]
    assert views == [(size, flip) for size in ((168, 168), (224, 224),
                                               (280, 280))
                     for flip in (False, True)]
    for data_sample in packed['data_samples']:
        assert data_sample.set_name == 'VT821'
        np.testing.assert_array_equal(data_sample.gt_sem_seg.data[0].numpy(),
                                      sample.binary_gt())


@pytest.mark.parametrize('kind', sorted(CONFIGS))
def test_configs_define_the_protocol(cfgs, kind):
    cfg = cfgs[kind]
    modality = dict(rgbd='depth', rgbt='thermal')[kind]
    assert cfg.crop_size == (224, 224)
    assert cfg.data_preprocessor == dict(
        type='RGBXDataPreProcessor', aux_modality=modality, size=(224, 224))
    assert cfg.train_dataloader.dataset.split == 'train'
    assert cfg.train_dataloader.dataset.data_root == f'data/{kind}_sod'
    assert cfg.val_dataloader.dataset.split == dict(
        rgbd='NJU2K', rgbt='VT5000')[kind]
    assert [d.split for d in cfg.test_dataloader.dataset.datasets
            ] == cfg.test_sets
    assert cfg.val_evaluator == cfg.test_evaluator == dict(type='SODMetric')
    resize = dict(type='Resize', scale=(224, 224), keep_ratio=False)
    assert cfg.train_pipeline[2] == resize
    assert cfg.train_pipeline[3] == dict(type='RandomFlip', prob=0.5)
    # the mask after Resize: at its original size
    assert cfg.test_pipeline[1:3] == [resize, dict(type='LoadSaliencyMask')]
    for pipeline in (cfg.train_pipeline, cfg.test_pipeline):
        assert 'set_name' in pipeline[-1].meta_keys
    assert cfg.tta_model == dict(type='BinarySegTTAModel')


def test_sod_dataset_on_any_folders_with_data_prefix(written):
    folder = osp.join(written['vt'].root, 'VT821')
    dataset = DATASETS.build(
        dict(
            type='SODDataset',
            data_prefix=dict(
                img_path=osp.join(folder, 'RGB'),
                aux_path=osp.join(folder, 'thermal'),
                seg_map_path=osp.join(folder, 'GT')),
            aux_modality='thermal',
            set_name='mine',
            **FAST))
    assert len(dataset) == 2
    assert dataset.get_data_info(1)['set_name'] == 'mine'
    assert dataset.get_data_info(1)['aux_path'] == osp.join(
        folder, 'thermal', '2.jpg')


# ------------------------------------------------ several sets, one loader
@pytest.mark.parametrize('packaging', ['spnet', 'caver', 'vt'])
def test_test_loader_concatenates_the_config_sets(written, cfgs, packaging):
    kind = PACKAGINGS[packaging][0]
    fixture, cfg = written[packaging], cfgs[kind]
    sets = list(cfg.test_sets)
    assert sets == dict(
        rgbd=['NJU2K', 'NLPR', 'DES', 'SIP', 'LFSD'],
        rgbt=['VT821', 'VT1000', 'VT5000'])[kind]
    loader_cfg = copy.deepcopy(cfg.test_dataloader)
    assert loader_cfg.dataset.type == 'ConcatDataset'
    loader_cfg.update(
        num_workers=0,
        persistent_workers=False,
        dataset=_concat_cfg(loader_cfg.dataset, fixture.root,
                            fit_pipeline(cfg.test_pipeline, SIZE)))
    loader = Runner.build_dataloader(loader_cfg)
    dataset = loader.dataset
    assert isinstance(dataset, ConcatDataset)
    assert len(dataset) == sum(len(fixture.sets[s]) for s in sets)
    # identical metainfo in every set, as ConcatDataset requires
    assert dataset.metainfo == dataset.datasets[0].metainfo
    assert all(d.metainfo == dataset.metainfo for d in dataset.datasets)
    seen: List[str] = []
    preprocessor = build_preprocessor(cfg, size=SIZE)
    for batch in loader:
        batch = preprocessor(batch, training=False)
        for inputs, data_sample in zip(batch['inputs'],
                                       batch['data_samples']):
            set_name = data_sample.set_name
            name = osp.splitext(osp.basename(data_sample.img_path))[0]
            sample = fixture.sets[set_name][name]
            _check_inputs(inputs, sample)
            np.testing.assert_array_equal(
                data_sample.gt_sem_seg.data[0].numpy(), sample.binary_gt())
            seen.append(set_name)
    # the sets in the order of test_sets, each whole
    assert seen == [s for s in sets for _ in fixture.sets[s]]


def test_child_config_replaces_the_test_sets(written, tmp_path):
    base = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets',
                    'rgbd_sod.py')
    child = tmp_path / 'child.py'
    child.write_text(f'_base_ = [{base!r}]\n'
                     f'test_dataloader = dict(dataset=dict(datasets=[\n'
                     f'    dict(_base_.test_set, split=name)\n'
                     f'    for name in ["SIP", "rgbd135"]]))\n')
    cfg = Config.fromfile(str(child))
    dataset = DATASETS.build(
        _concat_cfg(cfg.test_dataloader.dataset, written['spnet'].root,
                    cfg.test_pipeline, **FAST))
    assert [d.set_name for d in dataset.datasets] == ['SIP', 'DES']
    assert cfg.test_dataloader.batch_size == 1


def test_loops_give_the_model_modality_to_every_concatenated_set(cfgs):
    cfg = cfgs['rgbt']
    runner = SimpleNamespace(
        cfg=Config(
            dict(
                model=dict(
                    data_preprocessor=dict(
                        type='RGBXDataPreProcessor',
                        aux_modality='thermal')))))
    loader = follow_model_modality(runner, cfg.test_dataloader.to_dict(),
                                   'test_dataloader')
    assert [d['aux_modality'] for d in loader['dataset']['datasets']
            ] == ['thermal'] * 3
    conflicting = cfg.test_dataloader.to_dict()
    conflicting['dataset']['datasets'][1]['aux_modality'] = 'depth'
    with pytest.raises(
            ValueError,
            match=re.escape(
                'test_dataloader.dataset.datasets[1].aux_modality=')):
        follow_model_modality(runner, conflicting, 'test_dataloader')
    # a stock preprocessor whose statistics cannot fit is refused for the
    # concatenated sets too, before a batch
    stock = SimpleNamespace(
        cfg=Config(
            dict(
                model=dict(
                    data_preprocessor=dict(
                        type='SegDataPreProcessor', mean=[0.] * 3,
                        std=[1.] * 3)))))
    with pytest.raises(
            ValueError,
            match=re.escape('test_dataloader.dataset.datasets[0] have 4 '
                            'channels')):
        follow_model_modality(stock, cfg.test_dataloader.to_dict(),
                              'test_dataloader')


def test_caver_training_parts_and_2985_protocol(written, cfgs):
    fixture, cfg = written['caver'], cfgs['rgbd']
    parts = cfg.per_set_train_dataset
    assert [d.split for d in parts.datasets] == ['NJU2K-train', 'NLPR-train']
    dataset = DATASETS.build(
        _concat_cfg(parts, fixture.root,
                    fit_pipeline(cfg.train_pipeline, SIZE), **FAST))
    assert len(dataset) == 3 + 2
    assert [dataset[i]['data_samples'].set_name for i in range(5)
            ] == ['NJU2K-train'] * 3 + ['NLPR-train'] * 2
    # + DUT-RGBD's training part
    with_dut = copy.deepcopy(parts)
    with_dut.datasets.append(dict(parts.datasets[0], split='DUT-RGBD-train'))
    assert len(DATASETS.build(_concat_cfg(with_dut, fixture.root, [],
                                          **FAST))) == 7
    # no combined training folder: the error says what to use
    with pytest.raises(FileNotFoundError) as error:
        build_dataset(cfg, 'train_dataloader', fixture.root, **FAST)
    assert 'per_set_train_dataset' in str(error.value)
    assert 'TrainDataset' in str(error.value)


def test_split_names_by_alias_and_lsnet_vt800(written, cfgs, tmp_path):
    spnet = written['spnet'].root
    for split, set_name in (('rgbd135', 'DES'), ('DES', 'DES'),
                            ('dut', 'DUT-RGBD'), ('NJUD', 'NJU2K')):
        dataset = _set_dataset(cfgs['rgbd'], spnet, split)
        assert dataset.set_name == set_name
        assert dataset.get_data_info(0)['set_name'] == set_name
    # LSNet's test packaging: VT800/{RGB,T,GT} (VT821 by another name)
    root = tmp_path / 'lsnet'
    shutil.copytree(osp.join(written['vt'].root, 'VT821'), root / 'VT800')
    os.rename(root / 'VT800' / 'thermal', root / 'VT800' / 'T')
    dataset = _set_dataset(cfgs['rgbt'], str(root), 'VT821')
    assert (dataset.layout, dataset.set_folder) == ('vt', 'VT800')
    assert len(dataset) == 2
    # and VT5000 as one folder of its test images
    shutil.copytree(
        osp.join(written['vt'].root, 'VT5000', 'Test'), root / 'VT5000')
    assert _set_dataset(cfgs['rgbt'], str(root), 'VT5000').set_folder == (
        'VT5000')


def _records(level=logging.INFO):
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler(level)
    handler.emit = records.append
    logger.addHandler(handler)
    return logger, handler, records


def test_set_sizes_are_checked_against_the_conventions(
        written, cfgs, monkeypatch):
    logger, handler, records = _records()
    try:
        _set_dataset(cfgs['rgbd'], written['spnet'].root, 'NJU2K')
        _set_dataset(cfgs['rgbt'], written['vt'].root, 'VT5000')
        sizes = dict(RGBDSODDataset.SPLIT_SIZES, NJU2K=(500, 2))
        monkeypatch.setattr(RGBDSODDataset, 'SPLIT_SIZES', sizes)
        _set_dataset(cfgs['rgbd'], written['spnet'].root, 'NJU2K')
    finally:
        logger.removeHandler(handler)
    messages = [(r.levelno, r.getMessage()) for r in records]
    assert any(level == logging.WARNING and 'official NJU2K has 500 or 485'
               in text for level, text in messages)
    assert any(level == logging.WARNING and 'UNVERIFIED' in text
               and 'VT5000' in text for level, text in messages)
    assert any(level == logging.INFO and '2-image convention of NJU2K' in
               text for level, text in messages)


# --------------------------------------------------------------- bad input
def test_missing_depth_or_mask_of_a_listed_image(cfgs, tmp_path):
    fixture = sf.write_rgbd_spnet(str(tmp_path / 'spnet'))
    missing = fixture.sets['NJU2K']['2'].files['aux']
    os.remove(missing)
    with pytest.raises(FileNotFoundError) as error:
        _set_dataset(cfgs['rgbd'], fixture.root, 'NJU2K')
    message = str(error.value)
    assert missing in message and 'no depth file' in message
    assert "sample '2'" in message
    # a mask missing from CAVER's whole-set folder, for a listed sample
    caver = sf.write_rgbd_caver(str(tmp_path / 'caver'))
    missing = caver.sets['NJU2K']['000005_left'].files['gt']
    os.remove(missing)
    with pytest.raises(FileNotFoundError) as error:
        _set_dataset(cfgs['rgbd'], caver.root, 'NJU2K')
    message = str(error.value)
    assert osp.splitext(missing)[0] + '.png' in message
    assert 'no label file' in message
    assert 'line 2 of ' + osp.join(caver.root,
                                   'njud_test_jw_name_list.lst') in message


def test_missing_thermal_file(cfgs, tmp_path):
    fixture = sf.write_rgbt_vt(str(tmp_path))
    missing = fixture.sets['VT1000']['1'].files['aux']
    os.remove(missing)
    with pytest.raises(FileNotFoundError) as error:
        _set_dataset(cfgs['rgbt'], fixture.root, 'VT1000')
    assert 'no thermal file' in str(error.value)
    assert osp.join(osp.dirname(missing), '1.jpg (or .bmp, .png)') in str(
        error.value)


def test_missing_thermal_folder(cfgs, tmp_path):
    fixture = sf.write_rgbt_vt(str(tmp_path))
    folder = osp.join(fixture.root, 'VT1000', 'T')
    shutil.rmtree(folder)
    with pytest.raises(
            FileNotFoundError,
            match=f'thermal folder {re.escape(folder)} does not exist'):
        _set_dataset(cfgs['rgbt'], fixture.root, 'VT1000')


def test_size_mismatch_between_rgb_and_aux(cfgs, tmp_path):
    fixture = sf.write_rgbt_vt(str(tmp_path))
    sample = fixture.sets['VT1000']['2']
    cv2.imwrite(sample.files['aux'], sample.aux[:20, :30])
    dataset = _set_dataset(cfgs['rgbt'], fixture.root, 'VT1000')
    with pytest.raises(ValueError) as error:
        dataset[1]
    message = str(error.value)
    assert message.startswith('size mismatch: RGB image ' +
                              sample.files['rgb'] + ' is 24x32')
    assert f'thermal file {sample.files["aux"]} is 20x30' in message


def test_size_mismatch_between_rgb_and_mask(cfgs, tmp_path):
    fixture = sf.write_rgbd_spnet(str(tmp_path))
    sample = fixture.sets['SIP']['1']
    cv2.imwrite(sample.files['gt'], sample.mask[:22])
    cfg = cfgs['rgbd']
    for pipeline in (cfg.test_pipeline, cfg.train_pipeline):
        # before (train) and after (test) Resize: against the original size
        dataset = _set_dataset(cfg, fixture.root, 'SIP', pipeline)
        with pytest.raises(ValueError) as error:
            dataset[0]
        message = str(error.value)
        assert (f'label file {sample.files["gt"]} is 22x32 (HxW) but the RGB '
                f'image {sample.files["rgb"]} is 24x32') in message


@pytest.mark.parametrize('kind', ['colour', 'alpha', '16-bit'])
def test_mask_that_is_not_an_8bit_grey_image(cfgs, tmp_path, kind):
    fixture = sf.write_rgbd_spnet(str(tmp_path))
    sample = fixture.sets['DES']['1']
    mask = sample.mask
    bad = dict(
        colour=np.dstack([mask, mask[::-1], mask]),
        alpha=np.dstack([mask, mask, mask, np.full_like(mask, 255)]),
        **{'16-bit': mask.astype(np.uint16) * 257})[kind]
    cv2.imwrite(sample.files['gt'], bad)
    dataset = _set_dataset(cfgs['rgbd'], fixture.root, 'DES',
                           fit_pipeline(cfgs['rgbd'].test_pipeline, SIZE))
    match = dict(
        colour='3 channels that differ: a colour image',
        alpha='4 channels',
        **{'16-bit': 'uint16, not 8-bit'})[kind]
    with pytest.raises(ValueError,
                       match=re.escape(sample.files['gt']) + '.*' + match):
        dataset[0]


def test_colour_thermal_is_refused(cfgs, tmp_path):
    """A thermal file whose channels differ is not converted."""
    fixture = sf.write_rgbt_vt(str(tmp_path))
    sample = fixture.sets['VT5000']['1']
    cv2.imwrite(sample.files['aux'], sample.rgb)
    dataset = _set_dataset(cfgs['rgbt'], fixture.root, 'VT5000')
    with pytest.raises(
            ValueError,
            match=re.escape(f'thermal file {sample.files["aux"]} has 3 '
                            f'channels that differ')):
        dataset[0]


def test_whole_set_folder_needs_its_name_list(cfgs, tmp_path):
    fixture = sf.write_rgbd_caver(str(tmp_path))
    os.remove(osp.join(fixture.root, 'nlpr_test_jw_name_list.lst'))
    with pytest.raises(FileNotFoundError) as error:
        _set_dataset(cfgs['rgbd'], fixture.root, 'NLPR')
    message = str(error.value)
    assert 'NLPR_FULL/ holds all of NLPR' in message
    assert 'nlpr_test_jw_name_list.lst' in message and 'CAVER' in message
    # an explicit list instead
    lst = tmp_path / 'mine.lst'
    lst.write_text('3_03-06-51\n')
    dataset = DATASETS.build(
        dict(
            cfgs['rgbd'].test_set,
            data_root=fixture.root,
            split='NLPR',
            name_list=str(lst),
            **FAST))
    assert len(dataset) == 1


def test_unknown_or_absent_set_lists_where_it_looked(cfgs, tmp_path):
    fixture = sf.write_rgbd_spnet(str(tmp_path))
    with pytest.raises(FileNotFoundError) as error:
        _set_dataset(cfgs['rgbd'], fixture.root, 'STERE')
    message = str(error.value)
    assert "set 'STERE' not found under " + fixture.root in message
    assert 'TestDataset/STEREO1000' in message and 'STEREO797' in message
    assert '- caver: <SET>/{Image,Depth,Mask}/' in message
    assert 'DES (RGBD135)' in message


def test_mask_files_decode_to_their_grey_values(tmp_path):
    """Palette and 1-bit PNG masks read as the 0 / 255 they show."""
    mask = sf.make_sod_sample(0).mask > 128
    loader = TRANSFORMS.build(dict(type='LoadSaliencyMask'))
    assert isinstance(loader, LoadSaliencyMask)
    for mode in ('1', 'P'):
        path = str(tmp_path / f'{mode}.png')
        image = Image.fromarray(mask.astype(np.uint8) * 255).convert(mode)
        image.save(path)
        results = loader(
            dict(seg_map_path=path, seg_fields=[], reduce_zero_label=False))
        assert results['gt_seg_map'].dtype == np.uint8
        np.testing.assert_array_equal(results['gt_seg_map'], mask)
        assert results['seg_fields'] == ['gt_seg_map']
