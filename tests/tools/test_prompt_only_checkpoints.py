"""Prompt-only checkpoints, for real: a scaled-down recipe on a frozen encoder
read from a pretrained file trains through tools/train.py twice, once saving
full and once prompt-only checkpoints; testing, resuming, init_model, the
converters and the inferencer's prompt sets are checked against the full
run."""
import hashlib
import os.path as osp
import re
import runpy
import shutil
import sys

import numpy as np
import pytest
import torch
from dplnet_testing import CONFIG_DIR, run_tool, write_tiny_config
from mmengine.config import Config
from rgbx_fixtures import write_nyuv2_cmx

from mmseg.registry import MODELS, RUNNERS
from mmseg_dplnet.apis import MultimodalSegInferencer, init_model
from mmseg_dplnet.models.weights.prompt_only import (
    PromptOnlyCheckpointError, frozen_state_keys, to_prompt_only)

NYUV2 = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py')
MFNET = osp.join(CONFIG_DIR, 'dplnet', 'mfnet_b5.py')
# before the module's runs: they are compared bit for bit with the tools'
pytestmark = pytest.mark.usefixtures('one_torch_thread')


def write_encoder_file(config: str, path: str, seed: int) -> str:
    """A 'pretrained' RGB MiT for the scaled-down backbone: the encoder's
    tensors of a seeded initialisation, in this project's own format."""
    backbone = Config.fromfile(config).model.backbone
    backbone.init_cfg = None
    torch.manual_seed(seed)
    module = MODELS.build(backbone)
    module.init_weights()
    state = {k: v for k, v in module.state_dict().items()
             if 'prompt' not in k}
    torch.save(dict(state_dict=state), path)
    return path


def state(path: str) -> dict:
    return torch.load(path, weights_only=False)


def runner(config: str, work_dir, **options):
    """The runner tools/train.py and tools/test.py build, in this process
    (saves a tool's start-up; the subprocess runs below use the tools)."""
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    cfg.merge_from_dict(options)
    return RUNNERS.build(cfg)


