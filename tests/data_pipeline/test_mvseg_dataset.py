"""MVSeg in the MVSS-Baseline layout through its real config, dataset class
and pipelines; MVSS's two mIoU conventions against hand computations."""
import logging
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.structures import PixelData

import rgbx_fixtures as fx
from mmseg.structures import SegDataSample
from mmseg_dplnet.evaluation import MVSSIoUMetric
from rgbx_testing import (build_dataset, build_preprocessor, denormalise_rgb,
                          fit_pipeline, load_config, paper_normalised,
                          preprocess)

GROUND = 25


@pytest.fixture(scope='module')
def mvseg(tmp_path_factory) -> fx.Fixture:
    return fx.write_mvseg(str(tmp_path_factory.mktemp('mvseg')))


@pytest.fixture(scope='module')
def cfg():
    return load_config('mvseg')


def _test_set(cfg, fixture, **options):
    pipeline = fit_pipeline(cfg.test_pipeline, (fx.H, fx.W))
    return build_dataset(cfg, 'test_dataloader', fixture.root, pipeline,
                         **options)


def test_samples_are_the_labelled_frames_of_the_listed_videos(cfg, mvseg):
    for loader, split in (('train_dataloader', 'train'),
                          ('test_dataloader', 'test')):
        dataset = build_dataset(cfg, loader, mvseg.root)
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        assert [f'{i["video"]}/{i["frame_index"]}'
                for i in infos] == list(mvseg.splits[split])
        for info in infos:
            frame = f'{info["frame_index"]:05d}'
            folder = osp.join(mvseg.root, 'data', info['video'])
            rgb_ext, ir_ext = fx.MVSEG_VIDEOS[info['video']][1:3]
            # each modality folder with its own extension
            assert info['img_path'] == osp.join(folder, 'visible',
                                                frame + 'v' + rgb_ext)
            assert info['aux_path'] == osp.join(folder, 'infrared',
                                                frame + 'i' + ir_ext)
            assert info['seg_map_path'] == osp.join(folder, 'label',
                                                    frame + 'l.png')
    assert dataset.metainfo['classes'][GROUND] == 'Ground'
    assert len(dataset.metainfo['classes']) == 26
    assert dataset.metainfo['palette'][19] == [128, 64, 128]  # Road


def test_test_pipeline_aligns_rgb_thermal_label_and_metainfo(cfg, mvseg):
    dataset = _test_set(cfg, mvseg)
    preprocessor = build_preprocessor(cfg)
    for index in range(len(dataset)):
        packed = dataset[index]
        meta = packed['data_samples'].metainfo
        key = f'{meta["video"]}/{meta["frame_index"]}'
        sample = mvseg.splits['test'][key]
        inputs = preprocess(preprocessor, [packed])['inputs'][0]
        assert inputs.shape == (4, fx.H, fx.W)
        expected = paper_normalised(sample.rgb, sample.aux / 255.)
        tolerance = 1e-5 if meta['aux_path'].endswith('.png') else 0.2
        np.testing.assert_allclose(
            inputs[3:].double().numpy(), expected[3:], atol=tolerance)
        rgb = denormalise_rgb(inputs)
        error = np.abs(rgb - sample.rgb).mean()
        # JPEG: close to the source, far from a channel swap
        assert error < (1e-3 if sample.rgb_lossless else 6), error
        assert np.abs(rgb - sample.rgb[..., ::-1]).mean() > 30
        gt = packed['data_samples'].gt_sem_seg.data[0].numpy()
        # 255 is class 25 "Ground" (MVSS's Relabel(255, 25))
        np.testing.assert_array_equal(
            gt, np.where(sample.label == 255, GROUND, sample.label))
    first = mvseg.splits['test']['OSU_Walk/6'].label
    assert (first == 255).sum() == 12


def test_label_255_as_ignore(cfg, mvseg):
    dataset = _test_set(cfg, mvseg, label_255='ignore')
    gt = dataset[0]['data_samples'].gt_sem_seg.data[0].numpy()
    label = mvseg.splits['test']['OSU_Walk/6'].label
    np.testing.assert_array_equal(gt, label)
    assert (gt == 255).sum() == 12
    with pytest.raises(ValueError, match="label_255 must be one of"):
        _test_set(cfg, mvseg, label_255='void')


