"""The SOD recipes: they build as the paper's model with a one-channel
output, and a scaled-down RGB-T recipe trains, then tests its three test
sets in one run through the real tools; the printed and saved measures are
pysodmetrics' own on the written maps and the ground-truth files."""
import glob
import json
import os.path as osp
import re

import cv2
import mmengine
import numpy as np
import py_sod_metrics as sod
import pytest
from dplnet_testing import CONFIG_DIR, run_tool, write_tiny_config
from mmengine.config import Config
from sod_fixtures import write_rgbt_vt

from mmseg.registry import MODELS

RECIPES = {
    'rgbd_sod_b5': ['NJU2K', 'NLPR', 'DES', 'SIP', 'LFSD'],
    'rgbt_sod_b5': ['VT821', 'VT1000', 'VT5000'],
}


def recipe(name: str) -> str:
    return osp.join(CONFIG_DIR, 'dplnet', name + '.py')


@pytest.mark.parametrize('name', sorted(RECIPES))
def test_sod_recipe_builds(name):
    cfg = Config.fromfile(recipe(name))
    head = cfg.model.decode_head
    assert (head.num_classes, head.out_channels) == (2, 1)
    assert cfg.tta_model.type == 'BinarySegTTAModel'
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.model.data_preprocessor.size == (224, 224)
    tests = cfg.test_dataloader.dataset
    assert tests.type == 'ConcatDataset'
    assert [d.split for d in tests.datasets] == RECIPES[name]
    model = MODELS.build(cfg.model)
    total = sum(p.numel() for p in model.parameters())
    learnable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    head_params = 151 * 40  # conv_seg: 40 classes -> 1 channel
    assert (total, learnable) == (88_589_279 - head_params,
                                  7_146_271 - head_params)
    metafile = mmengine.load(
        osp.join(CONFIG_DIR, 'dplnet', 'metafile.yaml'))['Models']
    (entry, ) = [m for m in metafile if m['Name'] == name]
    assert entry['Config'] == f'configs/dplnet/{name}.py'
    assert (entry['Metadata']['Parameters'],
            entry['Metadata']['Learnable Parameters']) == (total, learnable)
    assert [r['Dataset'] for r in entry['Results']] == RECIPES[name]


def _direct_measures(maps_dir: str, gt_files: list) -> dict:
    """pysodmetrics applied to the saved 8-bit maps and the GT files, as
    the SOD toolboxes do."""
    measures = dict(
        sm=sod.Smeasure(), em=sod.Emeasure(), wfm=sod.WeightedFmeasure(),
        mae=sod.MAE(), fm=sod.Fmeasure())
    for gt_file in gt_files:
        stem = osp.splitext(osp.basename(gt_file))[0]
        pred = cv2.imread(osp.join(maps_dir, stem + '.png'),
                          cv2.IMREAD_UNCHANGED)
        gt = cv2.imread(gt_file, cv2.IMREAD_GRAYSCALE)
        assert pred.dtype == np.uint8 and pred.shape == gt.shape
        for measure in measures.values():
            measure.step(pred, gt)
    results = {k: m.get_results() for k, m in measures.items()}
    return dict(
        Sm=results['sm']['sm'], MAE=results['mae']['mae'],
        wFm=results['wfm']['wfm'], maxEm=results['em']['em']['curve'].max(),
        meanEm=results['em']['em']['curve'].mean(),
        adpEm=results['em']['em']['adp'],
        maxFm=results['fm']['fm']['curve'].max(),
        meanFm=results['fm']['fm']['curve'].mean(),
        adpFm=results['fm']['fm']['adp'])


def _test_metrics(work_dir: str) -> dict:
    (log, ) = glob.glob(osp.join(work_dir, '*', '*.json'))
    with open(log) as f:
        return json.loads(f.readlines()[-1])


def test_rgbt_sod_trains_and_tests_three_sets_with_maps(tmp_path):
    fixture = write_rgbt_vt(str(tmp_path / 'data'))
    config = write_tiny_config(
        recipe('rgbt_sod_b5'), str(tmp_path / 'sod.py'), fixture.root)
    run_tool(['tools/train.py', config, '--work-dir', str(tmp_path / 'w')])
    checkpoint = str(tmp_path / 'w' / 'iter_2.pth')
    maps = str(tmp_path / 'maps')
    out = run_tool([
        'tools/test.py', config, checkpoint, '--out', maps, '--work-dir',
        str(tmp_path / 'test')
    ]).stdout
    saved = _test_metrics(str(tmp_path / 'test'))
    for set_name in RECIPES['rgbt_sod_b5']:
        gt_files = [s.files['gt'] for s in fixture.sets[set_name].values()]
        assert sorted(glob.glob(osp.join(maps, set_name, '*.png'))) == sorted(
            osp.join(maps, set_name, osp.basename(f)[:-4] + '.png')
            for f in gt_files)
        direct = _direct_measures(osp.join(maps, set_name), gt_files)
        for key, value in direct.items():
            assert saved[f'{set_name}/{key}'] == pytest.approx(
                float(value), abs=1e-9), key
        # the printed table: a row per set with Sm, maxFm, maxEm, MAE
        row = ' | '.join(f'{direct[k]:.3f}'
                         for k in ('Sm', 'maxFm', 'maxEm', 'MAE'))
        assert re.search(rf'\| +{set_name} +\| {row} \|', out), set_name
    tta = run_tool([
        'tools/test.py', config, checkpoint, '--tta', '--work-dir',
        str(tmp_path / 'tta')
    ]).stdout
    assert 'BinarySegTTAModel' in tta
    tta_metrics = _test_metrics(str(tmp_path / 'tta'))
    assert set(tta_metrics) >= {f'{s}/Sm' for s in RECIPES['rgbt_sod_b5']}
    assert tta_metrics['VT821/MAE'] != saved['VT821/MAE']

    # the inferencer: the same map, and the saliency panels
    from mmseg_dplnet.apis import MultimodalSegInferencer
    inferencer = MultimodalSegInferencer(config, checkpoint, device='cpu')
    name, sample = next(iter(fixture.sets['VT821'].items()))
    result = inferencer((sample.files['rgb'], sample.files['aux']),
                        return_vis=True)
    written = cv2.imread(osp.join(maps, 'VT821', name + '.png'),
                         cv2.IMREAD_UNCHANGED)
    assert result['saliency'].shape == written.shape
    assert np.abs(np.round(result['saliency'] * 255) -
                  written).max() <= 1
    # RGB | thermal | grey map | overlay
    assert result['visualization'].shape[:2] == (written.shape[0],
                                                 4 * written.shape[1])
