"""DualPromptSwin: DPLNet's dual prompts on a frozen mmseg Swin."""
import os.path as osp
import re
from typing import Dict

import pytest
import torch
import torch.nn.functional as F
from dplnet_testing import CONFIG_DIR, run_tool, write_tiny_config
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from rgbx_fixtures import write_nyuv2_dplnet
from test_runner_freezing import SnapshotBeforeStep, packed_samples
from torch.utils.data import DataLoader

from mmseg.models.backbones import SwinTransformer
from mmseg_dplnet.engine import PortableRunner
from mmseg_dplnet.models.backbones import DualPromptSwin
from mmseg_dplnet.models.backbones.dual_prompt_swin import (
    load_pretrained_swin, resolve_swin_arch)
from mmseg_dplnet.models.weights import PretrainedWeightsError

pytestmark = pytest.mark.usefixtures('one_torch_thread')

RECIPE = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_swin-b.py')
SIZE = (32, 48)
TINY_ARCH = dict(embed_dims=32, depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8))
# a tiny Swin: window 4, stages of 8x12, 4x6, 2x3 and 1x2 tokens (the last
# two padded to a window); the MFA branches work in C / 16 channels (2 per
# head)
TINY = dict(
    arch=TINY_ARCH,
    window_size=4,
    num_prompt_tokens=5,
    prompt_dims=8,
    prompt_ratio=16)
# (backbone options, input aux channels, input size)
VARIANTS = {
    # shifted blocks; a depth map replicated to the 3 aux channels
    'shifted_depth': (dict(), 1, SIZE),
    'aux_channels_3': (dict(aux_channels=3), 3, SIZE),
    'aux_channels_1': (dict(aux_channels=1), 1, SIZE),
    'no_shift': (dict(arch=dict(TINY_ARCH, depths=(1, 1, 1, 1))), 1, SIZE),
    # 9x13 tokens: every stage pads to the window, patch merging too
    'padded': (dict(), 1, (36, 52)),
    'abs_pos_embed': (dict(use_abs_pos_embed=True, pretrain_img_size=SIZE),
                      1, SIZE),
}


def stock_swin(**options) -> SwinTransformer:
    """mmseg's Swin of a DualPromptSwin's options (tiny by default)."""
    arch = options.pop('arch', TINY_ARCH)
    for key in ('aux_channels', 'num_prompt_tokens', 'prompt_dims',
                'prompt_ratio', 'zero_init_prompts', 'frozen_eval'):
        options.pop(key, None)
    options.setdefault('window_size', TINY['window_size'])
    return SwinTransformer(**dict(arch), **options)


def stock_state(backbone: DualPromptSwin) -> Dict[str, torch.Tensor]:
    """The host's tensors under stock mmseg names."""
    return {
        re.sub(r'^(stages\.\d+\.blocks\.\d+\.attn\.)attn\.', r'\1', key):
        value
        for key, value in backbone.host.state_dict().items()
        if 'prompt' not in key
    }


