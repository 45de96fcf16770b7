"""The model of configs/dplnet/nyuv2_b5.py, loaded with the official DPLNet
checkpoint through tools/model_converters/dplnet2mmseg.py, reproduces the
official outputs."""
import os.path as osp

import numpy as np
import pytest
import torch
from dplnet_testing import (CONFIG_DIR, OFFICIAL_DIR, run_tool,
                            run_tool_expect_failure)
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from official_reference import load_detweights, manifest_path, official_forward

from mmseg.registry import MODELS

CONFIG = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py')


@pytest.fixture(scope='module')
def official_state_dict():
    return load_detweights().det_state_dict(manifest_path())


@pytest.fixture(scope='module')
def official_file(tmp_path_factory, official_state_dict):
    path = tmp_path_factory.mktemp('official') / 'dplnet_nyuv2_official.pth'
    torch.save(official_state_dict, path)
    return str(path)


def build_converted_model(official_file: str, tmp_dir, keep_unlabeled: bool):
    """Convert with the real tool and load strictly into the config's
    model."""
    dst = str(tmp_dir / f'converted_{int(keep_unlabeled)}.pth')
    args = ['tools/model_converters/dplnet2mmseg.py', official_file, dst]
    run_tool(args + (['--keep-unlabeled'] if keep_unlabeled else []))
    cfg = Config.fromfile(CONFIG)
    if keep_unlabeled:
        cfg.model.decode_head.num_classes = 41
    model = MODELS.build(cfg.model)
    load_checkpoint(model, dst, map_location='cpu', strict=True)
    return model.eval()


def encode_decode(model, rgb, aux):
    h, w = rgb.shape[2:]
    metas = [dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))
             ] * rgb.shape[0]
    with torch.no_grad():
        return model.encode_decode(torch.cat([rgb, aux], dim=1), metas)


def assert_matches(ours: torch.Tensor, reference: np.ndarray) -> None:
    ours = ours.numpy()
    assert ours.shape == reference.shape
    tolerance = 1e-3 * reference.std()
    assert np.abs(ours - reference).max() <= tolerance
    agree = (ours.argmax(1) == reference.argmax(1)).mean()
    assert agree >= 0.995


