"""Pretrained RGB MiT weights in every supported format initialise the
frozen encoder of DualPromptMiT; bad files raise clear errors."""
import re
from collections import OrderedDict

import pytest
import torch
from mmengine.runner import save_checkpoint

from mmseg.models.backbones import MixVisionTransformer
from mmseg.registry import MODELS
from mmseg_dplnet.models import MIT_ARCHS, DualPromptMiT
from mmseg_dplnet.models.weights import PretrainedWeightsError


def stock_mit(arch: str) -> MixVisionTransformer:
    """mmseg's own MiT with random weights (mmseg naming)."""
    setting = MIT_ARCHS[arch]
    torch.manual_seed(0)
    mit = MixVisionTransformer(
        embed_dims=setting['embed_dims'],
        num_layers=setting['num_layers'],
        num_heads=[1, 2, 5, 8])
    mit.init_weights()
    with torch.no_grad():  # make every norm and bias non-trivial
        for name, param in mit.named_parameters():
            if param.dim() == 1:
                param.add_(0.1 * torch.randn_like(param))
    return mit.eval()


def mmseg_to_nvlabs(state_dict) -> OrderedDict:
    """Rename an mmseg MiT state dict to NVlabs' naming (independently of
    the package's converter)."""
    out = OrderedDict()
    for key, value in state_dict.items():
        m = re.match(r'layers\.(\d)\.(\d)\.(.*)', key)
        stage, part, rest = int(m.group(1)) + 1, int(m.group(2)), m.group(3)
        if part == 0:
            rest = rest.replace('projection', 'proj')
            out[f'patch_embed{stage}.{rest}'] = value
        elif part == 2:
            out[f'norm{stage}.{rest}'] = value
        else:
            block, name = rest.split('.', 1)
            prefix = f'block{stage}.{block}.'
            if name.startswith('attn.attn.in_proj_'):
                kind = name.rsplit('_', 1)[1]
                channels = value.shape[0] // 3
                out[prefix + f'attn.q.{kind}'] = value[:channels]
                out[prefix + f'attn.kv.{kind}'] = value[channels:]
            elif name.startswith('attn.attn.out_proj.'):
                out[prefix + 'attn.proj.' + name.rsplit('.', 1)[1]] = value
            elif name.startswith('ffn.layers.'):
                index, kind = name.split('.')[2:]
                layer = {'0': 'mlp.fc1', '1': 'mlp.dwconv.dwconv',
                         '4': 'mlp.fc2'}[index]
                if index != '1' and kind == 'weight':
                    value = value[:, :, 0, 0]
                out[prefix + f'{layer}.{kind}'] = value
            else:
                out[prefix + name] = value
    return out


def write_format(fmt: str, mit: MixVisionTransformer, path) -> str:
    state = mit.state_dict()
    head = {'decode_head.conv_seg.weight': torch.zeros(150, 256, 1, 1)}
    if fmt == 'nvlabs_segformer':  # segformer.b0.512x512.ade.160k.pth
        nvlabs = {'backbone.' + k: v for k, v in mmseg_to_nvlabs(state).items()}
        torch.save({'meta': {'CLASSES': ['wall']}, 'state_dict':
                    dict(nvlabs, **head)}, path)
    elif fmt == 'nvlabs_imagenet':  # mit_b0.pth: bare, with a classifier
        torch.save(dict(mmseg_to_nvlabs(state),
                        **{'head.weight': torch.zeros(1000, 256),
                           'head.bias': torch.zeros(1000)}), path)
    elif fmt == 'mmseg_segformer':  # a checkpoint of mmseg's SegFormer
        save_checkpoint({'state_dict': dict(
            {'backbone.' + k: v for k, v in state.items()}, **head)},
            str(path))
    elif fmt == 'mmseg_mit':  # mmseg's pretrain/mit_b0.pth, no prefix
        torch.save(state, path)
    return str(path)


def zero_prompts(backbone: DualPromptMiT) -> None:
    """Make every prompt contribution exactly zero."""
    with torch.no_grad():
        for adapter in backbone.prompt_adapters:
            adapter.expand.weight.zero_()
            adapter.expand.bias.zero_()
        for stage in backbone.blocks:
            for block in stage:
                block.attn.prompt.proj.weight.zero_()
                block.attn.prompt.proj.bias.zero_()


