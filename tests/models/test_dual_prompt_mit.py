"""DualPromptMiT: parameter counts, the frozen / learnable split, modes,
activation checkpointing and input checks."""
import os.path as osp
import re

import pytest
import torch
from dplnet_testing import CONFIG_DIR, run_tool
from mmengine.config import Config
from official_reference import load_detweights, manifest_path

from mmseg.registry import MODELS
from mmseg_dplnet.models import DualPromptMiT
from mmseg_dplnet.models.weights import convert_official_dplnet

CONFIG = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py')


def count(model):
    params = list(model.parameters())
    return (sum(p.numel() for p in params),
            sum(p.numel() for p in params if p.requires_grad))


@pytest.mark.parametrize('num_classes,total,learnable',
                         [(41, 88_589_279, 7_146_271),
                          (40, 88_589_279 - 151, 7_146_271 - 151)])
def test_b5_parameter_counts_of_the_training_config(num_classes, total,
                                                    learnable):
    cfg = Config.fromfile(CONFIG)
    cfg.model.decode_head.num_classes = num_classes
    assert count(MODELS.build(cfg.model)) == (total, learnable)


def test_count_params_tool_prints_the_table():
    out = run_tool(['tools/analysis_tools/count_params.py', CONFIG]).stdout
    total_row = [line for line in out.splitlines()
                 if line.startswith('total')][0]
    assert [cell.strip() for cell in total_row.split('|')] == [
        'total', '88,589,128', '7,146,120', '81,443,008'
    ]
    assert 'backbone.prompt_adapters' in out and 'decode_head' in out
    assert 'learnable: 7.15M of 88.59M' in out


def test_learnable_set_is_exactly_the_official_one():
    """Every official tensor maps to ours with the same requires_grad."""
    detweights = load_detweights()
    official = detweights.det_state_dict(manifest_path())
    buffers = ('bn_running_mean', 'bn_running_var', 'num_batches_tracked')
    trainable = {key: req for key, _, _, kind, req in
                 detweights.read_manifest(manifest_path())
                 if kind not in buffers and not key.startswith('rgb.head.')}
    converted, _ = convert_official_dplnet(official, keep_unlabeled=True)
    official_by_storage = {v.data_ptr(): k for k, v in official.items()}
    cfg = Config.fromfile(CONFIG)
    cfg.model.decode_head.num_classes = 41
    model = MODELS.build(cfg.model)
    params = dict(model.named_parameters())
    assert len(params) == len(trainable)
    for name, param in params.items():
        official_key = official_by_storage[converted[name].data_ptr()]
        assert param.requires_grad == trainable[official_key], name


def tiny_backbone(**kwargs):
    kwargs.setdefault('arch', 'b0')
    kwargs.setdefault('drop_path_rate', 0.1)
    backbone = DualPromptMiT(**kwargs)
    backbone.init_weights()
    return backbone


def test_output_maps_match_mmseg_mit_shapes():
    torch.manual_seed(0)
    backbone = tiny_backbone().eval()
    outs = backbone(torch.randn(2, 6, 64, 96))
    assert [tuple(o.shape) for o in outs] == [(2, 32, 16, 24), (2, 64, 8, 12),
                                              (2, 160, 4, 6), (2, 256, 2, 3)]
    one_channel = tiny_backbone(aux_channels=1, out_indices=(1, 3)).eval()
    outs = one_channel(torch.randn(1, 4, 64, 96))
    assert [tuple(o.shape) for o in outs] == [(1, 64, 8, 12), (1, 256, 2, 3)]


def test_single_channel_modality_is_replicated_exactly():
    torch.manual_seed(0)
    backbone = tiny_backbone().eval()
    rgb, depth = torch.randn(1, 3, 32, 48), torch.randn(1, 1, 32, 48)
    replicated = backbone(torch.cat([rgb, depth.expand(-1, 3, -1, -1)], 1))
    for got, expected in zip(backbone(torch.cat([rgb, depth], 1)),
                             replicated):
        assert torch.equal(got, expected)


@pytest.mark.parametrize('aux_channels, shape, found', [
    (3, (1, 3, 32, 32), 0),  # RGB only
    (1, (1, 6, 32, 32), 3),  # HHA into a single-channel prompt generator
    (3, (1, 5, 32, 32), 2),
])
def test_wrong_channel_count_is_a_clear_error(aux_channels, shape, found):
    backbone = tiny_backbone(aux_channels=aux_channels)
    expected = (f'then {aux_channels} auxiliary channel(s) '
                f'(model.backbone.aux_channels)', f'got inputs of shape '
                f'{tuple(shape)} ({found} auxiliary channel(s))')
    with pytest.raises(ValueError,
                       match='.*'.join(re.escape(e) for e in expected)):
        backbone(torch.randn(*shape))


