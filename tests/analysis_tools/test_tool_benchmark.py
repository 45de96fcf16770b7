"""tools/analysis_tools/benchmark.py (inference speed) and
benchmark_train.py (train step), for real, with their compute floors."""
import argparse
import json
import os.path as osp
import re

import pytest
from analysis_testing import DEMO_CONFIG, ONE_THREAD, run_quietly
from dplnet_testing import REPO_ROOT, load_script, run_tool

TOOL = 'tools/analysis_tools/benchmark.py'
TRAIN_TOOL = 'tools/analysis_tools/benchmark_train.py'
FORCE_BF16 = 'MMSEG_DPLNET_CPU_BF16'
ABSENT = 'model.backbone.init_cfg.checkpoint=/absent_pretrained.pth'
FLOOR_LINES = re.compile(
    r'Forward MACs per image: (\d+) \(get_flops\' counter, model\(inputs\) '
    r'at 1x(\d+)x(\d+)x(\d+);.*\n'
    r'Matmul throughput: (\w+) ([\d.]+) GFLOP/s \(torch.mm 512x512, 1 '
    r'thread\(s\), median of 5\)\n'
    r'Compute floor: ([\d.e-]+) ms/image \(2 x MACs / (\w+) throughput\); '
    r'x the floor: ([\d.e+]+) \(median latency ([\d.e+-]+) ms/image')
RUN_LINE = re.compile(r'Run (\d+)/(\d+): ([\d.]+) images/s, latency mean '
                      r'([\d.]+) ms/image, median ([\d.]+) ms/image '
                      r'\((\d+) images in ([\d.]+) s\)')


def close(value: float, expected: float, rel: float = 0.01) -> bool:
    """Equal within ``rel`` (the printed figures are rounded)."""
    return abs(value - expected) <= rel * abs(expected)


def run_forced(args, bf16: str) -> str:
    """A tool with one thread and the CPU bf16 detection forced."""
    result = run_tool(args, env=dict(ONE_THREAD, **{FORCE_BF16: bf16}))
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def get_flops_macs() -> int:
    """What get_flops.py prints for the demo config at 64x80, run on its
    own (the benchmarks must count the same)."""
    out = run_quietly([
        'tools/analysis_tools/get_flops.py', DEMO_CONFIG, '--shape', '64',
        '80', '--max-depth', '1', '--cfg-options', ABSENT
    ])
    found = re.search(r'^Total MACs: (\d+)$', out, re.M)
    assert found, out[-3000:]
    return int(found.group(1))


def floor_reported(output: str) -> dict:
    """The compute floor lines of benchmark.py."""
    found = FLOOR_LINES.search(output)
    assert found, output[-3000:]
    macs, c, h, w, dtype, rate, floor, floor_dtype, ratio, latency = (
        found.groups())
    assert dtype == floor_dtype
    return dict(macs=int(macs), shape=(int(c), int(h), int(w)), dtype=dtype,
                rate=float(rate), floor_ms=float(floor), x=float(ratio),
                latency=float(latency))


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


def test_synthetic_shape_with_random_weights(tmp_path, get_flops_macs):
    out = run_forced([
        TOOL, DEMO_CONFIG, '--shape', '64', '80', '--num-images', '6',
        '--warmup', '2', '--repeat', '2', '--device', 'cpu', '--work-dir',
        str(tmp_path), '--amp', '--matmul-size', '512', '--cfg-options',
        ABSENT
    ], bf16='1')
    assert 'Weights: random' in out
    assert (f'Device: cpu, bf16 autocast (--amp; forced by {FORCE_BF16}=1)'
            in out), out[-3000:]
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
    # the floor: get_flops' count, the bf16 rate, the median latency
    floor = floor_reported(out)
    assert floor['macs'] == get_flops_macs == saved['macs_per_image']
    assert floor['shape'] == (4, 64, 80) and floor['dtype'] == 'bf16'
    assert close(floor['floor_ms'], 2 * floor['macs'] / floor['rate'] / 1e6)
    assert close(floor['x'], floor['latency'] / floor['floor_ms'])
    assert saved['matmul'] == dict(size=512, threads=1, dtype='bf16')
    assert saved['x_floor'] == pytest.approx(floor['x'], rel=0.01)
    assert saved['precision'].startswith('bf16 autocast')


