"""Damaged and unusual image files: every decode of every modality and of
the labels names the file and the cause; RGB files must be colour."""
import os.path as osp

import numpy as np
import pytest
from PIL import Image

import rgbx_fixtures as fx
from mmseg_dplnet.datasets.transforms import ImageFileError
from rgbx_testing import build_dataset, fit_pipeline, load_config

# (config, fixture writer, dataset options, the files of the first val
# sample, relative to the root: role -> path template)
LAYOUTS = {
    'nyuv2-hha': ('nyuv2', lambda root: fx.write_nyuv2_cmx(root,
                                                          with_hha=True),
                  dict(aux_modality='hha'),
                  dict(RGB='RGB/{n}.jpg', hha='HHA/{n}.png',
                       label='Label/{n}.png')),
    'nyuv2-depth': ('nyuv2', fx.write_nyuv2_cmx, {},
                    dict(depth='Depth/{n}.png')),
    'mfnet-thermal': ('mfnet', fx.write_mfnet_separated, {},
                      dict(RGB='rgb/{n}.png', thermal='thermal/{n}.png',
                           label='labels/{n}.png')),
    'mfnet-rgbt': ('mfnet', fx.write_mfnet_original, {},
                   {'RGB-X': 'images/{n}.png'}),
}
CASES = [(layout, role) for layout, (_, _, _, files) in LAYOUTS.items()
         for role in files]


def first_val_sample(layout: str, root: str):
    """The val dataset of ``layout`` on a fresh fixture, and the name of
    its first sample."""
    config, writer, options, _ = LAYOUTS[layout]
    writer(root)
    cfg = load_config(config)
    dataset = build_dataset(cfg, 'val_dataloader', root,
                            fit_pipeline(cfg.test_pipeline, (fx.H, fx.W)),
                            **options)
    name = osp.splitext(osp.basename(dataset.get_data_info(0)['img_path']))[0]
    return dataset, name


def damage(path: str, how: str) -> None:
    with open(path, 'rb') as f:
        content = f.read()
    with open(path, 'wb') as f:
        if how == 'truncated':
            f.write(content[:len(content) // 2])
        elif how == 'text':
            f.write(b'<!DOCTYPE html><html>not found</html>')


@pytest.mark.parametrize('how, cause', [
    ('empty', 'is empty (0 bytes)'),
    ('truncated', 'is truncated or corrupt'),
    ('text', 'is not an image'),
])
@pytest.mark.parametrize('layout, role', CASES)
def test_damaged_file_names_itself_and_the_cause(tmp_path, layout, role, how,
                                                  cause):
    dataset, name = first_val_sample(layout, str(tmp_path))
    path = osp.join(str(tmp_path), LAYOUTS[layout][3][role].format(n=name))
    dataset[0]  # readable before
    damage(path, how)
    with pytest.raises(ImageFileError) as error:
        dataset[0]
    message = str(error.value)
    assert f'{role} file {path} {cause}' in message, message


def rgb_png_sample(tmp_path, rgb: np.ndarray, **options):
    """A CMX NYUv2 fixture whose first test sample's RGB file is a PNG
    holding ``rgb`` (written with Pillow, which writes 2-channel PNGs)."""
    fixture = fx.write_nyuv2_cmx(str(tmp_path))
    cfg = load_config('nyuv2')
    dataset = build_dataset(cfg, 'test_dataloader', fixture.root,
                            fit_pipeline(cfg.test_pipeline, (fx.H, fx.W)),
                            **options)
    jpg = dataset.get_data_info(0)['img_path']
    png = jpg[:-4] + '.png'
    Image.fromarray(rgb).save(png)
    dataset = build_dataset(cfg, 'test_dataloader', fixture.root,
                            fit_pipeline(cfg.test_pipeline, (fx.H, fx.W)),
                            img_suffix=('.png', ), **options)
    assert dataset.get_data_info(0)['img_path'] == png
    return dataset, png


@pytest.mark.parametrize('channels, expected', [
    (1, 'has 1 channel(s), not 3: it is a grey image'),
    (2, 'has 2 channel(s), not 3: it is a grey image with alpha'),
    (4, 'has 4 channel(s), not 3: an RGBA export? set drop_rgb_alpha=True'),
])
def test_rgb_file_that_is_not_colour(tmp_path, channels, expected):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (fx.H, fx.W, channels), dtype=np.uint8)
    dataset, png = rgb_png_sample(tmp_path, pixels[..., 0]
                                  if channels == 1 else pixels)
    with pytest.raises(ImageFileError) as error:
        dataset[0]
    assert f'RGB file {png} {expected}' in str(error.value)


def test_rgba_file_read_with_drop_rgb_alpha(tmp_path):
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, (fx.H, fx.W, 4), dtype=np.uint8)
    dataset, _ = rgb_png_sample(tmp_path, rgba, drop_rgb_alpha=True)
    inputs = dataset[0]['inputs']
    assert inputs.shape[0] == 4  # R, G, B + depth: the alpha is dropped
    np.testing.assert_array_equal(
        inputs[:3].permute(1, 2, 0).numpy(), rgba[..., :3].astype(np.float32))
