"""tools/deployment/pytorch2onnx.py on a scaled-down nyuv2_b5.py: the
exported graph, run by onnxruntime here, gives mmseg's logits (data
preprocessor + ``model.predict``) for stacked RGB-D inputs, at a fixed size
and, dynamic, at other sizes and batches; bad arguments fail clearly."""
import os.path as osp
import re
import runpy
import sys

import numpy as np
import onnxruntime
import pytest
import torch
from dplnet_testing import CONFIG_DIR, REPO_ROOT, run_tool, write_tiny_config

from mmseg.structures import SegDataSample
from mmseg_dplnet.apis import init_model

TOOL = 'tools/deployment/pytorch2onnx.py'
NYUV2 = osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py')
pytestmark = pytest.mark.usefixtures('one_torch_thread')
#: RGB + 1 depth channel: nyuv2_b5.py's modality
CHANNELS = 4
CHECK_LINE = re.compile(r'Check (\d+)x4x(\d+)x(\d+): .* = ([\d.e+-]+) '
                        r'\(limit .*agreement ([\d.]+)%.*: OK')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A scaled-down nyuv2_b5.py (the data root only has to be named) and
    a checkpoint of its seeded random weights."""
    root = tmp_path_factory.mktemp('onnx')
    config = write_tiny_config(NYUV2, str(root / 'tiny_nyuv2_b5.py'),
                               str(root / 'data'))
    torch.manual_seed(0)
    model = init_model(config, None)
    checkpoint = str(root / 'tiny.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': model.dataset_meta}}, checkpoint)
    return dict(root=root, config=config, checkpoint=checkpoint,
                model=init_model(config, checkpoint))


def stacked_inputs(batch, shape, seed):
    """(batch, 4, H, W): RGB uniform in 0..255, depth in [0, 1]."""
    generator = torch.Generator().manual_seed(seed)
    rgb = 255 * torch.rand((batch, 3, *shape), generator=generator)
    depth = torch.rand((batch, 1, *shape), generator=generator)
    return torch.cat([rgb, depth], 1)


def mmseg_logits(model, inputs):
    """Logits by mmseg's path: data preprocessor, then model.predict."""
    shape = tuple(inputs.shape[2:])
    samples = [
        SegDataSample(metainfo=dict(
            img_shape=shape, ori_shape=shape, pad_shape=shape))
        for _ in inputs
    ]
    data = model.data_preprocessor(
        dict(inputs=list(inputs), data_samples=samples), False)
    with torch.no_grad():
        results = model.predict(data['inputs'], data['data_samples'])
    return np.stack([r.seg_logits.data.numpy() for r in results])


def assert_matches_mmseg(onnx_file, model, batch, shape, seed):
    """onnxruntime's logits are mmseg's within the tool's limits."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        onnx_file, options, providers=['CPUExecutionProvider'])
    inputs = stacked_inputs(batch, shape, seed)
    (logits, ) = session.run(None, {'inputs': inputs.numpy()})
    expected = mmseg_logits(model, inputs)
    assert logits.shape == expected.shape == (batch, 40, *shape)
    assert np.abs(logits - expected).max() <= 1e-4 * expected.std()
    agreement = (logits.argmax(1) == expected.argmax(1)).mean()
    assert agreement >= 0.999, agreement
    return session


def checks_reported(output):
    found = CHECK_LINE.findall(output)
    assert found, output[-3000:]
    return [(int(b), int(h), int(w)) for b, h, w, _, _ in found]


def test_fixed_size_export(tiny):
    out = str(tiny['root'] / 'fixed.onnx')
    result = run_tool([
        TOOL, tiny['config'], tiny['checkpoint'], '--shape', '48', '64',
        '--out', out, '--repeat', '1'
    ])
    output = result.stdout + result.stderr
    assert 'onnx.checker: OK' in output
    assert checks_reported(output) == [(1, 48, 64)]
    assert re.search(r'onnxruntime [\d.]+ ms, PyTorch [\d.]+ ms', output)
    session = assert_matches_mmseg(out, tiny['model'], 1, (48, 64), seed=1)
    (graph_input, ) = session.get_inputs()
    assert graph_input.name == 'inputs'
    assert graph_input.shape == [1, CHANNELS, 48, 64]


def test_dynamic_export_follows_the_input_size(tiny):
    out = str(tiny['root'] / 'dynamic.onnx')
    result = run_tool([
        TOOL, tiny['config'], tiny['checkpoint'], '--shape', '64', '96',
        '--dynamic', '--verify-shape', '80', '56', '--out', out, '--repeat',
        '1'
    ])
    output = result.stdout + result.stderr
    assert checks_reported(output) == [(1, 64, 96), (2, 80, 56)]
    # the sizes of the tool's checks, and one none of them used (not a
    # multiple of 32: the resize target follows the input)
    for batch, shape in ((1, (64, 96)), (2, (80, 56)), (3, (45, 70))):
        session = assert_matches_mmseg(out, tiny['model'], batch, shape,
                                       seed=2)
    (graph_input, ) = session.get_inputs()
    assert graph_input.shape[1] == CHANNELS
    # batch, height and width are symbolic
    assert all(isinstance(graph_input.shape[i], str) for i in (0, 2, 3))


def run_in_process(args, monkeypatch):
    """Run the tool's main in this process (its argument checks come before
    any model is built); the SystemExit."""
    monkeypatch.setattr(sys, 'argv', [TOOL] + list(args))
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(osp.join(REPO_ROOT, TOOL), run_name='__main__')
    return exit_info.value


@pytest.mark.parametrize('case', ['checkpoint', 'config', 'shape'])
def test_bad_arguments_fail_clearly(tiny, tmp_path, monkeypatch, capsys,
                                    case):
    config, checkpoint = tiny['config'], tiny['checkpoint']
    shape = ['48', '64']
    if case == 'checkpoint':
        checkpoint = str(tmp_path / 'absent.pth')
    elif case == 'config':
        config = str(tmp_path / 'absent.py')
    else:
        shape = ['0', '64']
    out = tmp_path / 'never.onnx'
    error = run_in_process(
        [config, checkpoint, '--shape', *shape, '--out', str(out)],
        monkeypatch)
    assert error.code != 0
    message = capsys.readouterr().err
    expected = dict(
        checkpoint=f'checkpoint file not found: {checkpoint}',
        config=f'config file not found: {config}',
        shape='--shape must be positive, got 0 64')[case]
    assert expected in message, message
    assert not out.exists()
