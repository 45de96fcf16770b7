"""DPLNetHead: shapes and mmseg's loss semantics."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData

from mmseg.structures import SegDataSample
from mmseg_dplnet.models import DPLNetHead
from mmseg_dplnet.models.decode_heads.dplnet_head import bilinear_resize


def make_head(**kwargs):
    torch.manual_seed(0)
    return DPLNetHead(
        in_channels=[8, 16, 24, 32],
        in_index=[0, 1, 2, 3],
        embed_dims=16,
        channels=12,
        num_classes=4,
        norm_cfg=dict(type='BN'),
        **kwargs)


def stage_maps(batch=2, size=(16, 20)):
    h, w = size
    return [torch.randn(batch, c, -(-h // s), -(-w // s))
            for c, s in zip([8, 16, 24, 32], [1, 2, 4, 8])]


def test_logits_at_stage_one_resolution():
    head = make_head().eval()
    assert head(stage_maps()).shape == (2, 4, 16, 20)
    assert isinstance(head.dropout, torch.nn.Dropout2d)
    assert head.dropout.p == 0.5


def test_class_weighted_loss_with_ignored_pixels():
    """The official loss: torch's class-weighted mean over labelled pixels
    (mmseg's own CrossEntropyLoss crashes on ignore_index with weights)."""
    weights = [0.5, 1.0, 2.0, 3.0]
    head = make_head(loss_decode=dict(
        type='ClassWeightedCrossEntropyLoss', class_weight=weights),
        dropout_ratio=0.).eval()
    logits = head(stage_maps())
    labels = torch.randint(0, 4, (2, 64, 80))
    labels[:, :10] = 255
    samples = []
    for label in labels:
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=label[None])
        samples.append(sample)
    loss = head.loss_by_feat(logits, samples)['loss_ce']
    upsampled = F.interpolate(logits, size=(64, 80), mode='bilinear',
                              align_corners=False)
    expected = F.cross_entropy(upsampled, labels, weight=torch.tensor(
        weights), ignore_index=255)
    torch.testing.assert_close(loss, expected)


def test_fast_order_equals_the_literal_head():
    """Folding the fusion conv into the stage Linears (before resizing) and
    the two last 1x1 convs into one gives the literal head's logits."""
    head = make_head().eval()
    with torch.no_grad():
        for param in head.parameters():  # non-trivial BN and biases
            param.add_(0.1 * torch.randn_like(param))
        head.fusion.bn.running_mean.normal_()
        head.fusion.bn.running_var.uniform_(0.5, 1.5)
        maps = stage_maps(size=(30, 42))
        embedded = []
        for x, projection in zip(maps, head.stage_projections):
            y = projection(x.flatten(2).transpose(1, 2)).transpose(1, 2)
            y = y.reshape(x.shape[0], -1, *x.shape[2:])
            embedded.append(F.interpolate(y, size=maps[0].shape[2:],
                                          mode='bilinear',
                                          align_corners=False))
        literal = head.conv_seg(head.intermediate_proj(
            head.fusion(torch.cat(embedded[::-1], dim=1))))
        torch.testing.assert_close(head(maps), literal, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('align_corners', [False, True])
@pytest.mark.parametrize('shape,size', [((15, 20), (120, 160)),
                                        ((7, 5), (25, 19)),
                                        ((30, 40), (12, 17))])
def test_bilinear_resize_is_interpolate(shape, size, align_corners):
    """The decoder's resize by matrix products is F.interpolate's bilinear
    resize (up, odd ratios, down), values and input gradients."""
    x = torch.randn(2, 3, *shape, dtype=torch.float64, requires_grad=True)
    grad = torch.randn(2, 3, *size, dtype=torch.float64)
    ours = bilinear_resize(x, size, align_corners)
    (ours_grad, ) = torch.autograd.grad(ours, x, grad)
    stock = F.interpolate(x, size=size, mode='bilinear',
                          align_corners=align_corners)
    (stock_grad, ) = torch.autograd.grad(stock, x, grad)
    torch.testing.assert_close(ours, stock, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ours_grad, stock_grad, rtol=1e-12,
                               atol=1e-12)