@pytest.mark.parametrize('fmt', ['nvlabs_segformer', 'nvlabs_imagenet',
                                 'mmseg_segformer', 'mmseg_mit'])
def test_every_format_initialises_the_frozen_encoder(fmt, tmp_path):
    mit = stock_mit('b0')
    path = write_format(fmt, mit, tmp_path / f'{fmt}.pth')
    backbone = DualPromptMiT(
        arch='b0',
        drop_path_rate=0.,
        embed_norm_cfg=dict(type='LN', eps=1e-6),  # as mmseg's MiT
        init_cfg=dict(type='Pretrained', checkpoint=path))
    prompts_before = backbone.prompt_tokens.clone()
    backbone.init_weights()
    backbone.eval()
    assert not torch.equal(backbone.prompt_tokens, prompts_before)
    ours = backbone.state_dict()
    torch.testing.assert_close(
        ours['blocks.2.1.attn.kv.weight'],
        mit.state_dict()['layers.2.1.1.attn.attn.in_proj_weight'][160:])
    # With the prompts silenced, the encoder IS the pretrained RGB MiT.
    zero_prompts(backbone)
    rgb = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        expected = mit(rgb)
        got = backbone(torch.cat([rgb, torch.randn(1, 3, 64, 96)], 1))
    for e, g in zip(expected, got):
        torch.testing.assert_close(g, e, rtol=1e-4, atol=1e-4)


def test_segmentor_init_weights_loads_the_backbone(tmp_path):
    """The runner's path: init_weights() of the whole EncoderDecoder."""
    mit = stock_mit('b0')
    path = write_format('nvlabs_segformer', mit, tmp_path / 'segformer.pth')
    model = MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='DualPromptMiT', arch='b0',
                      init_cfg=dict(type='Pretrained', checkpoint=path)),
        decode_head=dict(type='DPLNetHead', in_channels=[32, 64, 160, 256],
                         in_index=[0, 1, 2, 3], num_classes=5,
                         norm_cfg=dict(type='BN'))))
    model.init_weights()
    torch.testing.assert_close(
        model.backbone.norms[3].weight, mit.state_dict()['layers.3.2.weight'])


def test_wrong_size_weights_are_refused(tmp_path):
    b1_file = write_format('mmseg_mit', stock_mit('b1'), tmp_path / 'b1.pth')
    with pytest.raises(PretrainedWeightsError) as error:
        DualPromptMiT(arch='b0', init_cfg=dict(
            type='Pretrained', checkpoint=b1_file)).init_weights()
    message = str(error.value)
    assert b1_file in message and 'another shape' in message
    assert 'stage-1 width 64' in message and 'backbone.arch' in message


def test_b2_weights_into_b5_are_refused(tmp_path):
    b2_file = write_format('nvlabs_segformer', stock_mit('b2'),
                           tmp_path / 'segformer.b2.pth')
    with pytest.raises(PretrainedWeightsError) as error:
        DualPromptMiT(arch='b5', init_cfg=dict(
            type='Pretrained', checkpoint=b2_file)).init_weights()
    message = str(error.value)
    assert b2_file in message and 'frozen tensors are missing' in message
    assert '[3, 4, 6, 3] blocks per stage' in message
    assert '[3, 6, 40, 3]' in message


@pytest.mark.parametrize('content,pattern', [
    ({'state_dict': {'encoder.conv.weight': torch.zeros(1)}},
     'Unknown checkpoint format'),
    ({'meta': {'note': 'no weights'}}, 'Unknown checkpoint format'),
    ([1, 2, 3], 'Unknown checkpoint format'),
])
def test_unknown_files_are_refused(tmp_path, content, pattern):
    path = str(tmp_path / 'weights.pth')
    torch.save(content, path)
    with pytest.raises(PretrainedWeightsError, match=pattern) as error:
        DualPromptMiT(arch='b0', init_cfg=dict(
            type='Pretrained', checkpoint=path)).init_weights()
    assert path in str(error.value)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        DualPromptMiT(arch='b0', init_cfg=dict(
            type='Pretrained',
            checkpoint=str(tmp_path / 'nowhere.pth'))).init_weights()
