"""DualPromptViT: DPLNet's dual prompts on a frozen mmpretrain ViT."""
import os.path as osp
import re
from typing import Dict

import pytest
import torch
from dplnet_testing import CONFIG_DIR, run_tool, write_tiny_config
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmpretrain.models.backbones.vision_transformer import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed
from rgbx_fixtures import write_nyuv2_dplnet
from test_runner_freezing import SnapshotBeforeStep, packed_samples
from torch.utils.data import DataLoader

from mmseg_dplnet.engine import PortableRunner
from mmseg_dplnet.models.backbones import DualPromptViT
from mmseg_dplnet.models.backbones.dual_prompt_vit import load_pretrained_vit
from mmseg_dplnet.models.weights import PretrainedWeightsError

pytestmark = pytest.mark.usefixtures('one_torch_thread')

RECIPE = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_vit-b.py')
SIZE = (32, 48)
TINY_ARCH = dict(
    embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=64)
# a tiny ViT: patch 4, 8x12 tokens; the MFA branch works in 32 / 8 = 4
# channels (2 per head)
TINY = dict(
    arch=TINY_ARCH,
    img_size=SIZE,
    patch_size=4,
    out_indices=(1, 3),
    num_prompt_tokens=5,
    prompt_dims=8,
    prompt_ratio=8)
# host variants mmpretrain's ViT builds cheaply (it has no register tokens)
VARIANTS = {
    'plain': dict(),
    'layer_scale_pre_norm': dict(layer_scale_init_value=0.1, pre_norm=True),
    'no_cls_token': dict(with_cls_token=False, final_norm=False),
}


def stock_vit(img_size=SIZE, **host_kwargs) -> VisionTransformer:
    """mmpretrain's ViT with the tiny arch and featmap output."""
    host_kwargs.setdefault('out_type', 'featmap')
    return VisionTransformer(
        arch=dict(TINY_ARCH),
        img_size=img_size,
        patch_size=4,
        out_indices=list(TINY['out_indices']),
        **host_kwargs)


def stock_state(backbone: DualPromptViT) -> Dict[str, torch.Tensor]:
    """The host's tensors under stock mmpretrain names."""
    return {
        re.sub(r'^(layers\.\d+\.attn\.)attn\.', r'\1', key): value
        for key, value in backbone.host.state_dict().items()
        if 'prompt' not in key
    }


def rgbd(batch: int = 2) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(batch, 4, *SIZE, generator=generator)


@pytest.mark.parametrize('variant', sorted(VARIANTS))
def test_null_prompts_give_the_stock_vit(variant):
    torch.manual_seed(0)
    model = DualPromptViT(
        **TINY, zero_init_prompts=False, **VARIANTS[variant])
    model.init_weights()
    stock = stock_vit(**VARIANTS[variant])
    assert stock.load_state_dict(stock_state(model)) is not None
    model.eval()
    stock.eval()
    inputs = rgbd()
    with torch.no_grad():
        expected = stock(inputs[:, :3])
        prompted = model(inputs)
        for layer in model.prompt_output_layers():
            layer.weight.zero_()
            layer.bias.zero_()
        null = model(inputs)
    assert len(null) == len(expected) == 2
    for ref, out, with_prompts in zip(expected, null, prompted):
        assert out.shape == ref.shape == (2, 32, 8, 12)
        assert (out - ref).abs().max() <= 1e-5 * ref.std()
        # the random aux input does reach the features through the prompts
        assert (with_prompts - ref).abs().max() > 1e-3 * ref.std()


def test_default_init_starts_at_the_host_and_freezes_it():
    model = DualPromptViT(**TINY)
    model.init_weights()
    assert model.prompt_stages == (0, 1, 2, 3)
    assert len(model.prompt_output_layers()) == 4 + 4
    assert all(not layer.weight.any()
               for layer in model.prompt_output_layers())
    assert not any(p.requires_grad for p in stock_state(model).values())
    learnable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert learnable and all(
        n.startswith(('prompt_', 'host.layers.')) for n in learnable)
    assert all('.attn.prompt' in n for n in learnable
               if n.startswith('host.'))
    model.train()
    assert not model.host.training and model.prompt_adapters.training
    assert all(w.prompt.training for w in model.prompted_attentions())
    # a single-channel modality is replicated to the 3 aux channels
    assert model.split_inputs(rgbd())[1].shape[1] == 3
    with pytest.raises(ValueError, match='out_type'):
        DualPromptViT(**TINY, out_type='cls_token')


class CheckModes(Hook):
    """Records the train / eval modes during the train step."""

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        backbone = runner.model.backbone
        self.modes = (backbone.host.training,
                      backbone.host.layers[0].attn.prompt.training)


def tiny_recipe_model(cfg: Config, zero_init_prompts: bool) -> dict:
    """The recipe's model scaled down to the tiny ViT."""
    model = cfg.model
    model.backbone.update(
        TINY,
        out_indices=(0, 1, 2, 3),
        zero_init_prompts=zero_init_prompts,
        init_cfg=None)
    model.neck.update(in_channels=[32] * 4, out_channels=32)
    model.decode_head.update(in_channels=[32] * 4, embed_dims=32,
                             channels=16)
    model.data_preprocessor.size = SIZE
    return model


