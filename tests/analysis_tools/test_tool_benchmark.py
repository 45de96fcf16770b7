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
    # RGB + the one depth channel of the demo config
    assert 'Inputs: synthetic, 1x4x64x80' in out
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
    assert saved['shape'] == [1, 4, 64, 80]


def test_checkpoint_and_batches(tiny_run):
    out = run_quietly([
        TOOL, tiny_run.config, tiny_run.checkpoint, '--num-images', '6',
        '--batch-size', '2', '--warmup', '1'
    ])
    assert f'Weights: {tiny_run.checkpoint}' in out
    # the data preprocessor's size of the tiny config
    assert 'Inputs: synthetic, 2x4x64x80' in out, out[-2000:]
    (run, ) = runs_reported(out)
    assert run['images'] == 6
    assert run['speed'] > 0 and run['mean'] > 0 and run['median'] > 0


def test_train_step_rows_with_cp_and_the_baseline(tmp_path):
    absent = tmp_path / 'absent_pretrained.pth'
    out = run_quietly([
        'tools/analysis_tools/benchmark_train.py', DEMO_CONFIG, '--shape',
        '64', '80', '--iters', '1', '--warmup', '0', '--with-cp',
        '--baseline', '--device', 'cpu', '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={absent}'
    ])
    rows = {
        r[0]: r[1:]
        for r in re.findall(
            r'^\| (\S+) \| ([\d.]+)M / ([\d.]+)M \| ([\d.]+) \| ([\d.]+) \| '
            r'([\d.-]+) \| ([\d.-]+) \|$', out, re.M)
    }
    assert list(rows) == ['dplnet', 'dplnet+cp', 'baseline'], out[-2000:]
    dplnet, checkpointed, baseline = rows.values()
    # the same model with and without checkpointing; the baseline learns all
    assert dplnet[:2] == checkpointed[:2]
    assert float(dplnet[0]) < float(dplnet[1])
    assert baseline[0] == baseline[1] and float(baseline[1]) > float(
        dplnet[1])
    for row in rows.values():  # time (s), peak memory (GiB, 2 decimals)
        assert float(row[2]) > 0 and float(row[3]) >= 0
    assert baseline[4:] == ('1.00', '1.00')
