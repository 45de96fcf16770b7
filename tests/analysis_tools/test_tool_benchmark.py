"""tools/analysis_tools/benchmark.py: inference speed, for real."""
import json
import re

from analysis_testing import DEMO_CONFIG, run_quietly

TOOL = 'tools/analysis_tools/benchmark.py'
RUN_LINE = re.compile(r'Run (\d+)/(\d+): ([\d.]+) images/s, latency mean '
                      r'([\d.]+) ms/image, median ([\d.]+) ms/image '
                      r'\((\d+) images in ([\d.]+) s\)')


def runs_reported(output: str):
    runs = RUN_LINE.findall(output)
    assert runs, output[-3000:]
    return [
        dict(
            speed=float(r[2]),
            mean=float(r[3]),
            median=float(r[4]),
            images=int(r[5]),
            seconds=float(r[6])) for r in runs
    ]


def test_synthetic_shape_with_random_weights(tmp_path):
    absent = tmp_path / 'absent_pretrained.pth'
    out = run_quietly([
        TOOL, DEMO_CONFIG, '--shape', '64', '80', '--num-images', '6',
        '--warmup', '2', '--repeat', '2', '--device', 'cpu', '--work-dir',
        str(tmp_path), '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={absent}'
    ])
    assert 'Weights: random' in out
    assert 'Inputs: synthetic inputs (--shape), 6x64x80, 6 channels' in out
    runs = runs_reported(out)
    assert len(runs) == 2
    for run in runs:
        assert run['images'] == 6
        assert run['speed'] > 0 and run['mean'] > 0 and run['median'] > 0
        # images/s is the inverse of the mean latency for batches of 1
        assert abs(run['speed'] * run['mean'] / 1000 - 1) < 0.02, run
    assert re.search(r'Overall: [\d.]+ images/s \(mean of 2 run', out)
    dumps = list(tmp_path.glob('benchmark_*.json'))
    assert len(dumps) == 1
    saved = json.loads(dumps[0].read_text())
    assert len(saved['runs']) == 2 and saved['images_per_s_mean'] > 0


def test_test_set_with_checkpoint(tiny_run):
    out = run_quietly([
        TOOL, tiny_run.config, tiny_run.checkpoint, '--num-images', '6',
        '--batch-size', '2', '--warmup', '1'
    ])
    assert f'Weights: {tiny_run.checkpoint}' in out
    # 4 test images, 2 warm-up + 6 timed: cycled through the test set
    assert 'Inputs: NYUv2SegDataset test set (4 images, test pipeline) ' \
        '(cycled), 6 channels' in out, out[-2000:]
    assert 'batch size 2' in out
    (run, ) = runs_reported(out)
    assert run['images'] == 6
    assert run['speed'] > 0 and run['mean'] > 0 and run['median'] > 0


def test_absent_test_set_falls_back_to_synthetic_inputs(tiny_run, tmp_path):
    out = run_quietly([
        TOOL, tiny_run.config, '--num-images', '2', '--warmup', '0',
        '--cfg-options', f'test_dataloader.dataset.data_root={tmp_path}'
    ])
    assert 'Test set not found: NYUv2SegDataset: no accepted layout' in out
    # the data preprocessor's size of the tiny config
    assert re.search(
        r'Inputs: synthetic inputs.*\(test set not found\), '
        r'6x64x80', out), out[-2000:]
    (run, ) = runs_reported(out)
    assert run['images'] == 2 and run['speed'] > 0