def test_checkpoint_and_batches(tiny_run):
    out = run_forced([
        TOOL, tiny_run.config, tiny_run.checkpoint, '--num-images', '6',
        '--batch-size', '2', '--warmup', '1', '--amp', '--matmul-size', '512'
    ], bf16='0')
    assert f'Weights: {tiny_run.checkpoint}' in out
    # the data preprocessor's size of the tiny config
    assert 'Inputs: synthetic, 2x4x64x80' in out, out[-2000:]
    (run, ) = runs_reported(out)
    assert run['images'] == 6
    assert run['speed'] > 0 and run['mean'] > 0 and run['median'] > 0
    # --amp without (forced off) native bf16: fp32, and said so
    assert ('Device: cpu, fp32 (--amp, but no native bf16 on this CPU: '
            f'forced by {FORCE_BF16}=0' in out), out[-3000:]
    floor = floor_reported(out)
    assert floor['dtype'] == 'fp32' and floor['shape'] == (4, 64, 80)
    assert close(floor['x'], floor['latency'] / floor['floor_ms'])


TRAIN_ROW = re.compile(
    r'^\| (\S+) \| (fp32|bf16 autocast) \| ([\d.]+)M / ([\d.]+)M \| '
    r'([\d.e-]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.e+-]+) \| '
    r'([\d.e-]+) \| ([\d.e+]+) \| ([\d.-]+) \| ([\d.-]+) \|$', re.M)
COUNT_ROW = re.compile(r'^\| (\S+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| '
                       r'(\d+) \| (\d+) \|$', re.M)
RATES = re.compile(r'^matmul throughput \(torch.mm 512x512, 1 thread\(s\), '
                   r'median of 5\): (.*)$', re.M)


def train_tables(out: str):
    """The rows, the compute counts and the throughput benchmark_train
    printed."""
    keys = ('precision', 'learnable', 'total', 'time', 'peak',
            'over_imports', 'over_model', 'gflop', 'floor', 'x', 'time_ratio',
            'peak_ratio')
    rows = {
        r[0]: dict(zip(keys, [r[1]] + [float(v) if v != '-' else None
                                       for v in r[2:]]))
        for r in TRAIN_ROW.findall(out)
    }
    parts = ('forward', 'recomputed', 'input_grads', 'second_operands',
             'weight_grads', 'total')
    counts = {
        r[0]: dict(zip(parts, map(int, r[1:])))
        for r in COUNT_ROW.findall(out)
    }
    rates = {
        name: float(value)
        for name, value in re.findall(r'(\w+) ([\d.]+) GFLOP/s',
                                      RATES.search(out).group(1))
    }
    return rows, counts, rates


def test_train_step_rows_precision_checkpointing_baseline(
        tmp_path, get_flops_macs):
    out = run_forced([
        TRAIN_TOOL, DEMO_CONFIG, '--shape', '64', '80', '--iters', '1',
        '--warmup', '0', '--variants', 'fp32', 'bf16+cp-stage3',
        '--with-cp', '--baseline', '--device', 'cpu', '--matmul-size',
        '512', '--work-dir', str(tmp_path), '--cfg-options', ABSENT
    ], bf16='1')
    rows, counts, rates = train_tables(out)
    names = ['fp32', 'bf16+cp-stage3', 'cp', 'baseline']
    assert list(rows) == list(counts) == names, out[-3000:]
    assert set(rates) == {'fp32', 'bf16'}
    assert [r['precision'] for r in rows.values()] == [
        'fp32', 'bf16 autocast', 'fp32', 'fp32'
    ]
    fp32, mixed, checkpointed, baseline = rows.values()
    # the same model with and without checkpointing; the baseline learns all
    for row in (mixed, checkpointed):
        assert (row['learnable'], row['total']) == (fp32['learnable'],
                                                    fp32['total'])
    assert fp32['learnable'] < fp32['total']
    assert baseline['learnable'] == baseline['total'] > fp32['total']
    for name, row in rows.items():
        assert row['time'] > 0
        # absolute peak >= over the imports >= over the built model > 0
        assert row['peak'] >= row['over_imports'] >= row['over_model'] > 0
        # floor = 2 x MACs / the row's rate; x the floor = time / floor
        total = counts[name]['total']
        assert close(row['gflop'], 2 * total / 1e9, 0.001)
        rate = rates['bf16' if name.startswith('bf16') else 'fp32']
        assert close(row['floor'], 2 * total / (rate * 1e9))
        assert close(row['x'], row['time'] / row['floor'])
    assert (baseline['time_ratio'], baseline['peak_ratio']) == (1.0, 1.0)
    # the forward is get_flops' count; the step follows the printed rule
    for name in names[:3]:
        count = counts[name]
        assert count['forward'] == count['input_grads'] == get_flops_macs
        assert count['total'] == sum(v for k, v in count.items()
                                     if k != 'total')
        assert counts[name]['weight_grads'] == counts['fp32']['weight_grads']
    assert counts['fp32']['recomputed'] == 0
    assert (0 < counts['bf16+cp-stage3']['recomputed'] <
            counts['cp']['recomputed'] < get_flops_macs)
    ratio = counts['fp32']['total'] / get_flops_macs  # frozen encoder
    assert 2 < ratio < 2.5, ratio
    base = counts['baseline']
    assert base['recomputed'] == 0 and 2.8 < base['total'] / base[
        'forward'] <= 3, base
    assert 'rule: train step MACs = forward + recomputed' in out
    (dump, ) = tmp_path.glob('benchmark_train_*.json')
    saved = json.loads(dump.read_text())
    assert list(saved['rows']) == names
    assert saved['throughput_gflops'].keys() == rates.keys()
    assert saved['rows']['bf16+cp-stage3']['optim_wrapper'] == (
        'CPUBF16OptimWrapper')
    assert saved['rows']['bf16+cp-stage3']['with_cp'] == [2]
    for name, row in saved['rows'].items():
        assert row['x_floor'] == pytest.approx(row['step_time'] /
                                               row['floor'])
        assert row['macs'] == dict(counts[name], backward=row['macs'][
            'backward'])
        memory = row['memory']
        assert memory['peak'] - memory['rss_after_model'] == memory[
            'over_model']