@pytest.mark.parametrize('frozen_eval', [False, True])
def test_frozen_parts_stay_frozen_and_frozen_eval(frozen_eval):
    backbone = tiny_backbone(frozen_eval=frozen_eval).train()
    assert all(p.requires_grad == ('prompt' in n)
               for n, p in backbone.named_parameters())
    block = backbone.blocks[2][1]
    assert block.drop_path.training is not frozen_eval
    assert backbone.patch_embeds[0].training is not frozen_eval
    assert block.attn.prompt.training and block.prompt_norm.training
    # stochastic depth in the frozen blocks: random only without frozen_eval
    x = torch.randn(2, 6, 64, 64)
    torch.manual_seed(1)
    first = backbone(x)[-1]
    torch.manual_seed(2)
    second = backbone(x)[-1]
    assert torch.equal(first, second) is frozen_eval
    backbone.eval()
    assert not block.drop_path.training and not block.attn.prompt.training


def test_no_weight_gradient_for_frozen_tensors():
    backbone = tiny_backbone()
    sum(o.sum() for o in backbone(torch.randn(1, 6, 64, 64))).backward()
    for name, param in backbone.named_parameters():
        assert (param.grad is not None) == ('prompt' in name), name


def outputs_and_grads(model, x, autocast=False):
    """The maps and the gradients of every learnable tensor of one
    train-mode forward / backward."""
    model.train()
    model.zero_grad()
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
        outs = model(x)
    sum((o.float()**2).mean() for o in outs).backward()
    grads = {n: p.grad for n, p in model.named_parameters()
             if p.requires_grad}
    assert grads and all(g is not None for g in grads.values())
    return [o.detach() for o in outs], grads


def saved_bytes(model, x):
    """Bytes the autograd graph of a forward keeps for backward (tensors
    that are not parameters)."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    kept = {}

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in params:
            kept[ptr] = t.untyped_storage().nbytes()
        return t

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    return sum(kept.values())


@pytest.mark.parametrize('memory', [
    dict(lean_activations=True), dict(with_cp=True),
    dict(with_cp=[1], lean_activations=True),
    dict(with_cp=(0, 2), lean_activations=False)
])
def test_memory_saving_paths_give_the_same_outputs_and_gradients(memory):
    """Against the plain path (PyTorch's modules, every activation
    stored): lean activations, full and per-stage checkpointing."""
    torch.manual_seed(0)
    plain = tiny_backbone(drop_path_rate=0., lean_activations=False)
    saving = tiny_backbone(drop_path_rate=0., **memory)
    saving.load_state_dict(plain.state_dict())
    x = torch.randn(2, 6, 64, 96)
    (outs_a, grads_a), (outs_b, grads_b) = (outputs_and_grads(m, x)
                                            for m in (plain, saving))
    for a, b in zip(outs_a, outs_b):
        torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-5)
    assert grads_a.keys() == grads_b.keys()
    for name, grad in grads_a.items():
        torch.testing.assert_close(grads_b[name], grad, rtol=1e-4,
                                   atol=1e-6, msg=name)
    # and it keeps less for the backward pass
    assert saved_bytes(saving, x) < 0.7 * saved_bytes(plain, x)


def test_lean_activations_under_bf16_autocast():
    """bf16 autocast (the CPU's --amp) through the lean path: gradients
    in the parameters' fp32, close to the plain path's."""
    torch.manual_seed(0)
    plain = tiny_backbone(drop_path_rate=0., lean_activations=False)
    lean = tiny_backbone(drop_path_rate=0.)
    lean.load_state_dict(plain.state_dict())
    x = torch.randn(1, 6, 64, 64)
    (outs_a, grads_a), (outs_b, grads_b) = (outputs_and_grads(
        m, x, autocast=True) for m in (plain, lean))
    for a, b in zip(outs_a, outs_b):
        assert b.dtype == a.dtype
        torch.testing.assert_close(b.float(), a.float(), rtol=0.05,
                                   atol=0.05)
    largest = max(g.norm() for g in grads_a.values())
    checked = 0
    for name, grad in grads_a.items():
        assert grads_b[name].dtype == torch.float32
        if grad.norm() < 1e-3 * largest:  # bf16 rounding noise only
            continue
        cosine = torch.nn.functional.cosine_similarity(
            grads_b[name].flatten(), grad.flatten(), dim=0)
        assert cosine > 0.99, name
        checked += 1
    assert checked > len(grads_a) // 4


def test_with_cp_names_stages():
    assert DualPromptMiT(arch='b0', with_cp=[2, 2, 0]).with_cp == (0, 2)
    with pytest.raises(ValueError, match='outside 0..3'):
        DualPromptMiT(arch='b0', with_cp=[4])


def test_prompt_branch_width_must_fit_the_heads():
    with pytest.raises(ValueError, match='not divisible by prompt_ratio 3'):
        DualPromptMiT(arch='b0', prompt_ratio=3)
    narrow = dict(embed_dims=16, num_layers=[1] * 4, num_heads=[2] * 4)
    with pytest.raises(ValueError, match='not divisible by num_heads 2'):
        DualPromptMiT(arch=narrow)
