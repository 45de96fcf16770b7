"""tools/analysis_tools/plot_training_curves.py on a real (resumed) run,
and the joining of several runs."""
import json
import re

import pytest
from analysis_testing import run_quietly
from dplnet_testing import run_tool_expect_failure
from PIL import Image

from mmseg_dplnet.evaluation import (collect_series, find_scalar_logs,
                                     logged_keys, read_scalar_log)

TOOL = 'tools/analysis_tools/plot_training_curves.py'


def write_run(path, records):
    path.parent.mkdir(parents=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in records))


def test_runs_are_joined_in_time_order(tmp_path):
    # the first run logged iterations 1..5 but saved its checkpoint at 3;
    # the resumed run (a later timestamp) goes on from 4
    write_run(tmp_path / '20240102_000000' / 'vis_data' / 'scalars.json', [
        dict(step=4, loss=0.4, lr=1.),
        dict(step=5, loss=0.3, lr=1.),
        dict(step=6, mIoU=50., aAcc=80., time=2.0)
    ])
    write_run(
        tmp_path / '20240101_000000' / 'vis_data' / 'scalars.json',
        [dict(step=s, loss=1. / s, lr=1., time=0.1)
         for s in range(1, 6)] + [dict(step=4, mIoU=40., aAcc=70., time=3.0)])
    (tmp_path / '20240103_000000').mkdir()  # a test run: no scalars
    paths = find_scalar_logs(str(tmp_path))
    assert [p.split('/')[-3]
            for p in paths] == ['20240101_000000', '20240102_000000']
    runs = [read_scalar_log(p) for p in paths]
    assert 'mIoU' in logged_keys(runs) and 'step' not in logged_keys(runs)
    series = collect_series(runs, ['loss', 'mIoU', 'time'])
    assert series['loss'].steps == [1, 2, 3, 4, 5]
    assert series['loss'].values == pytest.approx([1., .5, 1 / 3, .4, .3])
    assert series['loss'].run_ids == [0, 0, 0, 1, 1]
    assert not series['loss'].is_val
    assert series['mIoU'].steps == [4, 6] and series['mIoU'].is_val
    # 'time' is on train and val lines: only the train ones are plotted
    assert series['time'].steps == [1, 2, 3, 4, 5]


def test_plots_the_resumed_run(tiny_run, tmp_path):
    out_png = tmp_path / 'curves.png'
    out = run_quietly([
        TOOL, tiny_run.work_dir, '--keys', 'loss', 'decode.loss_ce', 'lr',
        'mIoU', '--out',
        str(out_png)
    ])
    # the first run and the resumed one; the test run wrote no scalars
    assert 'Read 2 run(s)' in out, out[-2000:]
    assert re.search(r'^loss \(train\): 6 points, iterations 1\.\.6', out,
                     re.M), out[-2000:]
    assert re.search(r'^decode\.loss_ce \(train\): 6 points', out, re.M)
    assert re.search(r'^lr \(train\): 6 points', out, re.M)
    # validation after iterations 2, 4 and 6
    assert re.search(r'^mIoU \(val\): 3 points, iterations 2\.\.6', out, re.M)
    with Image.open(out_png) as image:
        width, height = image.size
    # 8 x (2.8 x 4 keys + 0.6) inches at 100 dpi
    assert width == 800 and height == 1180, image.size


def test_default_keys_and_output(tiny_run):
    out = run_quietly([TOOL, tiny_run.work_dir])
    assert re.search(r'^loss \(train\)', out, re.M)
    assert re.search(r'^mIoU \(val\)', out, re.M)
    assert f'Saved {tiny_run.work_dir}/training_curves.png' in out
    with Image.open(f'{tiny_run.work_dir}/training_curves.png') as image:
        assert image.size == (800, 620)


def test_key_not_logged_fails_clearly(tiny_run, tmp_path):
    result = run_tool_expect_failure([
        TOOL, tiny_run.work_dir, '--keys', 'loss', 'mDice', '--out',
        str(tmp_path / 'x.png')
    ])
    assert 'mDice not logged' in result.stderr
    assert 'logged keys:' in result.stderr and 'mIoU' in result.stderr
    assert not (tmp_path / 'x.png').exists()
