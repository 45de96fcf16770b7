"""The auxiliary colour map and MultimodalSegLocalVisualizer on real files."""
import itertools

import numpy as np
import pytest
import torch
from inference_vis_testing import (SIZE, VISUALIZER, read_rgb, read_unchanged,
                                   sample_files)
from mmengine.structures import PixelData

from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer
from mmseg_dplnet.datasets.transforms import LoadRGBXImageFromFile
from mmseg_dplnet.datasets.transforms.image_files import read_aux_file
from mmseg_dplnet.synthetic import CLASSES, PALETTE
from mmseg_dplnet.visualization import (MultimodalSegLocalVisualizer,
                                        colorize_aux)

H, W = SIZE
META = dict(classes=CLASSES, palette=[list(c) for c in PALETTE])
# visualisers are named singletons: one name per instance
_NAMES = itertools.count()


# ---------------------------------------------------------------- helpers
def test_colorize_depth_blacks_out_holes_and_spreads_values():
    depth = np.tile(np.linspace(500, 5000, 64, dtype=np.uint16), (8, 1))
    depth[:, :4] = 0  # no reading
    image = colorize_aux(depth, 'depth')
    assert image.shape == (8, 64, 3) and image.dtype == np.uint8
    assert (image[:, :4] == 0).all()
    assert (image[:, 4:].max(-1) > 0).all()
    near, far = image[0, 4], image[0, -1]
    assert not np.array_equal(near, far)
    # the colour map's ends are used whatever the unit or bit depth
    metres = colorize_aux(depth.astype(np.float32) / 1000, 'depth', 'minmax')
    millimetres = colorize_aux(depth, 'depth', 'minmax')
    assert np.abs(metres.astype(int) - millimetres).max() <= 8
    assert not np.array_equal(
        colorize_aux(depth, 'depth', 'minmax'),
        colorize_aux(depth, 'depth', 'percentile', (20, 80)))


def test_colorize_aux_reads_replicated_channels_and_hha():
    depth = np.random.default_rng(0).integers(1, 255, (6, 9), dtype=np.uint8)
    replicated = np.repeat(depth[..., None], 3, -1).astype(np.float32) / 255
    assert np.array_equal(
        colorize_aux(replicated, 'depth', 'minmax'),
        colorize_aux(depth, 'depth', 'minmax'))
    with pytest.raises(ValueError, match='hha'):
        colorize_aux(np.dstack([depth, depth, depth + 1]), 'depth')
    hha = np.dstack([depth, 255 - depth, depth // 2])
    assert np.array_equal(colorize_aux(hha, 'hha'), hha)
    hha16 = hha.astype(np.uint16) * 200
    shown = colorize_aux(hha16, 'hha', 'minmax')
    assert shown.dtype == np.uint8
    for channel in range(3):
        assert shown[..., channel].min() == 0
        assert shown[..., channel].max() == 255
    thermal = colorize_aux(depth, 'thermal')
    assert thermal.shape == (6, 9, 3)
    with pytest.raises(ValueError, match='modality'):
        colorize_aux(depth, 'lidar')


# ------------------------------------------------------------- visualiser
def labelled_sample(root: str, with_aux: bool = True) -> SegDataSample:
    """A data sample as the test loop gives it to the hook."""
    rgb_file, depth_file, _ = sample_files(root)
    rng = np.random.default_rng(0)
    sample = SegDataSample()
    gt = rng.integers(0, len(CLASSES), SIZE)
    gt[:10] = 255
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])
    sample.pred_sem_seg = PixelData(
        data=torch.from_numpy(rng.integers(0, len(CLASSES), SIZE))[None])
    meta = dict(img_path=rgb_file, ori_shape=SIZE, img_shape=SIZE)
    if with_aux:
        meta.update(aux_path=depth_file, aux_modality='depth')
    sample.set_metainfo(meta)
    return sample


def stock_drawing(image, sample, tmp_path) -> np.ndarray:
    stock = SegLocalVisualizer(name=f'stock_{next(_NAMES)}')
    stock.dataset_meta = dict(META)  # its __init__ swaps the two
    out = str(tmp_path / 'stock.png')
    stock.add_datasample('stock', image, sample, out_file=out)
    return read_rgb(out)


def draw(image, sample, tmp_path, name='drawn') -> np.ndarray:
    visualizer = VISUALIZERS.build(
        dict(
            type=VISUALIZER,
            name=f'vis_{next(_NAMES)}',
            classes=CLASSES,
            palette=META['palette']))
    assert isinstance(visualizer, MultimodalSegLocalVisualizer)
    out = str(tmp_path / f'{name}.png')
    visualizer.add_datasample(name, image, sample, out_file=out)
    drawn = read_rgb(out)
    if drawn.shape[1] > 2 * W:  # the stock drawing keeps its last panel
        assert np.array_equal(visualizer.get_image(), drawn)
    return drawn


def panels_of(drawn: np.ndarray, count: int):
    assert drawn.shape == (H, count * W, 3)
    return [drawn[:, i * W:(i + 1) * W] for i in range(count)]