def convert(tool: str, *args: str) -> None:
    """Run a converter script as its command line does, in this process."""
    argv = sys.argv
    sys.argv = [tool, *args]
    try:
        runpy.run_path(osp.join(CONFIG_DIR, '..', 'tools', 'model_converters',
                                tool), run_name='__main__')
    finally:
        sys.argv = argv


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Full run to 4 iterations (checkpoints at 2 and 4); prompt-only run
    to 2, then resumed to 4."""
    root = tmp_path_factory.mktemp('prompt_only')
    data = str(root / 'nyuv2')
    write_nyuv2_cmx(data, counts=dict(train=4, test=2))
    plain = write_tiny_config(NYUV2, str(root / 'plain.py'), data)
    encoder = write_encoder_file(plain, str(root / 'encoder.pth'), seed=1)
    common = {
        'pretrained': encoder,
        'default_hooks.checkpoint.interval': 2,
        'param_scheduler.0.end': 4
    }
    configs = dict(
        full=write_tiny_config(NYUV2, str(root / 'full.py'), data,
                               max_iters=4, **common),
        prompt=write_tiny_config(
            NYUV2, str(root / 'prompt.py'), data, max_iters=4, **common,
            **{'default_hooks.checkpoint.prompt_only': True}))
    first = write_tiny_config(
        NYUV2, str(root / 'prompt_first.py'), data, max_iters=2, **common,
        **{'default_hooks.checkpoint.prompt_only': True})
    work = dict(full=str(root / 'full'), prompt=str(root / 'prompt'))
    runner(configs['full'], work['full']).train()
    runner(first, work['prompt']).train()
    shutil.copy(osp.join(work['prompt'], 'iter_2.pth'),
                str(root / 'prompt_iter_2.pth'))
    log = run_tool(['tools/train.py', configs['prompt'], '--work-dir',
                    work['prompt'], '--resume']).stdout
    assert re.search(r'resumed.*iter: 2', log, re.I | re.S), log[-3000:]
    return dict(
        root=root,
        data=data,
        encoder=encoder,
        configs=configs,
        full={i: osp.join(work['full'], f'iter_{i}.pth') for i in (2, 4)},
        prompt={
            2: str(root / 'prompt_iter_2.pth'),
            4: osp.join(work['prompt'], 'iter_4.pth')
        })


def test_prompt_only_files_hold_what_learned(runs):
    model = init_model(runs['configs']['full'])
    frozen = set(frozen_state_keys(model))
    learnable = [k for k in model.state_dict() if k not in frozen]
    assert frozen and all(k.startswith('backbone.') for k in frozen)
    assert any('decode_head' in k and 'running_mean' in k
               for k in learnable)  # the decoder's BatchNorm statistics
    with open(runs['encoder'], 'rb') as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    for iteration in (2, 4):
        full = state(runs['full'][iteration])
        prompt = state(runs['prompt'][iteration])
        assert list(prompt['state_dict']) == learnable  # no frozen tensor
        for key in learnable:  # the same training, bit for bit
            assert torch.equal(prompt['state_dict'][key],
                               full['state_dict'][key]), key
        record = prompt['meta']['prompt_only']
        assert record['checkpoint'] == runs['encoder']
        assert record['sha256'] == sha256
        assert record['module'] == 'backbone'
        assert record['frozen_tensors'] == len(frozen)
        for part in ('optimizer', 'param_schedulers', 'message_hub',
                     'random_states'):
            assert part in prompt, part
    # the resumed prompt-only run = the uninterrupted full run, optimizer
    # state included
    momentum = [[s['momentum_buffer']
                 for s in c['optimizer']['state'].values()]
                for c in (state(runs['full'][4]), state(runs['prompt'][4]))]
    assert len(momentum[0]) == len(momentum[1]) > 0
    for x, y in zip(*momentum):
        assert torch.equal(x, y)


def test_test_and_init_model_reproduce_the_full_checkpoint(runs, tmp_path):
    out = run_tool([
        'tools/test.py', runs['configs']['prompt'], runs['prompt'][4],
        '--work-dir', str(tmp_path / 'prompt')
    ]).stdout
    printed = dict(re.findall(r'(aAcc|mIoU|mAcc): (\d+\.\d+)', out))
    assert len(printed) == 3, out[-2000:]
    full = runner(runs['configs']['full'], tmp_path / 'full',
                  load_from=runs['full'][4]).test()
    assert printed == {k: f'{full[k]:.4f}' for k in printed}
    # the same logits through the inference API
    full = init_model(runs['configs']['full'], runs['full'][4])
    prompt = init_model(runs['configs']['prompt'], runs['prompt'][4])
    inputs = torch.rand(1, 4, 32, 48) * torch.tensor(
        [255., 255., 255., 1.]).view(1, 4, 1, 1)
    with torch.no_grad():
        assert torch.equal(
            full.encode_decode(full.data_preprocessor(
                dict(inputs=[inputs[0]]))['inputs'], [dict(
                    img_shape=(32, 48))]),
            prompt.encode_decode(prompt.data_preprocessor(
                dict(inputs=[inputs[0]]))['inputs'], [dict(
                    img_shape=(32, 48))]))


def test_missing_or_changed_encoder_file_is_refused(runs, tmp_path):
    checkpoint = runs['prompt'][4]
    missing = str(tmp_path / 'moved' / 'encoder.pth')
    test = runner(runs['configs']['prompt'], tmp_path / 'w',
                  load_from=checkpoint,
                  **{'model.backbone.init_cfg.checkpoint': missing})
    with pytest.raises(PromptOnlyCheckpointError,
                       match='does not exist') as error:
        test.test()
    assert missing in str(error.value) and checkpoint in str(error.value)
    changed = write_encoder_file(runs['configs']['full'],
                                 str(tmp_path / 'other.pth'), seed=2)
    with pytest.raises(PromptOnlyCheckpointError,
                       match=r'different file') as error:
        init_model(runs['configs']['prompt'], checkpoint,
                   cfg_options={
                       'model.backbone.init_cfg.checkpoint': changed})
    assert changed in str(error.value) and runs['encoder'] in str(
        error.value)


def test_converters_round_trip_bit_for_bit(runs, tmp_path):
    config = runs['configs']['full']
    to_prompt, to_full = str(tmp_path / 'p.pth'), str(tmp_path / 'f.pth')
    convert('full2prompt.py', config, runs['full'][4], to_prompt)
    convert('prompt2full.py', config, to_prompt, to_full)
    for converted, reference in ((to_prompt, runs['prompt'][4]),
                                 (to_full, runs['full'][4])):
        a, b = state(converted)['state_dict'], state(reference)['state_dict']
        assert list(a) == list(b)
        for key in a:
            assert torch.equal(a[key], b[key]), key
    assert 'prompt_only' not in state(to_full)['meta']
    assert osp.getsize(to_prompt) < osp.getsize(to_full)
    # a full checkpoint whose frozen tensors are not the encoder file's
    other = write_encoder_file(config, str(tmp_path / 'other.pth'), seed=2)
    with pytest.raises(SystemExit, match='frozen tensors differ'):
        convert('full2prompt.py', config, runs['full'][4],
                str(tmp_path / 'x.pth'), '--encoder', other)


def test_inferencer_switches_prompt_sets_on_one_encoder(runs, tmp_path):
    """An RGB-D model and an RGB-T model (9 classes, thermal) trained from
    the same encoder file: loaded together, they hold it once."""
    mfnet = write_tiny_config(MFNET, str(tmp_path / 'mfnet.py'),
                              runs['data'], pretrained=runs['encoder'])
    torch.manual_seed(3)
    thermal_model = MODELS.build(Config.fromfile(mfnet).model)
    thermal_model.init_weights()
    thermal = str(tmp_path / 'thermal.pth')
    torch.save(
        to_prompt_only(thermal_model,
                       dict(state_dict=thermal_model.state_dict(), meta={}),
                       runs['encoder']), thermal)
    depth = runs['prompt'][4]
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)
    depth_map = rng.integers(0, 256, (32, 48), dtype=np.uint8)
    thermal_map = rng.integers(0, 256, (32, 48), dtype=np.uint8)

    def logits(inferencer, aux):
        return inferencer((rgb, aux), return_datasamples=True).seg_logits.data

    both = MultimodalSegInferencer(runs['configs']['prompt'], depth,
                                   device='cpu')
    both.add_prompt_set('thermal', mfnet, thermal)
    alone = dict(
        default=MultimodalSegInferencer(runs['configs']['prompt'], depth,
                                        device='cpu'),
        thermal=MultimodalSegInferencer(mfnet, thermal, device='cpu'))
    for name, aux in (('thermal', thermal_map), ('default', depth_map),
                      ('thermal', thermal_map)):
        both.use_prompt_set(name)
        assert both.prompt_set == name
        assert torch.equal(logits(both, aux), logits(alone[name], aux))
    assert logits(alone['thermal'], thermal_map).shape[0] == 9
    models = [both._prompt_sets[n]['model'] for n in ('default', 'thermal')]
    frozen = frozen_state_keys(models[0])
    tensors = [m.state_dict() for m in models]
    assert all(tensors[0][k].data_ptr() == tensors[1][k].data_ptr()
               for k in frozen)  # one copy of the encoder in memory
    assert both.visualizer.dataset_meta['classes'][0] != \
        alone['default'].visualizer.dataset_meta['classes'][0]
    # a prompt set trained from another encoder file is refused
    other = write_encoder_file(mfnet, str(tmp_path / 'o.pth'), seed=4)
    thermal_model.backbone.init_cfg = dict(type='Pretrained',
                                           checkpoint=other)
    thermal_model.backbone.init_weights()
    foreign = str(tmp_path / 'foreign.pth')
    torch.save(
        to_prompt_only(thermal_model,
                       dict(state_dict=thermal_model.state_dict(), meta={}),
                       other), foreign)
    with pytest.raises(PromptOnlyCheckpointError, match='another frozen'):
        both.add_prompt_set('other', mfnet, foreign)
    assert sorted(both._prompt_sets) == ['default', 'thermal']