def randomise(module: torch.nn.Module, seed: int = 2) -> None:
    """Give every tensor of a (stock) Swin non-trivial values: the stock
    init leaves the relative position bias tables at zero and the norms at
    1 / 0."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in module.named_parameters():
            if 'prompt' in name:
                continue
            noise = torch.randn(param.shape, generator=generator)
            if 'relative_position_bias_table' in name:
                param.copy_(noise)
            elif 'norm' in name:
                param.add_(0.2 * noise)


def rgbx(aux: int = 1, size=SIZE, batch: int = 2) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(batch, 3 + aux, *size, generator=generator)


@pytest.mark.parametrize('variant', sorted(VARIANTS))
def test_null_prompts_give_the_stock_swin(variant):
    options, aux, size = VARIANTS[variant]
    options = dict(TINY, **options)
    torch.manual_seed(0)
    model = DualPromptSwin(**options, zero_init_prompts=False)
    model.init_weights()
    randomise(model.host)
    stock = stock_swin(**options)
    assert stock.load_state_dict(stock_state(model)) is not None
    model.eval()
    stock.eval()
    inputs = rgbx(aux, size)
    with torch.no_grad():
        expected = stock(inputs[:, :3])
        prompted = model(inputs)
        for layer in model.prompt_output_layers():
            layer.weight.zero_()
            layer.bias.zero_()
        null = model(inputs)
    assert len(null) == len(expected) == 4
    height, width = (size[0] + 3) // 4, (size[1] + 3) // 4
    for stage, (ref, out, with_prompts) in enumerate(
            zip(expected, null, prompted)):
        assert out.shape == ref.shape == (2, 32 * 2**stage, height, width)
        assert (out - ref).abs().max() <= 1e-5 * ref.std()
        # the random aux input does reach the features through the prompts
        assert (with_prompts - ref).abs().max() > 1e-3 * ref.std()
        height, width = (height + 1) // 2, (width + 1) // 2


@pytest.mark.parametrize('part', ['mpg', 'mfa'])
def test_each_prompt_part_alone_changes_the_features(part):
    torch.manual_seed(0)
    model = DualPromptSwin(**TINY, zero_init_prompts=False)
    model.init_weights()
    model.eval()
    inputs = rgbx()
    outputs = model.prompt_output_layers()
    adapters = len(model.prompt_adapters)
    # zero the other part's output layers
    others = outputs[adapters:] if part == 'mpg' else outputs[:adapters]
    with torch.no_grad():
        for layer in outputs:
            layer.weight.zero_()
            layer.bias.zero_()
        null = model(inputs)
        torch.manual_seed(4)
        for layer in outputs:
            if layer not in others:
                layer.reset_parameters()
        with_part = model(inputs)
        # the MFA depends on the learnable tokens, the MPG on the aux input
        if part == 'mfa':
            model.prompt_tokens.normal_()
        else:
            inputs[:, 3:] = -inputs[:, 3:]
        changed = model(inputs)
    for ref, out, other in zip(null, with_part, changed):
        assert (out - ref).abs().max() > 1e-3 * ref.std()
        assert (other - out).abs().max() > 1e-3 * ref.std()


def test_default_init_starts_at_the_host_and_freezes_it():
    model = DualPromptSwin(**TINY)
    model.init_weights()
    assert len(model.prompt_output_layers()) == 4 + 8
    assert all(not layer.weight.any()
               for layer in model.prompt_output_layers())
    assert not any(p.requires_grad for p in stock_state(model).values())
    learnable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert learnable and all(
        n.startswith(('prompt_', 'host.stages.')) for n in learnable)
    assert all('.attn.prompt' in n for n in learnable
               if n.startswith('host.'))
    model.train()
    assert not model.host.training and model.prompt_adapters.training
    assert all(w.prompt.training and not w.attn.training
               for w in model.prompted_attentions())
    # a single-channel modality is replicated to the 3 aux channels
    assert model.split_inputs(rgbx())[1].shape[1] == 3
    with pytest.raises(ValueError, match='aux_channels'):
        model(rgbx()[:, :3])
    with pytest.raises(ValueError, match='in_channels'):
        DualPromptSwin(**TINY, in_channels=4)
    with pytest.raises(ValueError, match='frozen_stages'):
        DualPromptSwin(**TINY, frozen_stages=1)
    with pytest.raises(ValueError, match="'huge'"):
        DualPromptSwin(arch='huge')
    assert resolve_swin_arch('t') == dict(
        embed_dims=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24])


class CheckModes(Hook):
    """Records the train / eval modes during the train step."""

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        backbone = runner.model.backbone
        wrapper = backbone.prompted_attentions()[0]
        self.modes = (backbone.host.training, wrapper.attn.training,
                      wrapper.prompt.training)


def tiny_recipe_model(cfg: Config, zero_init_prompts: bool) -> dict:
    """The recipe's model scaled down to the tiny Swin."""
    model = cfg.model
    model.backbone.update(
        TINY, zero_init_prompts=zero_init_prompts, init_cfg=None)
    # update() merges dicts: set the whole arch
    model.backbone.arch = dict(TINY_ARCH)
    model.decode_head.update(in_channels=[32, 64, 128, 256], embed_dims=32,
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
    assert modes.modes == (False, False, True)
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
        assert len(outputs) == 12 and outputs <= changed
    else:
        assert changed == learnable


def random_swin(seed: int = 3, **options) -> SwinTransformer:
    """A stock tiny Swin with random values everywhere."""
    torch.manual_seed(seed)
    swin = stock_swin(**options)
    swin.init_weights()
    randomise(swin, seed)
    return swin


def pretrain_state(swin: SwinTransformer) -> Dict[str, torch.Tensor]:
    """A Swin's tensors as a classification checkpoint has them (mmseg's
    pretrain/swin files): no stage output norms, a final ``norm``."""
    state = {k: v for k, v in swin.state_dict().items()
             if not re.match(r'norm\d', k)}
    state['norm.weight'] = torch.randn(256)
    state['norm.bias'] = torch.randn(256)
    return state


def to_official(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Microsoft's names and merging order of mmseg Swin tensors (the
    inverse of mmseg's swin2mmseg converter)."""
    official = {}
    for key, value in state.items():
        key = key.replace('stages.', 'layers.', 1)
        key = key.replace('attn.w_msa.', 'attn.')
        key = key.replace('ffn.layers.0.0.', 'mlp.fc1.')
        key = key.replace('ffn.layers.1.', 'mlp.fc2.')
        key = key.replace('patch_embed.projection', 'patch_embed.proj')
        if 'downsample.reduction' in key:
            out, channels = value.shape
            value = value.reshape(out, channels // 4, 4).transpose(1, 2)
            value = value[:, [0, 2, 1, 3]].reshape(out, channels)
        elif 'downsample.norm' in key:
            value = value.reshape(-1, 4).transpose(0, 1)[[0, 2, 1, 3]]
            value = value.reshape(-1)
        official[key] = value
    official['head.weight'] = torch.randn(10, 256)
    official['layers.0.blocks.1.attn_mask'] = torch.zeros(6, 16, 16)
    return official


@pytest.mark.parametrize('layout', ['segmentor', 'pretrain', 'official'])
def test_loads_a_swin_checkpoint_into_the_host(tmp_path, layout):
    path = str(tmp_path / 'swin.pth')
    swin = random_swin()
    expected = swin.state_dict()
    if layout == 'segmentor':  # an mmseg segmentor checkpoint
        weights = {'backbone.' + k: v for k, v in expected.items()}
        weights['decode_head.conv_seg.weight'] = torch.randn(40, 16, 1, 1)
        torch.save(dict(meta=dict(), state_dict=weights), path)
    elif layout == 'pretrain':  # mmseg's pretrain/swin files
        torch.save(pretrain_state(swin), path)
    else:  # Microsoft's file
        torch.save(dict(model=to_official(pretrain_state(swin))), path)
    model = DualPromptSwin(**TINY)
    model.init_weights()
    prompts = {n: p.clone() for n, p in model.named_parameters()
               if p.requires_grad}
    fresh = {k: v.clone() for k, v in stock_state(model).items()}
    load_pretrained_swin(model, path)
    loaded = stock_state(model)
    assert sorted(loaded) == sorted(expected)
    for key, value in expected.items():
        if layout != 'segmentor' and re.match(r'norm\d', key):
            # classification checkpoints have no stage output norms
            assert torch.equal(loaded[key], fresh[key]), key
        else:
            assert torch.equal(loaded[key], value), key
    for name, param in model.named_parameters():
        if param.requires_grad:
            assert torch.equal(param, prompts[name]), name


def test_init_cfg_resizes_the_bias_tables(tmp_path):
    path = str(tmp_path / 'swin_window2.pth')
    expected = random_swin(window_size=2).state_dict()
    torch.save(dict(state_dict=expected), path)
    model = DualPromptSwin(
        **TINY, init_cfg=dict(type='Pretrained', checkpoint=path))
    model.init_weights()
    loaded = stock_state(model)
    key = 'stages.2.blocks.1.attn.w_msa.relative_position_bias_table'
    # 3x3 relative offsets of window 2 -> 7x7 of window 4, as mmseg resizes
    table = expected[key].permute(1, 0).reshape(1, 4, 3, 3)
    resized = F.interpolate(table, size=(7, 7), mode='bicubic')
    assert torch.equal(loaded[key], resized.view(4, 49).permute(1, 0))
    index = 'stages.2.blocks.1.attn.w_msa.relative_position_index'
    assert loaded[index].shape == (16, 16)
    assert torch.equal(loaded['stages.3.blocks.1.ffn.layers.1.weight'],
                       expected['stages.3.blocks.1.ffn.layers.1.weight'])


def test_a_wrong_size_tensor_is_a_clear_error(tmp_path):
    path = str(tmp_path / 'wide.pth')
    state = random_swin().state_dict()
    key = 'stages.1.blocks.0.attn.w_msa.qkv.weight'
    state[key] = torch.zeros(192, 32)
    torch.save(dict(state_dict={'backbone.' + k: v
                                for k, v in state.items()}), path)
    model = DualPromptSwin(**TINY)
    with pytest.raises(PretrainedWeightsError) as error:
        load_pretrained_swin(model, path)
    message = str(error.value)
    for part in (path, 'backbone.' + key, '(192, 32)', '(192, 64)',
                 'model.backbone.arch'):
        assert part in message
    state.pop(key)
    torch.save(state, path)
    with pytest.raises(PretrainedWeightsError, match=re.escape(key)):
        load_pretrained_swin(model, path)


def test_scaled_down_recipe_trains_and_tests_with_tta(tmp_path):
    cfg = Config.fromfile(RECIPE)
    assert cfg.model.backbone.init_cfg.checkpoint.startswith('pretrained/')
    root = str(tmp_path / 'data')
    write_nyuv2_dplnet(root)
    config = write_tiny_config(RECIPE, str(tmp_path / 'swin.py'), root,
                               size=SIZE)
    # write_tiny_config shrinks a MiT: give the copy the tiny Swin instead
    cfg = Config.fromfile(config)
    tiny_recipe_model(cfg, zero_init_prompts=False)
    cfg.dump(config)
    work_dir = str(tmp_path / 'work')
    run_tool(['tools/train.py', config, '--work-dir', work_dir])
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    tta = run_tool(['tools/test.py', config, checkpoint, '--tta',
                    '--work-dir', str(tmp_path / 'tta')]).stdout
    assert 'SegTTAModel' in tta
    assert len(re.findall(r'mIoU: (\d+\.\d+)', tta)) == 1
