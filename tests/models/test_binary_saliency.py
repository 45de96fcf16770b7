"""The one-channel (saliency) mode: DPLNetHead's binary output and its
BCE + soft IoU loss, probability-averaging TTA, and the saliency panels of
the visualiser."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData

from mmseg.models import SegTTAModel
from mmseg.structures import SegDataSample
from mmseg_dplnet.models import BinarySegTTAModel, DPLNetHead, SoftIoULoss
from mmseg_dplnet.visualization import MultimodalSegLocalVisualizer


def test_soft_iou_by_hand():
    loss = SoftIoULoss(eps=1.0)
    logits = torch.zeros(1, 1, 2, 3)  # p = 0.5 everywhere
    target = torch.tensor([[[1, 1, 0], [0, 255, 255]]])
    # valid pixels: 4; intersection 2 * 0.5 = 1; union 4 * 0.5 + 2 - 1 = 3
    assert loss(logits, target).item() == pytest.approx(1 - 2 / 4)
    # a perfect, confident prediction
    confident = torch.tensor([[[[20., 20., -20.], [-20., 0., 0.]]]])
    assert loss(confident, target).item() == pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError, match='out_channels=1'):
        loss(torch.zeros(1, 2, 2, 3), target)


def test_head_gives_one_channel_and_both_losses():
    torch.manual_seed(0)
    head = DPLNetHead(
        in_channels=[8, 16, 24, 32],
        in_index=[0, 1, 2, 3],
        embed_dims=16,
        channels=12,
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        norm_cfg=dict(type='BN'),
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=True,
                 loss_name='loss_bce'),
            dict(type='SoftIoULoss')
        ]).eval()
    feats = [torch.randn(2, c, 16 // s, 20 // s)
             for c, s in zip([8, 16, 24, 32], [1, 2, 4, 8])]
    logits = head(feats)
    assert logits.shape == (2, 1, 16, 20)
    labels = (torch.rand(2, 64, 80) > 0.5).long()
    samples = []
    for label in labels:
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=label[None])
        samples.append(sample)
    losses = head.loss_by_feat(logits, samples)
    upsampled = F.interpolate(logits, (64, 80), mode='bilinear')
    torch.testing.assert_close(
        losses['loss_bce'],
        F.binary_cross_entropy_with_logits(upsampled[:, 0], labels.float()))
    prob = upsampled[:, 0].sigmoid()
    inter = (prob * labels).flatten(1).sum(1)
    union = (prob + labels - prob * labels).flatten(1).sum(1)
    torch.testing.assert_close(losses['loss_iou'],
                               (1 - (inter + 1) / (union + 1)).mean())


class _BinaryModule(torch.nn.Module):
    """What merge_preds reads of a binary segmentor (the whole model runs
    under --tta in tests/tools/test_sod_tools.py)."""
    out_channels = 1

    class decode_head:  # noqa: N801  (the attribute the TTA model reads)
        threshold = 0.5

    def test_step(self, data):
        raise AssertionError('merge_preds only')


def _view(prob: torch.Tensor) -> SegDataSample:
    sample = SegDataSample(metainfo=dict(img_path='a.jpg', set_name='X'))
    sample.seg_logits = PixelData(data=prob[None])
    sample.pred_sem_seg = PixelData(data=(prob[None] > 0.5).float())
    return sample


def test_tta_averages_the_probabilities():
    views = [torch.tensor([[0.9, 0.2], [0.6, 0.1]]),
             torch.tensor([[0.7, 0.6], [0.2, 0.1]])]
    mean = (views[0] + views[1]) / 2
    model = BinarySegTTAModel(module=_BinaryModule())
    (merged, ) = model.merge_preds([[_view(v) for v in views]])
    torch.testing.assert_close(merged.seg_logits.data[0], mean)
    torch.testing.assert_close(merged.pred_sem_seg.data[0],
                               (mean > 0.5).float())
    assert merged.set_name == 'X'
    # mmseg's own merge applies the sigmoid to the probabilities again and
    # keeps the last view's map
    (stock, ) = SegTTAModel(module=_BinaryModule()).merge_preds(
        [[_view(v) for v in views]])
    assert not torch.allclose(stock.seg_logits.data[0], mean)


def test_visualiser_draws_saliency_map_and_overlay():
    visualizer = MultimodalSegLocalVisualizer(
        classes=('background', 'salient'), palette=[[0, 0, 0],
                                                    [255, 255, 255]],
        alpha=0.5)
    h, w = 6, 8
    stacked = np.zeros((h, w, 4), dtype=np.float32)
    stacked[..., :3] = 100.
    stacked[..., 3] = np.linspace(0, 1, w)[None]
    prob = torch.zeros(h // 2, w // 2)
    prob[:, 2:] = 1.
    sample = _view(prob)
    sample.set_metainfo(dict(aux_modality='depth'))
    figure = visualizer.draw_panels(stacked, sample, draw_gt=False)
    assert figure.shape == (h, 4 * w, 3)  # RGB | depth | map | overlay
    grey, overlay = figure[:, 2 * w:3 * w], figure[:, 3 * w:]
    # the map, resized to the image: black, then white on the right half
    assert (grey[:, :3] == 0).all() and (grey[:, 5:] == 255).all()
    assert (grey[..., 0] == grey[..., 1]).all()
    # overlay: the image where not salient, tinted red (alpha 0.5) where
    assert (overlay[:, :3] == 100).all()
    np.testing.assert_array_equal(overlay[:, 5:], [[[178, 50, 50]] * 3] * h)