def test_bf16_row_without_native_bf16_is_skipped_with_the_reason():
    out = run_forced([
        TRAIN_TOOL, DEMO_CONFIG, '--shape', '64', '80', '--variants', 'bf16',
        '--device', 'cpu', '--matmul-size', '512'
    ], bf16='0')
    assert 'measuring' not in out  # no worker: nothing ran as "bf16"
    assert (f'mixed precision (bf16 rows): unavailable (forced by '
            f'{FORCE_BF16}=0)' in out), out[-3000:]
    assert re.search(r'^\| bf16 \| skipped: no native bf16 on this CPU '
                     r'\(forced by MMSEG_DPLNET_CPU_BF16=0\)', out, re.M), out
    assert not TRAIN_ROW.search(out)


@pytest.fixture(scope='module')
def train_tool():
    """benchmark_train.py as a module (its row names, without running)."""
    return load_script(osp.join(REPO_ROOT, TRAIN_TOOL))


def test_row_names_and_the_legacy_flags(train_tool):
    parse = train_tool.parse_variant
    assert parse('cp-stage3', 'fp32') == train_tool.Variant(
        'cp-stage3', 'fp32', [2], False, False)
    assert parse('bf16+cp', 'fp32').precision == 'mixed'
    assert parse('cp', 'mixed').precision == 'mixed'  # --amp
    assert parse('cp-stage2+cp-stage4', 'fp32').with_cp == [1, 3]
    assert parse('baseline+cp', 'fp32').with_cp is True
    assert parse('fp32', 'mixed').with_cp is False
    for bad, message in (('fp16', 'unknown row'), ('fp32+bf16', 'two'),
                         ('cp-stage0', 'from 1'),
                         ('baseline+cp-stage3', 'every stage only')):
        with pytest.raises(ValueError, match=message):
            parse(bad, 'fp32')

    def rows(mixed_ok, **flags):
        args = argparse.Namespace(
            **dict(dict(variants=None, amp=False, with_cp=False,
                        baseline=False), **flags))
        return [(v.name, v.precision, skip is not None)
                for v, skip in train_tool.resolve_variants(
                    args, mixed_ok, 'why')]

    assert rows(True) == [('fp32', 'fp32', False), ('bf16', 'mixed', False)]
    assert rows(False) == [('fp32', 'fp32', False)]
    assert rows(True, with_cp=True, baseline=True, amp=True) == [
        ('fp32', 'fp32', False), ('bf16', 'mixed', False),
        ('cp', 'mixed', False), ('baseline', 'mixed', False)
    ]
    # --amp without bf16: fp32 as the runner does; an asked bf16 row skips
    assert rows(False, variants=['bf16', 'cp'], amp=True) == [
        ('bf16', 'mixed', True), ('cp', 'fp32', False)
    ]
    assert rows(True, variants=['cp-stage3'], with_cp=True) == [
        ('cp-stage3', 'fp32', False), ('cp', 'fp32', False)
    ]
    with pytest.raises(ValueError, match='twice'):
        rows(True, variants=['cp', 'cp'])


def test_rounds_report_medians(train_tool):
    """--rounds: the median step time of a row's rounds, and the memory
    of one round (the median peak), so its fields stay consistent."""
    def run(step_time, peak):
        return dict(step_time=step_time, step_times=[step_time],
                    memory=dict(peak=peak, over_model=peak - 10,
                                rss_after_model=10))
    result = train_tool.median_run([run(3.0, 500), run(1.0, 700),
                                    run(2.0, 600)])
    assert result['step_time'] == 2.0
    assert result['round_step_times'] == [3.0, 1.0, 2.0]
    assert result['memory'] == dict(peak=600, over_model=590,
                                    rss_after_model=10)
    assert train_tool.median_run([run(1.0, 500)])['step_time'] == 1.0
