"""Read the scalars that mmengine's runner logs during training.

With ``LocalVisBackend`` every run writes
``WORK_DIR/<timestamp>/vis_data/scalars.json``: one JSON object per line,
with ``step`` (the training iteration) and the logged values: train lines
carry ``loss``, ``decode.loss_ce``, ``lr``, ... at the train iteration;
validation lines carry ``mIoU``, ``aAcc``, ... at the iteration after
which validation ran. A resumed training is a new ``<timestamp>`` folder
whose steps continue the previous run's.
"""
import glob
import json
import math
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, NamedTuple, Sequence

SCALARS_PATTERN = osp.join('*', 'vis_data', 'scalars.json')

#: Metrics of IoUMetric: a record holding one is a validation record.
VAL_METRIC_KEYS = ('aAcc', 'mIoU', 'mAcc', 'mDice', 'mFscore', 'mPrecision',
                   'mRecall')


class Series(NamedTuple):
    """One logged key against the step.

    Attributes:
        steps (list[int]): Training iterations, increasing.
        values (list[float]): The values.
        run_ids (list[int]): Index of the run each point comes from.
        is_val (bool): Read from the validation records.
    """
    steps: List[int]
    values: List[float]
    run_ids: List[int]
    is_val: bool


def is_val_record(record: dict) -> bool:
    """Whether a record was logged after a validation (holds a metric)."""
    return any(key in record for key in VAL_METRIC_KEYS)


def find_scalar_logs(work_dir: str) -> List[str]:
    """The ``scalars.json`` files of a work dir, oldest run first.

    Args:
        work_dir (str): A work dir (holding ``<timestamp>/vis_data/``), one
            run's ``<timestamp>`` folder, or a ``scalars.json`` file.

    Returns:
        list[str]: The files, in time order (timestamp folder names sort in
        time order).

    Raises:
        FileNotFoundError: If there is none.
    """
    if osp.isfile(work_dir):
        return [work_dir]
    run_log = osp.join(work_dir, 'vis_data', 'scalars.json')
    if osp.isfile(run_log):
        return [run_log]
    paths = glob.glob(osp.join(work_dir, SCALARS_PATTERN))
    if not paths:
        raise FileNotFoundError(
            f'no {SCALARS_PATTERN} under {work_dir}: not a work dir of '
            f'tools/train.py, or the runs logged no scalar yet (they need '
            f'vis_backends with LocalVisBackend, see default_runtime.py)')
    return sorted(
        paths, key=lambda p: osp.basename(osp.dirname(osp.dirname(p))))


def read_scalar_log(path: str) -> List[dict]:
    """The records of one ``scalars.json`` (lines without ``step`` skipped).

    Args:
        path (str): The file.

    Returns:
        list[dict]: One dict per line.

    Raises:
        ValueError: If a line is not JSON (names file and line).
    """
    records = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{path}, line {number}: not JSON '
                                 f'({error})') from error
            if 'step' in record:
                records.append(record)
    return records


def collect_series(runs: Sequence[List[dict]],
                   keys: Sequence[str]) -> Dict[str, Series]:
    """Each key's values against the step, over consecutive runs.

    A key logged on train records (``time``, ``data_time`` are on both) is
    read from them only; a key only on validation records from those. A
    later run (a resume) replaces what earlier runs logged from its own
    first step of that key on, so that iterations run again after a resume
    appear once.

    Args:
        runs (Sequence[list[dict]]): The records of each run, oldest first.
        keys (Sequence[str]): The keys to collect.

    Returns:
        dict: key -> :class:`Series`, for every key logged at least once
        (non-numeric and non-finite values skipped).
    """

    def has_value(record: dict, key: str) -> bool:
        value = record.get(key)
        return (isinstance(value, (int, float))
                and not isinstance(value, bool) and math.isfinite(value))

    series: Dict[str, Series] = OrderedDict()
    for key in keys:
        on_train = any(
            has_value(r, key) and not is_val_record(r) for records in runs
            for r in records)
        steps: List[int] = []
        values: List[float] = []
        run_ids: List[int] = []
        for run_id, records in enumerate(runs):
            points = [(int(r['step']), float(r[key])) for r in records
                      if has_value(r, key) and is_val_record(r) != on_train]
            if not points:
                continue
            first = points[0][0]
            keep = [i for i, step in enumerate(steps) if step < first]
            steps = [steps[i] for i in keep]
            values = [values[i] for i in keep]
            run_ids = [run_ids[i] for i in keep]
            for step, value in points:
                steps.append(step)
                values.append(value)
                run_ids.append(run_id)
        if steps:
            series[key] = Series(steps, values, run_ids, not on_train)
    return series


def logged_keys(runs: Sequence[List[dict]]) -> List[str]:
    """Every numeric key logged in the runs (``step`` / ``iter`` excepted).

    Args:
        runs (Sequence[list[dict]]): The records of each run.

    Returns:
        list[str]: The keys, sorted.
    """
    keys = set()
    for records in runs:
        for record in records:
            keys.update(k for k, v in record.items()
                        if isinstance(v, (int, float)))
    return sorted(keys - {'step', 'iter', 'epoch'})
