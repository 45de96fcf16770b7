"""SODMetric: hand-computed values, several test sets in one run, the
written saliency maps and its errors."""
import logging

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.logging import MMLogger
from mmengine.structures import PixelData

from mmseg.registry import METRICS, MODELS
from mmseg.structures import SegDataSample
from mmseg_dplnet.evaluation import SODMetric


def sample(prob, gt, stem: str = 'a', **metainfo) -> dict:
    """One model output as the evaluator hands it to a metric (a
    ``SegDataSample`` as a dict): the sigmoid map (1, H, W) of a binary
    model and the 0/1 ground truth."""
    data_sample = SegDataSample(
        metainfo=dict(
            img_path=f'data/RGB/{stem}.jpg',
            seg_map_path=f'data/GT/{stem}.png',
            **metainfo))
    data_sample.seg_logits = PixelData(
        data=torch.as_tensor(prob, dtype=torch.float32)[None])
    data_sample.gt_sem_seg = PixelData(
        data=torch.as_tensor(gt, dtype=torch.int64)[None])
    return data_sample.to_dict()


def evaluate(samples, **options) -> dict:
    metric = METRICS.build(dict(type='SODMetric', **options))
    metric.process({}, samples)
    return metric.evaluate(len(samples))


@pytest.fixture
def log_lines():
    """The messages the metric logs (print_log to the current logger)."""
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield lambda: '\n'.join(r.getMessage() for r in records).splitlines()
    logger.removeHandler(handler)


def test_perfect_prediction():
    gt = np.zeros((6, 8), dtype=np.int64)
    gt[1:4, 2:6] = 1
    metrics = evaluate([sample(gt, gt)])
    assert list(metrics) == [
        'Sm', 'maxFm', 'meanFm', 'adpFm', 'maxEm', 'meanEm', 'adpEm', 'wFm',
        'MAE'
    ]
    assert metrics['Sm'] == pytest.approx(1)
    assert metrics['maxFm'] == metrics['adpFm'] == metrics['wFm'] == 1
    assert metrics['MAE'] == 0
    # The reference E-measure divides the alignment sum of the N pixels by
    # N - 1 (Fan's MATLAB code), so a perfect map scores N / (N - 1).
    assert metrics['maxEm'] == pytest.approx(48 / 47)


def test_mae_of_a_constant_error():
    # constant maps are not min-max normalised: every pixel is off by 0.2
    # on the background and by 0.8 on the foreground (half the image)
    gt = np.array([[1, 1, 1, 1], [0, 0, 0, 0]])
    background = np.zeros((2, 4), dtype=np.int64)
    prob = np.full((2, 4), 0.2)
    assert evaluate([sample(prob, gt)])['MAE'] == pytest.approx(0.5)
    both = evaluate([sample(prob, gt), sample(prob, background, 'b')])
    assert both['MAE'] == pytest.approx((0.5 + 0.2) / 2)
    # a map that is not constant is min-max normalised first (the
    # toolbox's mapminmax): 0.1 / 0.9 counts as 0 / 1
    assert evaluate([sample(gt * 0.8 + 0.1, gt)])['MAE'] == 0
    # S-measure of an all-background ground truth: 1 - mean(map)
    assert evaluate([sample(prob, background)])['Sm'] == pytest.approx(0.8)


def test_f_measure_of_a_half_correct_map():
    # 4 foreground pixels; the map marks 4, 2 of them right. Thresholds
    # 1..255 (255 of the 256) binarise it to itself: P = R = 1/2, F = 1/2;
    # threshold 0 takes every pixel: P = 1/2, R = 1, F = 1.3 * 1/2 / (0.3 *
    # 1/2 + 1) = 13/23. The adaptive threshold 2 * mean = 1 gives the map.
    gt = np.array([[1, 1, 1, 1], [0, 0, 0, 0]])
    prob = np.array([[1, 1, 0, 0], [1, 1, 0, 0]])
    metrics = evaluate([sample(prob, gt)])
    assert metrics['maxFm'] == pytest.approx(13 / 23)
    assert metrics['meanFm'] == pytest.approx((13 / 23 + 255 * 0.5) / 256)
    assert metrics['adpFm'] == pytest.approx(0.5)
    assert metrics['MAE'] == pytest.approx(0.5)


