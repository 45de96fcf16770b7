"""demo/image_demo.py and tools/test.py --show-dir, run as commands."""
import glob
import os.path as osp

import cv2
import numpy as np
from dplnet_testing import run_tool
from inference_vis_testing import (DPLNET_CONFIG, NUM_TEST, ONE_THREAD, SIZE,
                                   read_rgb, read_unchanged, sample_files)

from mmseg_dplnet.apis import inference_multimodal
from mmseg_dplnet.visualization import colorize_aux


def blended(rgb, pred, palette, opacity):
    """The class colours over the image, as mmseg's visualiser blends."""
    colors = np.asarray(palette, np.float64)[pred]
    return (rgb * (1 - opacity) + colors * opacity).astype(np.uint8)


def test_image_demo_writes_rgb_aux_prediction_and_legend(
        model, checkpoint, synthetic_root, tmp_path):
    rgb_file, depth_file, _ = sample_files(synthetic_root)
    # an input of another size than the config's
    rgb = read_rgb(rgb_file)[5:95, 10:140]
    depth = read_unchanged(depth_file)[5:95, 10:140]
    height, width = rgb.shape[:2]
    assert (height, width) == (90, 130) != SIZE
    rgb_in, depth_in = str(tmp_path / 'rgb.png'), str(tmp_path / 'depth.png')
    cv2.imwrite(rgb_in, rgb[..., ::-1])
    cv2.imwrite(depth_in, depth)
    out = str(tmp_path / 'figures' / 'demo.png')

    printed = run_tool([
        'demo/image_demo.py', DPLNET_CONFIG, checkpoint, '--rgb', rgb_in,
        '--aux', depth_in, '--out', out, '--opacity', '0.5', '--device', 'cpu'
    ],
                       env=ONE_THREAD).stdout
    assert out in printed
    figure = read_rgb(out)
    assert figure.shape[0] > height and figure.shape[1] == 3 * width

    pred = inference_multimodal(model, rgb, depth).pred_sem_seg.data[0].numpy()
    palette = model.dataset_meta['palette']
    assert np.array_equal(figure[:height, :width], rgb)
    # the depth map, colour-mapped (from the file's millimetres)
    same = (figure[:height, width:2 * width] == colorize_aux(
        depth, 'depth')).all(-1).mean()
    assert same > 0.99
    same = (figure[:height, 2 * width:] == blended(rgb, pred, palette,
                                                   0.5)).all(-1).mean()
    assert same > 0.99
    # a legend of the predicted classes: their colours, no other class's
    legend = figure[height:]
    for index, color in enumerate(palette):
        found = (legend == np.array(color, np.uint8)).all(-1).sum()
        assert bool(found > 20) == (index in pred), index


def test_show_dir_draws_four_panels_per_test_image(checkpoint, synthetic_root,
                                                   tmp_path):
    show_dir = str(tmp_path / 'show')
    run_tool([
        'tools/test.py', DPLNET_CONFIG, checkpoint, '--work-dir',
        str(tmp_path / 'work'), '--show-dir', show_dir, '--cfg-options',
        'default_hooks.visualization.interval=1',
        f'test_dataloader.dataset.data_root={synthetic_root}',
        'model.backbone.init_cfg=None'
    ],
             env=ONE_THREAD)
    drawn = sorted(
        glob.glob(osp.join(show_dir, '**', '*.png'), recursive=True))
    assert len(drawn) == NUM_TEST, drawn
    height, width = SIZE
    for index, path in enumerate(drawn):
        rgb_file, depth_file, _ = sample_files(synthetic_root, index)
        assert osp.basename(rgb_file) in osp.basename(path)
        image = read_rgb(path)
        # RGB | depth | ground truth | prediction
        assert image.shape == (height, 4 * width, 3)
        assert np.array_equal(image[:, :width], read_rgb(rgb_file))
        assert np.array_equal(
            image[:, width:2 * width],
            colorize_aux(read_unchanged(depth_file), 'depth'))
