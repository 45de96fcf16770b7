"""demo/image_demo.py and tools/test.py --show-dir, run as commands."""
import glob
import os.path as osp

import cv2
import numpy as np
from dplnet_testing import run_tool
from inference_vis_testing import (DPLNET_CONFIG, NUM_TEST, ONE_THREAD, SIZE,
                                   VISUALIZER, read_rgb, read_unchanged,
                                   sample_files)

from mmseg_dplnet.apis import inference_multimodal
from mmseg_dplnet.visualization import colorize_aux, draw_legend, overlay


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

    pred = inference_multimodal(model, rgb, depth).pred_sem_seg.data[0].numpy()
    classes, palette = model.dataset_meta['classes'], model.dataset_meta[
        'palette']
    present = np.unique(pred)
    legend = draw_legend([classes[i] for i in present],
                         [palette[i] for i in present], 3 * width)
    assert legend.shape[0] > 0
    assert figure.shape == (height + legend.shape[0], 3 * width, 3)
    assert np.array_equal(figure[:height, :width], rgb)
    assert np.array_equal(figure[:height, width:2 * width],
                          colorize_aux(depth, 'depth'))
    expected = overlay(rgb, pred, palette, 0.5)
    same = (figure[:height, 2 * width:] == expected).all(-1).mean()
    assert same > 0.99
    assert np.array_equal(figure[height:], legend)


def test_show_dir_draws_four_panels_per_test_image(checkpoint, synthetic_root,
                                                   tmp_path):
    show_dir = str(tmp_path / 'show')
    run_tool([
        'tools/test.py', DPLNET_CONFIG, checkpoint, '--work-dir',
        str(tmp_path / 'work'), '--show-dir', show_dir, '--cfg-options',
        f'visualizer.type={VISUALIZER}',
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