@pytest.fixture(scope='module')
def converted_models(official_file, tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp('converted')
    return {
        keep: build_converted_model(official_file, tmp_dir, keep)
        for keep in (False, True)
    }


@pytest.mark.parametrize('keep_unlabeled', [False, True])
def test_matches_official_logits(converted_models, keep_unlabeled):
    reference = np.load(
        osp.join(OFFICIAL_DIR, 'dplnet_b5_official_logits_64x96_seed1.npy'))
    rgb, aux = load_detweights().det_inputs(64, 96, seed=1)
    ours = encode_decode(converted_models[keep_unlabeled], rgb, aux)
    assert_matches(ours, reference if keep_unlabeled else reference[:, 1:])


def test_independent_reference_matches_official_logits(official_state_dict):
    """Validates official_reference.py itself against the official output."""
    reference = np.load(
        osp.join(OFFICIAL_DIR, 'dplnet_b5_official_logits_64x96_seed1.npy'))
    rgb, aux = load_detweights().det_inputs(64, 96, seed=1)
    with torch.no_grad():
        ours = official_forward(official_state_dict, rgb, aux)
    assert_matches(ours, reference)


@pytest.mark.parametrize('size,batch,seed', [((100, 76), 2, 3),
                                             ((128, 160), 1, 7)])
@pytest.mark.parametrize('keep_unlabeled', [False, True])
def test_matches_official_forward_on_other_inputs(converted_models,
                                                  official_state_dict, size,
                                                  batch, seed,
                                                  keep_unlabeled):
    """Sizes not divisible by 32 (odd stage maps), batches, other seeds."""
    generator = torch.Generator().manual_seed(seed)
    rgb = torch.randn(batch, 3, *size, generator=generator)
    aux = torch.randn(batch, 3, *size, generator=generator)
    with torch.no_grad():
        reference = official_forward(official_state_dict, rgb, aux).numpy()
    if not keep_unlabeled:
        reference = reference[:, 1:]
    assert_matches(
        encode_decode(converted_models[keep_unlabeled], rgb, aux), reference)


def test_converter_rejects_unknown_and_partial_files(official_state_dict,
                                                     tmp_path):
    not_dplnet = tmp_path / 'segformer.pth'
    torch.save({'state_dict': {'backbone.layers.0.0.projection.weight':
                               torch.zeros(1)}}, not_dplnet)
    failed = run_tool_expect_failure([
        'tools/model_converters/dplnet2mmseg.py',
        str(not_dplnet), str(tmp_path / 'out.pth')
    ])
    assert 'not an official DPLNet checkpoint' in failed.stderr
    assert str(not_dplnet) in failed.stderr

    partial = {k: v for k, v in official_state_dict.items()
               if not k.startswith('rgb.block3.39.')}
    partial_file = tmp_path / 'partial.pth'
    torch.save(partial, partial_file)
    failed = run_tool_expect_failure([
        'tools/model_converters/dplnet2mmseg.py',
        str(partial_file), str(tmp_path / 'out.pth')
    ])
    assert 'partial' in failed.stderr and str(partial_file) in failed.stderr
    assert not (tmp_path / 'out.pth').exists()

    no_head = {k: v for k, v in official_state_dict.items()
               if not k.startswith('head.')}
    torch.save(no_head, partial_file)
    failed = run_tool_expect_failure([
        'tools/model_converters/dplnet2mmseg.py',
        str(partial_file), str(tmp_path / 'out.pth')
    ])
    assert 'partial' in failed.stderr and 'missing' in failed.stderr


def test_converter_writes_prompt_only_on_the_segformer_file(
        official_file, official_state_dict, converted_models, tmp_path):
    """--prompt-only ENCODER: the SegFormer file the official model's frozen
    encoder came from (here: its rgb.* tensors in NVlabs' format) is
    recorded, and the file loads to the same model as the full one."""
    from mmseg_dplnet.apis import init_model
    encoder = str(tmp_path / 'segformer.b5.pth')
    torch.save({'state_dict': {
        'backbone.' + k[len('rgb.'):]: v
        for k, v in official_state_dict.items()
        if k.startswith('rgb.') and 'prompt' not in k
        and not k.startswith('rgb.head.')}}, encoder)
    dst = str(tmp_path / 'prompt_only.pth')
    run_tool(['tools/model_converters/dplnet2mmseg.py', official_file, dst,
              '--prompt-only', encoder])
    saved = torch.load(dst, weights_only=True)
    assert saved['meta']['prompt_only']['checkpoint'] == encoder
    full = converted_models[False]
    learnable = [k for k, p in full.named_parameters() if p.requires_grad]
    assert set(learnable) <= set(saved['state_dict'])
    assert sum(v.numel() for v in saved['state_dict'].values()
               if v.is_floating_point()) < 7.2e6  # of 88.6M
    model = init_model(CONFIG, dst, cfg_options={
        'model.backbone.init_cfg.checkpoint': encoder})
    rgb, aux = load_detweights().det_inputs(64, 96, seed=1)
    assert torch.equal(encode_decode(model, rgb, aux),
                       encode_decode(full, rgb, aux))


def test_bf16_autocast_keeps_the_official_argmax(converted_models):
    """The CPU's --amp (bf16 autocast, the bf16 attention path included)
    on the reference input: >= 99% of the pixels' classes as the official
    fp32 model's."""
    reference = np.load(
        osp.join(OFFICIAL_DIR, 'dplnet_b5_official_logits_64x96_seed1.npy'))
    rgb, aux = load_detweights().det_inputs(64, 96, seed=1)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        ours = encode_decode(converted_models[True], rgb, aux)
    assert ours.dtype == torch.bfloat16
    agree = (ours.float().numpy().argmax(1) == reference.argmax(1)).mean()
    assert agree >= 0.99