@pytest.mark.parametrize('zero_init_prompts', [False, True])
def test_one_runner_step_leaves_the_host_bit_identical(
        tmp_path, zero_init_prompts):
    cfg = Config.fromfile(RECIPE)
    snapshot, modes = SnapshotBeforeStep(), CheckModes()
    runner = PortableRunner(
        model=tiny_recipe_model(cfg, zero_init_prompts),
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(
            packed_samples(2, SIZE), batch_size=2,
            collate_fn=pseudo_collate),
        optim_wrapper=cfg.optim_wrapper,
        param_scheduler=cfg.param_scheduler,
        train_cfg=dict(by_epoch=False, max_iters=1),
        default_hooks=dict(checkpoint=None, logger=None),
        custom_hooks=[snapshot, modes],
        default_scope='mmseg')
    model = runner.model
    learnable = {n for n, p in model.named_parameters() if p.requires_grad}
    runner.train()
    before, after = snapshot.state, model.state_dict()
    assert modes.modes == (False, True)
    host = [k for k in before if k.startswith('backbone.host.')
            and k not in learnable]
    assert len(host) == len(stock_state(model.backbone))
    for key in host:
        assert torch.equal(before[key], after[key]), key
    changed = {k for k in learnable if not torch.equal(before[k], after[k])}
    if zero_init_prompts:
        # the zeroed output layers get gradients in the first step
        outputs = {
            f'backbone.{name}.weight'
            for name, module in model.backbone.named_modules()
            if module in model.backbone.prompt_output_layers()
        }
        assert len(outputs) == 8 and outputs <= changed
    else:
        assert changed == learnable


def write_classifier_checkpoint(path: str, img_size=SIZE,
                                prefix: str = 'backbone.',
                                **host_kwargs) -> Dict[str, torch.Tensor]:
    """An mmpretrain classifier checkpoint of a random tiny ViT (with a
    head); returns its backbone's tensors (bare keys)."""
    torch.manual_seed(3)
    vit = stock_vit(img_size=img_size, out_type='cls_token', **host_kwargs)
    vit.init_weights()
    state = vit.state_dict()
    weights = {prefix + k: v for k, v in state.items()}
    weights['head.layers.head.weight'] = torch.randn(10, 32)
    torch.save(dict(meta=dict(), state_dict=weights), path)
    return state


@pytest.mark.parametrize('prefix', ['backbone.', ''])
def test_loads_an_mmpretrain_checkpoint_into_the_host(tmp_path, prefix):
    path = str(tmp_path / 'vit.pth')
    expected = write_classifier_checkpoint(path, prefix=prefix)
    model = DualPromptViT(**TINY)
    model.init_weights()
    prompts = {n: p.clone() for n, p in model.named_parameters()
               if p.requires_grad}
    load_pretrained_vit(model, path)
    loaded = stock_state(model)
    assert sorted(loaded) == sorted(expected)
    for key, value in expected.items():
        assert torch.equal(loaded[key], value), key
    for name, param in model.named_parameters():
        if param.requires_grad:
            assert torch.equal(param, prompts[name]), name


def test_init_cfg_resizes_the_pos_embed(tmp_path):
    path = str(tmp_path / 'vit_224.pth')
    expected = write_classifier_checkpoint(path, img_size=(32, 32))
    model = DualPromptViT(
        **TINY, init_cfg=dict(type='Pretrained', checkpoint=path))
    model.init_weights()
    loaded = stock_state(model)
    resized = resize_pos_embed(expected['pos_embed'], (8, 8), (8, 12),
                               'bicubic', 1)
    assert torch.equal(loaded['pos_embed'], resized)
    assert torch.equal(loaded['layers.3.attn.qkv.weight'],
                       expected['layers.3.attn.qkv.weight'])


def test_a_wrong_size_tensor_is_a_clear_error(tmp_path):
    path = str(tmp_path / 'wide.pth')
    state = write_classifier_checkpoint(path)
    state['layers.1.attn.qkv.weight'] = torch.zeros(96, 16)
    torch.save(dict(state_dict={'backbone.' + k: v
                                for k, v in state.items()}), path)
    model = DualPromptViT(**TINY)
    with pytest.raises(PretrainedWeightsError) as error:
        load_pretrained_vit(model, path)
    message = str(error.value)
    for part in (path, 'backbone.layers.1.attn.qkv.weight', '(96, 16)',
                 '(96, 32)'):
        assert part in message
    state.pop('layers.1.attn.qkv.weight')
    torch.save(state, path)
    with pytest.raises(PretrainedWeightsError, match='layers.1.attn.qkv'):
        load_pretrained_vit(model, path)


def test_scaled_down_recipe_trains_and_tests_with_tta(tmp_path):
    cfg = Config.fromfile(RECIPE)
    assert cfg.model.backbone.init_cfg.checkpoint.startswith('pretrained/')
    root = str(tmp_path / 'data')
    write_nyuv2_dplnet(root)
    config = write_tiny_config(RECIPE, str(tmp_path / 'vit.py'), root,
                               size=SIZE)
    # write_tiny_config shrinks a MiT: give the copy the tiny ViT instead
    cfg = Config.fromfile(config)
    model = tiny_recipe_model(cfg, zero_init_prompts=False)
    model.backbone.arch = dict(TINY_ARCH)
    cfg.dump(config)
    work_dir = str(tmp_path / 'work')
    run_tool(['tools/train.py', config, '--work-dir', work_dir])
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    tta = run_tool(['tools/test.py', config, checkpoint, '--tta',
                    '--work-dir', str(tmp_path / 'tta')]).stdout
    assert 'SegTTAModel' in tta
    assert len(re.findall(r'mIoU: (\d+\.\d+)', tta)) == 1
