"""The channel split, stated once: a recipe switched to 1-channel depth or to
HHA by ONE edit trains and tests through the tools; configs whose parts
disagree fail with an error that names the settings."""
import os.path as osp
import shutil

import pytest
import torch
from dplnet_testing import CONFIG_DIR, run_tool, write_tiny_config
from mmengine.config import Config
from mmengine.structures import PixelData
from rgbx_fixtures import write_nyuv2_cmx

from mmseg.registry import MODELS, RUNNERS
from mmseg.structures import SegDataSample

NYUV2 = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py')
MPG_STEM = 'backbone.prompt_embeds.0.projection.weight'


@pytest.fixture(scope='module')
def tiny_recipe(tmp_path_factory):
    """A scaled-down nyuv2_b5.py on a CMX-layout fixture with Depth/ and
    HHA/ folders."""
    root = tmp_path_factory.mktemp('nyuv2_hha')
    write_nyuv2_cmx(str(root), counts=dict(train=4, test=2), with_hha=True)
    config = write_tiny_config(NYUV2, str(root / 'tiny_nyuv2_b5.py'),
                               str(root), max_iters=2)
    return str(root), config


def one_edit(tmp_path, recipe: str, edit: str) -> str:
    """A user's config: the recipe as its base, plus ``edit``."""
    path = tmp_path / 'switched.py'
    path.write_text(f'_base_ = [{recipe!r}]\n{edit}\n')
    return str(path)


def train_in_process(config: str, work_dir) -> None:
    """What tools/train.py does, in this process (the runner of the
    config's ``runner_type``)."""
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    RUNNERS.build(cfg).train()


def train_and_test(config: str, tmp_path) -> dict:
    """tools/train.py then tools/test.py; the final state dict."""
    work_dir = str(tmp_path / 'work')
    run_tool(['tools/train.py', config, '--work-dir', work_dir])
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    out = run_tool([
        'tools/test.py', config, checkpoint, '--work-dir',
        str(tmp_path / 'test')
    ]).stdout
    assert 'mIoU:' in out, out[-2000:]
    return torch.load(checkpoint, weights_only=False)['state_dict']


def test_one_edit_switches_to_single_channel_depth(tiny_recipe, tmp_path):
    root, recipe = tiny_recipe
    config = one_edit(tmp_path, recipe,
                      'model = dict(backbone=dict(aux_channels=1))')
    state = train_and_test(config, tmp_path)
    # the prompt generator embeds one depth channel (the recipe's: 3, the
    # depth replicated); the data and the normalisation followed
    assert state[MPG_STEM].shape[1] == 1
    recipe_model = MODELS.build(Config.fromfile(recipe).model)
    assert recipe_model.state_dict()[MPG_STEM].shape[1] == 3


def test_one_edit_switches_to_hha(tiny_recipe, tmp_path):
    root, recipe = tiny_recipe
    hha_only = tmp_path / 'hha_only'
    shutil.copytree(root, hha_only, ignore=shutil.ignore_patterns('Depth'))
    config = one_edit(
        tmp_path, recipe,
        f'model = dict(data_preprocessor=dict(aux_modality=\'hha\'))\n'
        f'data_root = {str(hha_only)!r}\n'
        'train_dataloader = dict(dataset=dict(data_root=data_root))\n'
        'val_dataloader = dict(dataset=dict(data_root=data_root))\n'
        'test_dataloader = val_dataloader')
    # without Depth/ folder, training, validation and testing can only have
    # read HHA: the datasets of every loop followed the model
    state = train_and_test(config, tmp_path)
    assert state[MPG_STEM].shape[1] == 3
    # the same fixture without the edit: the depth folder is missing
    (tmp_path / 'depth').mkdir()
    unswitched = one_edit(
        tmp_path / 'depth', recipe,
        f'data_root = {str(hha_only)!r}\n'
        'train_dataloader = dict(dataset=dict(data_root=data_root))')
    with pytest.raises(FileNotFoundError, match='depth folder .*Depth'):
        train_in_process(unswitched, tmp_path / 'depth' / 'work')


@pytest.mark.parametrize('edit, expected', [
    # a dataset of one loop states another modality than the model
    ("train_dataloader = dict(dataset=dict(aux_modality='hha'))",
     ["train_dataloader.dataset.aux_modality='hha' but the model takes "
      "'depth' (model.data_preprocessor.aux_modality)"]),
    # HHA into a prompt generator of one channel: at the first batch
    ("model = dict(backbone=dict(aux_channels=1), "
     "data_preprocessor=dict(aux_modality='hha'))",
     ['then 1 auxiliary channel(s) (model.backbone.aux_channels)',
      '(3 auxiliary channel(s))', 'HHA) needs aux_channels=3']),
    # per-channel statistics of another layout: at the first batch
    ('model = dict(data_preprocessor=dict(aux_mean=[0.4, 0.5, 0.6], '
     'aux_std=[0.2, 0.2, 0.2]))',
     ['aux_mean / aux_std give 3 values but the images have 1 auxiliary '
      'channel(s)']),
    # a stock preprocessor written for 3 + 3 channels: before any batch
    ("model = dict(data_preprocessor=dict(_delete_=True, "
     "type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53, 0.449, "
     "0.449, 0.449], std=[58.395, 57.12, 57.375, 0.226, 0.226, 0.226], "
     "size=(32, 48)))",
     ['SegDataPreProcessor with 6 mean values, but the depth samples of '
      'train_dataloader.dataset have 4 channels', 'RGBXDataPreProcessor']),
])
def test_inconsistent_config_fails_clearly(tiny_recipe, tmp_path, edit,
                                           expected):
    _, recipe = tiny_recipe
    with pytest.raises(ValueError) as error:
        train_in_process(one_edit(tmp_path, recipe, edit), tmp_path / 'work')
    for text in expected:  # never a broadcasting error
        assert text in str(error.value), str(error.value)


def rgbx_preprocessor(**kwargs):
    return MODELS.build(dict(type='RGBXDataPreProcessor', **kwargs))


def batch(channels, modality='depth', size=(8, 8)):
    sample = SegDataSample(metainfo=dict(
        aux_modality=modality, img_path='a.jpg'))
    sample.gt_sem_seg = PixelData(data=torch.zeros((1, *size), dtype=int))
    return dict(inputs=[torch.rand(channels, *size) * 255],
                data_samples=[sample])


def test_statistics_follow_the_channels_of_the_batch():
    preprocessor = rgbx_preprocessor(mean=[10., 20., 30.], std=[1., 2., 4.],
                                     aux_mean=0.5, aux_std=0.25)
    for channels in (4, 6):
        data = batch(channels)
        image = data['inputs'][0].clone()
        out = preprocessor(data)['inputs'][0]
        mean = torch.tensor([10., 20., 30.] + [0.5] * (channels - 3))
        std = torch.tensor([1., 2., 4.] + [0.25] * (channels - 3))
        torch.testing.assert_close(
            out, (image - mean[:, None, None]) / std[:, None, None])


def test_batches_the_preprocessor_refuses():
    preprocessor = rgbx_preprocessor(aux_modality='depth')
    with pytest.raises(ValueError, match='got 3 channel.*RGB-only'):
        preprocessor(batch(3))
    with pytest.raises(ValueError, match='a.jpg comes with thermal but the '
                       r'model takes depth \(model.data_preprocessor'):
        preprocessor(batch(4, 'thermal'))
    with pytest.raises(ValueError, match='mean and std are the statistics '
                       'of R, G, B'):
        rgbx_preprocessor(mean=[1, 2, 3, 4], std=[1, 1, 1, 1])