def test_hook_input_rgb_image_and_aux_path(synthetic_root, tmp_path):
    rgb_file, depth_file, _ = sample_files(synthetic_root)
    rgb = read_rgb(rgb_file)  # what SegVisualizationHook reads
    sample = labelled_sample(synthetic_root)
    rgb_panel, aux_panel, gt_panel, pred_panel = panels_of(
        draw(rgb, sample, tmp_path), 4)
    assert np.array_equal(rgb_panel, rgb)
    depth = read_unchanged(depth_file)
    assert depth.dtype == np.uint16
    assert np.array_equal(read_aux_file(depth_file, 'depth'), depth)
    assert np.array_equal(aux_panel, colorize_aux(depth, 'depth'))
    assert (aux_panel[depth == 0] == 0).all() and (depth == 0).any()
    # ground truth and prediction drawn as the stock visualiser draws them
    stock = stock_drawing(rgb, sample, tmp_path)
    assert np.array_equal(np.concatenate([gt_panel, pred_panel], 1), stock)


def test_stacked_image(synthetic_root, tmp_path):
    rgb_file, depth_file, _ = sample_files(synthetic_root)
    loaded = LoadRGBXImageFromFile(
        aux_bit_depth=16, aux_max_value=6.)(
            dict(img_path=rgb_file, aux_path=depth_file, aux_modality='depth'))
    stacked = loaded['img']
    assert stacked.shape == SIZE + (4, ) and stacked.dtype == np.float32
    sample = labelled_sample(synthetic_root)
    sample.set_metainfo(dict(aux_path=None))  # only the image holds depth
    rgb_panel, aux_panel, gt_panel, pred_panel = panels_of(
        draw(stacked, sample, tmp_path), 4)
    assert np.array_equal(rgb_panel, read_rgb(rgb_file))
    assert np.array_equal(aux_panel, colorize_aux(stacked[..., 3:], 'depth'))
    assert (aux_panel[read_unchanged(depth_file) == 0] == 0).all()
    stock = stock_drawing(read_rgb(rgb_file), sample, tmp_path)
    assert np.array_equal(np.concatenate([gt_panel, pred_panel], 1), stock)
    # labels of another size than the image are fitted to it
    sample.pred_sem_seg = PixelData(
        data=torch.zeros((1, H // 2, W // 2), dtype=torch.int64))
    assert draw(stacked, sample, tmp_path, 'fitted').shape == (H, 4 * W, 3)


def test_rgb_only_sample_falls_back_to_the_stock_drawing(
        synthetic_root, tmp_path):
    rgb = read_rgb(sample_files(synthetic_root)[0])
    sample = labelled_sample(synthetic_root, with_aux=False)
    drawn = draw(rgb, sample, tmp_path)
    assert drawn.shape == (H, 2 * W, 3)  # ground truth | prediction
    assert np.array_equal(drawn, stock_drawing(rgb, sample, tmp_path))


def test_only_the_requested_label_panels(synthetic_root, tmp_path):
    rgb = read_rgb(sample_files(synthetic_root)[0])
    visualizer = MultimodalSegLocalVisualizer(
        name='vis_partial',
        classes=CLASSES,
        palette=META['palette'],
        aux_scaling='minmax')
    sample = labelled_sample(synthetic_root)
    drawn = visualizer.draw_panels(rgb, sample, draw_gt=False)
    assert drawn.shape == (H, 3 * W, 3)
    depth = read_unchanged(sample_files(synthetic_root)[1])
    assert np.array_equal(drawn[:, W:2 * W],
                          colorize_aux(depth, 'depth', 'minmax'))
    with pytest.raises(ValueError, match='aux_scaling'):
        MultimodalSegLocalVisualizer(name='vis_bad', aux_scaling='log')


def visualizer_with_meta(name: str) -> MultimodalSegLocalVisualizer:
    return MultimodalSegLocalVisualizer(
        name=name, classes=CLASSES, palette=META['palette'])


def test_legend_lists_the_classes_drawn(synthetic_root, tmp_path):
    rgb = read_rgb(sample_files(synthetic_root)[0])
    sample = labelled_sample(synthetic_root)
    shown = [0, 2, 5]
    pred = np.array(shown)[np.arange(H * W).reshape(H, W) % 3]
    sample.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None])
    visualizer = visualizer_with_meta('vis_legend')
    plain = visualizer.draw_panels(rgb, sample, draw_gt=False)
    drawn = visualizer.draw_panels(
        rgb, sample, draw_gt=False, with_legend=True)
    assert np.array_equal(drawn[:H], plain)
    legend = drawn[H:]
    assert legend.shape[0] > 0 and legend.shape[1] == 3 * W
    # one swatch per class drawn, in its colour, and no other class colour
    for index, color in enumerate(META['palette']):
        present = (legend == np.array(color, np.uint8)).all(-1).sum()
        assert bool(present > 20) == (index in shown), CLASSES[index]
    # the same strip as the visualiser's own legend of those classes
    assert np.array_equal(legend, visualizer.legend_panel(shown, 3 * W))
    # wraps into more rows when narrow
    narrow = visualizer.legend_panel(list(range(len(CLASSES))), 120)
    wide = visualizer.legend_panel(list(range(len(CLASSES))), 900)
    assert narrow.shape[0] > wide.shape[0] > 0
    assert visualizer.legend_panel([], 50).shape == (0, 50, 3)
