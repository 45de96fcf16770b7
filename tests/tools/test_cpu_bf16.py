"""Mixed precision without CUDA: bf16 autocast where the CPU computes in
bf16, fp32 with a log line elsewhere, both forced through the detection's
environment variable so that either path runs on any CPU. Through the real
runner, tools/train.py (--amp is the recipes' AmpOptimWrapper), resume and
tools/test.py --amp."""
import os.path as osp
import re

import pytest
import torch
from dplnet_testing import CONFIG_DIR, run_tool, write_tiny_config
from mmengine.config import Config
from mmengine.hooks import Hook
from rgbx_fixtures import write_nyuv2_cmx

from mmseg.registry import RUNNERS
from mmseg_dplnet.engine import CPUBF16OptimWrapper
from mmseg_dplnet.utils.cpu_bf16 import FORCE_ENV, cpu_bf16_support

NYUV2 = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py')
CPU_ONLY = dict(CUDA_VISIBLE_DEVICES='')
BF16_LINE = 'replaced by CPUBF16OptimWrapper, training in bf16 autocast'


@pytest.mark.parametrize('line,expected', [
    ('flags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512_vnni', True),
    ('flags\t\t: fpu avx512f amx_bf16 amx_tile', True),
    ('Features\t: fp asimd bf16 i8mm', True),
    ('flags\t\t: fpu sse avx2 avx512f avx512bw avx512_vnni', False),
])
def test_detection_reads_the_kernel_cpu_flags(tmp_path, monkeypatch, line,
                                              expected):
    monkeypatch.delenv(FORCE_ENV, raising=False)
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text(f'processor\t: 0\nvendor_id\t: X\n{line}\n')
    supported, reason = cpu_bf16_support(str(cpuinfo))
    assert supported is expected
    assert str(cpuinfo) in reason
    if not expected:
        assert 'no avx512_bf16 / amx_bf16 / bf16 flag' in reason
    assert cpu_bf16_support(str(tmp_path / 'absent'))[0] is False


def test_the_environment_variable_forces_the_answer(tmp_path, monkeypatch):
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text('flags\t\t: fpu sse\n')
    for value, expected in (('1', True), ('0', False)):
        monkeypatch.setenv(FORCE_ENV, value)
        assert cpu_bf16_support(str(cpuinfo)) == (
            expected, f'forced by {FORCE_ENV}={value}')
    monkeypatch.setenv(FORCE_ENV, 'yes')
    with pytest.raises(ValueError, match='set it to 1'):
        cpu_bf16_support(str(cpuinfo))


class RecordDtypes(Hook):
    """The dtype of the backbone's last map in each train / val / test
    step."""

    def __init__(self):
        self.dtypes = dict(train=set(), val=set(), test=set())
        self.mode = None

    def _record(self, module, args, outputs):
        self.dtypes[self.mode].add(outputs[-1].dtype)

    def before_run(self, runner):
        runner.model.backbone.register_forward_hook(self._record)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.mode = 'train'

    def before_val_iter(self, runner, batch_idx, data_batch=None):
        self.mode = 'val'

    def before_test_iter(self, runner, batch_idx, data_batch=None):
        self.mode = 'test'


@pytest.fixture(scope='module')
def tiny_nyuv2(tmp_path_factory):
    root = tmp_path_factory.mktemp('nyuv2_bf16')
    write_nyuv2_cmx(str(root), counts=dict(train=4, test=2))
    return str(root)


@pytest.mark.parametrize('bf16', [True, False])
def test_runner_trains_and_tests_in_the_detected_precision(
        tiny_nyuv2, tmp_path, monkeypatch, bf16):
    monkeypatch.setenv(FORCE_ENV, '1' if bf16 else '0')
    config = write_tiny_config(NYUV2, str(tmp_path / 'cfg.py'), tiny_nyuv2,
                               max_iters=1)
    cfg = Config.fromfile(config)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'  # the recipe's AMP
    cfg.work_dir = str(tmp_path / 'work')
    cfg.test_cfg = dict(cfg.test_cfg, fp16=True)  # tools/test.py --amp
    record = RecordDtypes()
    runner = RUNNERS.build(cfg)
    runner.register_hook(record)
    runner.train()
    runner.test()
    assert isinstance(runner.optim_wrapper, CPUBF16OptimWrapper) is bf16
    assert runner.test_loop.fp16 is bf16
    expected = torch.bfloat16 if bf16 else torch.float32
    # validation during training has no fp16 switch: fp32
    assert record.dtypes == dict(train={expected}, val={torch.float32},
                                 test={expected})
    # the learnable tensors, their gradients' optimizer state: fp32
    assert all(p.dtype == torch.float32 for p in runner.model.parameters())


def test_amp_training_resumes_bit_for_bit(tiny_nyuv2, tmp_path):
    """tools/train.py with the recipe's AMP in bf16 (forced): 4 iterations
    in one go equal 2 + a resumed 2; tools/test.py --amp of the result on a
    CPU without bf16 (forced) tests in fp32 and says why."""
    straight = write_tiny_config(NYUV2, str(tmp_path / 'straight.py'),
                                 tiny_nyuv2, max_iters=4, deterministic=True)
    first = write_tiny_config(NYUV2, str(tmp_path / 'first.py'), tiny_nyuv2,
                              max_iters=2, deterministic=True,
                              **{'param_scheduler.0.end': 4})
    logs, states = {}, {}
    for name, config, extra, force in (
            ('a', straight, [], '1'), ('b', first, [], '1'),
            ('b', straight, ['--resume'], '1')):
        out = run_tool(['tools/train.py', config, '--work-dir',
                        str(tmp_path / name)] + extra,
                       env=dict(CPU_ONLY, **{FORCE_ENV: force}))
        logs[name] = out.stdout + out.stderr
    for name in ('a', 'b'):
        states[name] = torch.load(
            str(tmp_path / name / 'iter_4.pth'),
            weights_only=False)['state_dict']
    assert BF16_LINE in logs['a'] and BF16_LINE in logs['b']
    assert re.search(r'resumed.*iter: 2', logs['b'], re.I | re.S)
    assert states['a'].keys() == states['b'].keys()
    for key, value in states['a'].items():
        assert torch.equal(states['b'][key], value), key

    out = run_tool(['tools/test.py', straight,
                    str(tmp_path / 'a' / 'iter_4.pth'), '--amp',
                    '--work-dir', str(tmp_path / 'test')],
                   env=dict(CPU_ONLY, **{FORCE_ENV: '0'}))
    log = out.stdout + out.stderr
    assert (f'Mixed precision on the CPU: fp32 (forced by {FORCE_ENV}=0'
            in log), log[-2000:]
    assert re.search(r'Iter\(test\).*mIoU: [\d.]+', log), log[-2000:]
