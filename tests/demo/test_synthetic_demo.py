"""The synthetic RGB-D generator and a scaled-down `make demo`."""
import filecmp
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch
from dplnet_testing import run_tool

from mmseg.registry import DATASETS
from mmseg_dplnet.models.weights import (convert_to_dual_prompt_mit,
                                         is_prompt_key, split_backbone)
from mmseg_dplnet.synthetic import NYUV2_IDS


def generate(out_dir, seed, num_train=6, num_test=3):
    run_tool(['tools/dataset_converters/make_synthetic_rgbd.py', out_dir,
              '--num-train', str(num_train), '--num-val', str(num_test),
              '--seed', str(seed), '--size', '48', '64'])


def test_generator_output_is_a_valid_nyuv2_dataset(tmp_path):
    root = str(tmp_path / 'a')
    generate(root, seed=3)
    depth = cv2.imread(osp.join(root, 'Depth', 'train_00000.png'),
                       cv2.IMREAD_UNCHANGED)
    assert depth.dtype == np.uint16 and (depth == 0).any()  # sensor holes
    assert 1000 < np.median(depth[depth > 0]) < 6000  # millimetres
    for split, count in (('train', 6), ('test', 3)):
        dataset = DATASETS.build(dict(
            type='NYUv2SegDataset', data_root=root, split=split,
            aux_bit_depth=16, pipeline=[
                dict(type='LoadRGBXImageFromFile'),
                dict(type='LoadCheckedAnnotations'),
                dict(type='PackSegInputs')]))
        assert len(dataset) == count
        labels = set()
        for i in range(count):
            sample = dataset[i]
            assert sample['inputs'].shape == (4, 48, 64)  # RGB + depth
            labels |= set(sample['data_samples'].gt_sem_seg.data.unique()
                          .tolist())
        # NYUv2-40 ids reduced to 0..39, 255 = unlabeled
        assert labels <= {i - 1 for i in NYUV2_IDS[1:]} | {255}


def test_generator_is_deterministic(tmp_path):
    for name, seed in (('a', 1), ('b', 1), ('c', 2)):
        generate(str(tmp_path / name), seed)
    same = filecmp.dircmp(str(tmp_path / 'a'), str(tmp_path / 'b'))
    for folder in ('RGB', 'Depth', 'Label'):
        files = sorted(same.subdirs[folder].common_files)
        match, mismatch, errors = filecmp.cmpfiles(
            str(tmp_path / 'a' / folder), str(tmp_path / 'b' / folder),
            files, shallow=False)
        assert len(match) == 9 and not mismatch and not errors
    assert not filecmp.cmp(str(tmp_path / 'a' / 'Depth' / 'train_00000.png'),
                           str(tmp_path / 'c' / 'Depth' / 'train_00000.png'),
                           shallow=False)


@pytest.fixture(scope='module')
def demo_data(tmp_path_factory):
    """Where the scaled-down demos render (the first) and read (both) their
    scenes: the same arguments, so the second finds them there."""
    return str(tmp_path_factory.mktemp('demo') / 'data')


def run_scaled_down_demo(data_root, work, *options):
    """`make demo` on 8 + 4 scenes of 64 x 80, 4 iterations per stage;
    returns the (name, mIoU, learnable M, total M) rows of results.md."""
    out = run_tool([
        'tools/misc/run_demo.py', '--data-root', data_root,
        '--work-dir', str(work), '--num-train', '8', '--num-test', '4',
        '--size', '64', '80', '--stage1-iters', '4', '--stage2-iters', '4',
        '--figure-rows', '2', *options
    ]).stdout
    assert 'whole demo' in out and 'learnable parameters' in out

    results = (work / 'results.md').read_text()
    rows = re.findall(r'^\| (.+?) \| (\d+\.\d) \| ([\d.]+)M / ([\d.]+)M',
                      results, re.M)
    assert float(rows[1][2]) / float(rows[1][3]) <= 0.15
    assert results.count('| box |') == 1 and '## Targets' in results

    figure = cv2.imread(str(work / 'predictions.png'))
    # 2 rows of 5 panels of 2 x (64 x 80), titles and a legend
    assert figure.shape[1] == 5 * 160 + 4 * 4
    assert figure.shape[0] > 2 * 128
    return rows


def test_scaled_down_demo(tmp_path, demo_data):
    work = tmp_path / 'work'
    # an earlier demo's test run in the same work dir: a rerun reads its own
    stale = work / 'segformer_rgb_synthetic' / 'test' / '20000101_000000'
    stale.mkdir(parents=True)
    (stale / 'confusion_matrix.csv').write_text('not this run\n')
    rows = run_scaled_down_demo(demo_data, work)
    assert [r[0] for r in rows] == ['RGB-only SegFormer (stage 1)',
                                    'DPLNet RGB-D (stage 2)']

    # stage 2's frozen encoder is stage 1's encoder, bit for bit
    stage1 = torch.load(str(work / 'segformer_rgb_synthetic' / 'iter_4.pth'),
                        weights_only=False)['state_dict']
    stage2 = torch.load(str(work / 'dplnet_synthetic' / 'iter_4.pth'),
                        weights_only=False)['state_dict']
    expected, _ = convert_to_dual_prompt_mit(
        split_backbone(stage1)[0], 'mmseg')
    frozen = [k for k in expected if not is_prompt_key(k)]
    assert len(frozen) > 200
    for key in frozen:
        assert torch.equal(stage2['backbone.' + key], expected[key]), key


def test_scaled_down_vit_demo(tmp_path, demo_data):
    work = tmp_path / 'work'
    rows = run_scaled_down_demo(demo_data, work, '--host', 'vit')
    assert [r[0] for r in rows] == ['RGB-only ViT (stage 1)',
                                    'DPLNet-ViT RGB-D (stage 2)']

    # stage 1 is a stock mmseg EncoderDecoder on mmpretrain's ViT
    stage1_file = work / 'vit_rgb_synthetic' / 'iter_4.pth'
    checkpoint = torch.load(str(stage1_file), weights_only=False)
    assert "type='mmpretrain.VisionTransformer'" in checkpoint['meta']['cfg']
    # stage 2's frozen host is stage 1's ViT, bit for bit, loaded by its
    # init_cfg (the stock keys sit under `host.`, each attention wrapped)
    stage1 = checkpoint['state_dict']
    stage2 = torch.load(str(work / 'dplnet_vit_synthetic' / 'iter_4.pth'),
                        weights_only=False)['state_dict']
    expected = {
        'backbone.host.' + re.sub(r'^(layers\.\d+\.attn\.)', r'\1attn.',
                                  key[len('backbone.'):]): value
        for key, value in stage1.items() if key.startswith('backbone.')
    }
    assert len(expected) > 50
    for key, value in expected.items():
        assert torch.equal(stage2[key], value), key
    log = (work / 'dplnet_vit_synthetic' / 'train.log').read_text()
    assert f'Loaded the frozen ViT from {stage1_file}' in log