def test_s_measure_by_the_definition():
    """S = (So + Sr) / 2 of Fan et al. (ICCV 2017), alpha = 0.5.

    Ground truth: column 0 of a 3 x 4 image (mu = 3/12 foreground); the map
    is the ground truth plus one false positive at (0, 3).

    So = mu * O_FG + (1 - mu) * O_BG, O = 2 m / (m^2 + 1 + sigma) (lambda =
    0.5; m, sigma: mean and sample std of the map on the foreground, of
    1 - map on the background). O_FG = 2 / 2 = 1. Background: eight 1s and
    one 0: m = 8/9, sigma^2 = (8/81 + 64/81) / 8 = 1/9, O_BG = (16/9) /
    (64/81 + 4/3) = 36/43. So = 1/4 + 3/4 * 36/43 = 151/172.

    Sr: the foreground centroid (row 1, column 0) splits the image after row
    2 and column 1 into 2, 6, 1 and 3 pixels (weights = area / 12). The
    SSIM 4 m_x m_y s_xy / ((m_x^2 + m_y^2)(s_x^2 + s_y^2)) of a part whose
    ground truth is constant is 0 unless the map is constant there too,
    where it is 0/0, taken as 1 by the reference code: the 6-pixel part
    holds the false positive (0), the others are constant (1). Sr = (2 + 1
    + 3) / 12 = 1/2. S = (151/172 + 1/2) / 2 = 237/344.
    """
    gt = np.zeros((3, 4), dtype=np.int64)
    gt[:, 0] = 1
    prob = gt.astype(np.float64)
    prob[0, 3] = 1
    assert evaluate([sample(prob, gt)])['Sm'] == pytest.approx(237 / 344)


def two_sets():
    rng = np.random.default_rng(0)
    samples = []
    for index, set_name in enumerate(('NJU2K', 'NJU2K', 'STERE', 'NJU2K')):
        gt = np.zeros((12, 16), dtype=np.int64)
        gt[2 + index:9, 3:12 - index] = 1
        prob = np.clip(gt * 0.5 + rng.random((12, 16)) * 0.6, 0, 1)
        samples.append(sample(prob, gt, f's{index}', set_name=set_name))
    return samples


def test_several_sets(log_lines):
    samples = two_sets()
    alone = {
        name: evaluate([{k: v
                         for k, v in s.items() if k != 'set_name'}
                        for s in samples if s['set_name'] == name])
        for name in ('NJU2K', 'STERE')
    }
    logged_before = len(log_lines())
    metrics = evaluate(samples)
    assert len(metrics) == 3 * 9
    assert alone['NJU2K']['maxFm'] != alone['STERE']['maxFm']
    for name, values in alone.items():
        assert {key: metrics[f'{name}/{key}'] for key in values} == values
    for key in alone['STERE']:
        assert metrics[f'mean/{key}'] == pytest.approx(
            (alone['NJU2K'][key] + alone['STERE'][key]) / 2)
    rows = [
        line.split('|')[1:-1] for line in log_lines()[logged_before:]
        if '|' in line
    ]
    cells = [[cell.strip() for cell in row] for row in rows]
    assert cells[0] == ['Set', 'Sm', 'maxFm', 'maxEm', 'MAE']  # one table
    assert [row[0] for row in cells[1:]] == ['NJU2K', 'STERE', 'mean']
    assert cells[2][1:] == [
        f'{alone["STERE"][key]:.3f}' for key in ('Sm', 'maxFm', 'maxEm', 'MAE')
    ]


def test_set_names_mixed_with_unnamed_samples_fail():
    samples = two_sets()
    del samples[2]['set_name']
    with pytest.raises(ValueError, match="some samples name their test set"):
        evaluate(samples)