def test_train_pipeline_crops_all_modalities_together(cfg, mvseg):
    pipeline = fit_pipeline(cfg.train_pipeline, (fx.H, fx.W), (12, 16))
    dataset = build_dataset(cfg, 'train_dataloader', mvseg.root, pipeline)
    packed = [dataset[i] for i in range(len(dataset))]
    batch = preprocess(
        build_preprocessor(cfg, size=(12, 16)), packed, training=True)
    assert batch['inputs'].shape == (4, 4, 12, 16)
    for item in packed:
        gt = item['data_samples'].gt_sem_seg.data
        assert gt.shape[-2:] == item['inputs'].shape[1:]
        assert set(torch.unique(gt).tolist()) <= set(range(26))


def test_temporal_window_with_mvss_fallback(cfg, mvseg):
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        dataset = build_dataset(
            cfg, 'train_dataloader', mvseg.root, num_past_frames=3)
    finally:
        logger.removeHandler(handler)
    infos = {
        f'{i["video"]}/{i["frame_index"]}': i
        for i in map(dataset.get_data_info, range(len(dataset)))
    }
    ino = infos['INO_ClosePerson1/10']
    assert ino['clip_frame_indices'] == [1, 4, 7]
    assert ino['clip_img_paths'] == [
        osp.join(mvseg.root, 'data', 'INO_ClosePerson1', 'visible',
                 f'{f:05d}v.jpg') for f in (1, 4, 7)
    ]
    assert ino['clip_aux_paths'][0].endswith(
        osp.join('infrared', '00001i.jpg'))
    # KAIST_Street2 starts at frame 3: frame 5's t-9, t-6 and t-3 are
    # missing and replaced by frame 5 itself, frame 8's t-9 and t-6
    kaist5 = infos['KAIST_Street2/5']
    assert kaist5['clip_frame_indices'] == [5, 5, 5]
    assert kaist5['clip_img_paths'] == [kaist5['img_path']] * 3
    assert infos['KAIST_Street2/8']['clip_frame_indices'] == [8, 8, 5]
    assert dataset.num_clip_fallbacks == 5
    warnings = [r.getMessage() for r in records if r.levelno >= 30]
    assert any('5 of 12 earlier frames' in message for message in warnings)
    # the per-frame protocol names no window
    assert 'clip_img_paths' not in build_dataset(
        cfg, 'train_dataloader', mvseg.root).get_data_info(0)


def test_bad_layouts_fail_naming_the_file(cfg, tmp_path):
    fixture = fx.write_mvseg(str(tmp_path / 'mvseg'))
    video = osp.join(fixture.root, 'data', 'OSU_Walk')
    os.remove(osp.join(video, 'infrared', '00009i.png'))
    with pytest.raises(FileNotFoundError) as error:
        _test_set(cfg, fixture)
    assert osp.join(video, 'infrared', '00009i.jpg') in str(error.value)
    assert 'OSU_Walk/00009l' in str(error.value)
    os.rename(video, video + '_moved')
    with pytest.raises(FileNotFoundError, match="video 'OSU_Walk'.*line 1"):
        _test_set(cfg, fixture)
    with pytest.raises(FileNotFoundError, match='test_night.txt'):
        _test_set(cfg, fixture, split='test_night')
    label_dir = osp.join(fixture.root, 'data', 'INO_ClosePerson1', 'label')
    os.rename(
        osp.join(label_dir, '00010l.png'), osp.join(label_dir, '00010.png'))
    with pytest.raises(ValueError, match=r'00010 is not named NNNNNl'):
        build_dataset(cfg, 'train_dataloader', fixture.root)


def _sample(gt, pred) -> dict:
    sample = SegDataSample()
    sample.set_metainfo(dict(img_path='x.png'))
    sample.gt_sem_seg = PixelData(data=torch.tensor(gt)[None])
    sample.pred_sem_seg = PixelData(data=torch.tensor(pred)[None])
    return sample.to_dict()


def test_two_miou_conventions_by_hand():
    """4 classes; class 3 occurs neither in the ground truth nor in the
    predictions."""
    metric = MVSSIoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=('a', 'b', 'c', 'd'))
    gt = [[0, 0, 1, 1], [2, 2, 2, 2]]
    pred = [[0, 1, 1, 1], [2, 2, 0, 2]]
    metric.process([], [_sample(gt, pred)])
    # IoU: class 0: 1 / (2 + 2 - 1) = 1/3; class 1: 2 / 3;
    # class 2: 3 / 4; class 3: absent (0 / 0)
    ious = [1 / 3, 2 / 3, 3 / 4]
    results = metric.evaluate(1)
    assert results['mIoU'] == pytest.approx(
        round(100 * sum(ious) / 3, 2))  # runningScore: 58.33
    assert results['mIoU_IouEval'] == pytest.approx(
        round(100 * (sum(ious) + 1) / 4, 2))  # IouEval: 68.75
    assert results['mIoU'] != results['mIoU_IouEval']
