"""Each paper recipe builds as it is, and a scaled-down copy trains and
tests (single scale and --tta) through the real tools on a fixture in its
dataset's layout."""
import os.path as osp
import re

import mmengine
import pytest
from dplnet_testing import CONFIG_DIR, REPO_ROOT, run_tool, write_tiny_config
from mmengine.config import Config
from rgbx_fixtures import (write_mfnet_original, write_mvseg,
                           write_nyuv2_dplnet, write_pst900,
                           write_sunrgbd_dformer)

from mmseg.registry import MODELS

RECIPES = {
    'nyuv2_b5': (write_nyuv2_dplnet, 40),
    'sunrgbd_b5': (write_sunrgbd_dformer, 37),
    'mfnet_b5': (write_mfnet_original, 9),
    'pst900_b5': (write_pst900, 5),
    'mvseg_b5': (write_mvseg, 26),
}


def recipe(name):
    return osp.join(CONFIG_DIR, 'dplnet', name + '.py')


def metafile_models():
    """The model entries of configs/dplnet/metafile.yaml, by name."""
    index = mmengine.load(osp.join(REPO_ROOT, 'model-index.yml'))
    models = {}
    for metafile in index['Import']:
        for entry in mmengine.load(osp.join(REPO_ROOT, metafile))['Models']:
            models[entry['Name']] = entry
    return models


@pytest.mark.parametrize('name', sorted(RECIPES) + ['nyuv2_b5_official'])
def test_recipe_builds(name):
    cfg = Config.fromfile(recipe(name))
    num_classes = RECIPES.get(name, RECIPES['nyuv2_b5'])[1]
    assert cfg.model.decode_head.num_classes == num_classes
    assert cfg.model.data_preprocessor.size == cfg.crop_size
    assert cfg.optim_wrapper.constructor == \
        'LearnableOnlyOptimWrapperConstructor'
    assert cfg.tta_model.type == 'SegTTAModel'
    scales = [t['scale_factor'] for t in cfg.tta_pipeline[1]['transforms'][0]]
    assert scales == [0.5, 0.75, 1.0, 1.25, 1.5]
    model = MODELS.build(cfg.model)
    total = sum(p.numel() for p in model.parameters())
    learnable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    head = 151 * (41 - num_classes)  # conv_seg: 150 weights + 1 bias
    assert (total, learnable) == (88_589_279 - head, 7_146_271 - head)
    # the model-index entry: named after the config, with these counts
    entry = metafile_models()[name]
    assert entry['Config'] == f'configs/dplnet/{name}.py'
    assert osp.isfile(osp.join(REPO_ROOT, entry['Config']))
    assert (entry['Metadata']['Parameters'],
            entry['Metadata']['Learnable Parameters']) == (total, learnable)
    assert all(key.endswith('(paper)') for result in entry['Results']
               for key in result['Metrics'])


@pytest.mark.parametrize('name,host', [('nyuv2_vit-b', 'DualPromptViT'),
                                       ('nyuv2_swin-b', 'DualPromptSwin')])
def test_other_host_recipes_and_their_model_index_entries(name, host):
    """The NYUv2 recipe on another frozen host: the full-size model builds
    (weights aside), and its model-index counts are its own."""
    cfg = Config.fromfile(recipe(name))
    assert cfg.model.backbone.type == host
    assert cfg.optim_wrapper.constructor == \
        'LearnableOnlyOptimWrapperConstructor'
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    total = sum(p.numel() for p in model.parameters())
    learnable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert learnable / total < 0.11  # ~10M prompts + head on ~87M frozen
    entry = metafile_models()[name]
    assert entry['Config'] == f'configs/dplnet/{name}.py'
    assert (entry['Metadata']['Parameters'],
            entry['Metadata']['Learnable Parameters']) == (total, learnable)


def mious(output: str):
    return [float(m) for m in re.findall(r'mIoU: (\d+\.\d+)', output)]


# nyuv2_b5 trains and tests (and --tta) through the tools in
# tests/tools/test_mmseg_tools.py, test_channel_split.py and
# test_train_test_resume.py
@pytest.mark.parametrize('name', sorted(set(RECIPES) - {'nyuv2_b5'}))
def test_scaled_down_recipe_trains_and_tests(name, tmp_path):
    writer, _ = RECIPES[name]
    root = str(tmp_path / 'data')
    writer(root)
    config = write_tiny_config(recipe(name), str(tmp_path / f'{name}.py'),
                               root)
    work_dir = str(tmp_path / 'work')
    run_tool(['tools/train.py', config, '--work-dir', work_dir])
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    single = run_tool(['tools/test.py', config, checkpoint, '--work-dir',
                       str(tmp_path / 'ss')]).stdout
    tta = run_tool(['tools/test.py', config, checkpoint, '--tta',
                    '--work-dir', str(tmp_path / 'tta')]).stdout
    assert len(mious(single)) == 1 and len(mious(tta)) == 1
    assert 'SegTTAModel' in tta
    if name == 'mvseg_b5':  # MVSS's second convention, labelled
        for output in (single, tta):
            assert re.search(r'mIoU_IouEval: \d+\.\d+', output)
            assert 'MVSS IouEval "Seq mIoU"' in output


def test_slide_inference(tmp_path):
    root = str(tmp_path / 'data')
    write_pst900(root)
    config = write_tiny_config(recipe('pst900_b5'), str(tmp_path / 'c.py'),
                               root)
    run_tool(['tools/train.py', config, '--work-dir', str(tmp_path / 'w')])
    out = run_tool([
        'tools/test.py', config,
        str(tmp_path / 'w' / 'iter_2.pth'), '--cfg-options',
        'model.test_cfg.mode=slide', 'model.test_cfg.crop_size=(16,16)',
        'model.test_cfg.stride=(12,12)'
    ]).stdout
    assert len(mious(out)) == 1