def test_written_maps(tmp_path):
    gt = np.zeros((6, 8), dtype=np.int64)
    gt[:, 4:] = 1
    prob = np.linspace(0, 1, 48).reshape(6, 8)
    half = np.array([[0.25, 0.75], [0.25, 0.75]])  # 2 x 2, GT is 6 x 8
    samples = [
        sample(prob, gt, 'x1', set_name='SIP'),
        sample(half, gt, 'x2', set_name='SIP'),
        sample(prob, gt, 'y1', set_name='VT5000'),
        sample(prob, gt, 'z1')
    ]
    metric = SODMetric(output_dir=str(tmp_path), format_only=True)
    metric.process({}, samples)
    assert metric.evaluate(len(samples)) == {}
    assert sorted(p.relative_to(tmp_path).as_posix()
                  for p in tmp_path.rglob('*.png')) == [
                      'SIP/x1.png', 'SIP/x2.png', 'VT5000/y1.png', 'z1.png'
                  ]
    written = mmcv.imread(str(tmp_path / 'SIP' / 'x1.png'), 'unchanged')
    assert written.dtype == np.uint8 and written.shape == (6, 8)
    np.testing.assert_array_equal(
        written,
        np.round(prob.astype(np.float32).astype(np.float64) * 255))
    # resized (bilinear) to the ground truth's size: the outer columns keep
    # the map's values, the middle ones lie between them
    resized = mmcv.imread(str(tmp_path / 'SIP' / 'x2.png'), 'unchanged')
    assert resized.shape == (6, 8)
    np.testing.assert_array_equal(resized[:, :2], 64)
    np.testing.assert_array_equal(resized[:, -2:], 191)
    assert (np.diff(resized.astype(int), axis=1) >= 0).all()
    assert (resized[:, 3] > 64).all() and (resized[:, 4] < 191).all()


def test_maps_written_while_evaluating_are_the_evaluated_ones(tmp_path):
    gt = np.zeros((6, 8), dtype=np.int64)
    gt[:, 4:] = 1
    prob = np.full((3, 4), 0.3)
    prob[:, 2:] = 0.9
    metrics = evaluate([sample(prob, gt, 'p')], output_dir=str(tmp_path))
    written = mmcv.imread(str(tmp_path / 'p.png'), 'unchanged')
    assert written.shape == (6, 8)
    # min-max normalised, the map equals the ground truth except where the
    # bilinear resize blends the two values (columns 3 and 4)
    error = np.abs((written - written.min()) / np.ptp(written) - gt)
    assert metrics['MAE'] == pytest.approx(error.mean())
    assert error[:, [0, 1, 2, 5, 6, 7]].max() == 0


def test_errors(tmp_path):
    gt = np.array([[1, 0], [0, 0]])
    no_logits = sample(np.zeros((2, 2)), gt)
    del no_logits['seg_logits']
    with pytest.raises(ValueError, match=r'binary model.*out_channels=1'):
        evaluate([no_logits])
    two_channels = sample(np.zeros((2, 2)), gt)
    two_channels['seg_logits']['data'] = torch.zeros(2, 2, 2)
    with pytest.raises(ValueError, match=r'binary model.*out_channels=1'):
        evaluate([two_channels])
    with pytest.raises(ValueError, match=r'data/GT/a\.png: binarise'):
        evaluate([sample(np.zeros((2, 2)), gt * 255)])
    with pytest.raises(ValueError, match=r'probabilities in \[0, 1\]'):
        evaluate([sample(np.full((2, 2), 3.), gt)])
    with pytest.raises(ValueError, match='needs output_dir'):
        SODMetric(format_only=True)


def test_outputs_of_a_binary_encoder_decoder(tmp_path):
    """mmseg's EncoderDecoder with a one-channel decode head, end to end:
    its seg_logits are sigmoid maps at ori_shape, evaluated as they are."""
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=dict(
                type='MixVisionTransformer',
                embed_dims=8,
                num_layers=[1, 1, 1, 1],
                num_heads=[1, 2, 4, 8]),
            decode_head=dict(
                type='SegformerHead',
                in_channels=[8, 16, 32, 64],
                in_index=[0, 1, 2, 3],
                channels=8,
                num_classes=2,
                out_channels=1,
                threshold=0.5,
                loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True)),
            test_cfg=ConfigDict(mode='whole'))).eval()
    gt = np.zeros((24, 40), dtype=np.int64)
    gt[6:18, 10:30] = 1
    data_sample = SegDataSample(
        metainfo=dict(
            ori_shape=(24, 40),
            img_shape=(32, 32),
            seg_map_path='data/GT/e.png',
            set_name='DUT'))
    data_sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])
    with torch.no_grad():
        output, = model.predict(torch.rand(1, 3, 32, 32), [data_sample])
    metrics = evaluate([output.to_dict()], output_dir=str(tmp_path))
    prob = output.seg_logits.data
    assert prob.shape == (1, 24, 40) and 0 <= prob.min() <= prob.max() <= 1
    written = mmcv.imread(str(tmp_path / 'DUT' / 'e.png'), 'unchanged')
    np.testing.assert_array_equal(
        written, np.round(prob[0].double().numpy() * 255))
    normalised = (written - written.min()) / np.ptp(written)
    assert metrics['MAE'] == pytest.approx(np.abs(normalised - gt).mean())
