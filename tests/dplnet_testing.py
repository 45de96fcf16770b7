"""Helpers shared by the mmseg-dplnet tests (paths, running the tools)."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys
from types import ModuleType
from typing import List, Optional

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_DIR = osp.join(REPO_ROOT, 'configs')
OFFICIAL_DIR = osp.join(REPO_ROOT, 'tests', 'fixtures', 'official_dplnet')


def load_script(path: str) -> ModuleType:
    """A script (a tool, a demo, a fixture generator) imported as a module
    from its file, without running its ``__main__`` part."""
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mmseg_tool(name: str) -> str:
    """Path of a tool mmseg ships (``mmseg/.mim/tools/<name>``)."""
    import mmseg
    path = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools', name)
    assert osp.isfile(path), path
    return path


def tool_env(extra: Optional[dict] = None) -> dict:
    """Environment for running the repo's tools in a subprocess."""
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO_ROOT + os.pathsep + env.get('PYTHONPATH', '')
    # bash scripts call `python`: make it this interpreter
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['PYTHON'] = sys.executable
    # one thread per tool process: oversubscribed cores (parallel ranks,
    # other jobs) slow torch down by orders of magnitude
    env.setdefault('OMP_NUM_THREADS', '1')
    env.update(extra or {})
    return env


def run_tool(args: List[str], cwd: Optional[str] = None,
             env: Optional[dict] = None,
             timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``python <args>`` (or ``bash`` for .sh) from the repo root.

    Fails the test with the tool's output if it exits non-zero.
    """
    command = (['bash'] if args[0].endswith('.sh') else [sys.executable]
               ) + list(args)
    result = subprocess.run(
        command,
        cwd=cwd or REPO_ROOT,
        env=tool_env(env),
        capture_output=True,
        text=True,
        timeout=timeout)
    if result.returncode != 0:
        pytest.fail(f'{" ".join(command)} exited {result.returncode}\n'
                    f'--- stdout ---\n{result.stdout[-6000:]}\n'
                    f'--- stderr ---\n{result.stderr[-6000:]}')
    return result


def run_tool_expect_failure(args: List[str], cwd: Optional[str] = None,
                            timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a tool that must fail; return the completed process."""
    result = subprocess.run([sys.executable] + list(args),
                            cwd=cwd or REPO_ROOT,
                            env=tool_env(),
                            capture_output=True,
                            text=True,
                            timeout=timeout)
    assert result.returncode != 0, result.stdout[-3000:]
    return result


def _shrink_pipeline(pipeline, size):
    """Replace the geometric sizes of a pipeline (recursively) by ``size``
    (h, w), keeping every transform."""
    h, w = size
    for transform in pipeline:
        if 'transforms' in transform:  # TestTimeAug: list of lists
            for group in transform['transforms']:
                _shrink_pipeline(group, size)
        if 'scale' in transform:
            transform['scale'] = (w, h)
        if 'crop_size' in transform:
            transform['crop_size'] = (h, w)


def write_tiny_config(config: str,
                      out_file: str,
                      data_root: str,
                      size=(32, 48),
                      max_iters: int = 2,
                      deterministic: bool = False,
                      pretrained: Optional[str] = None,
                      **options) -> str:
    """Write a copy of ``config`` scaled down for CPU tests.

    The backbone becomes a one-block-per-stage DualPromptMiT of b0's widths
    (spatial reductions 2, 2, 1, 1, so that TTA's half scale of a 24x32
    fixture still fits) without pretrained weights, the
    decoder narrow, every pipeline size and the preprocessor's size
    ``size``, the schedule ``max_iters`` long with a checkpoint, a
    validation and a log line at the end; batches of 2, no workers.

    Args:
        config (str): The real config.
        out_file (str): Where to write the copy.
        data_root (str): Dataset root of every dataloader (of every dataset
            a ``ConcatDataset`` test set holds).
        size (tuple): (h, w) of crops / resizes.
        max_iters (int): Training iterations.
        deterministic (bool): Remove every source of training randomness
            (augmentation, stochastic depth, dropout) so that two runs
            with the same data order give the same weights.
        pretrained (str, optional): The frozen encoder's pretrained file
            (``init_cfg``); None: no pretrained weights.
        **options: Extra dotted ``key=value`` overrides.

    Returns:
        str: ``out_file``.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    model = cfg.model
    model.backbone.update(
        arch=dict(embed_dims=32, num_layers=[1, 1, 1, 1],
                  sr_ratios=[2, 2, 1, 1]),
        init_cfg=None if pretrained is None else dict(
            type='Pretrained', checkpoint=pretrained))
    model.decode_head.update(
        in_channels=[32, 64, 160, 256], embed_dims=32, channels=16)
    model.data_preprocessor['size'] = tuple(size)
    pipelines = []
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        # a multi-set test (ConcatDataset): each of its datasets
        for dataset in loader.dataset.get('datasets', [loader.dataset]):
            dataset.data_root = data_root
            pipelines.append(dataset.pipeline)
    for key in ('train_pipeline', 'test_pipeline', 'tta_pipeline'):
        if key in cfg:
            pipelines.append(cfg[key])
    for pipeline in pipelines:
        _shrink_pipeline(pipeline, size)
    if deterministic:
        model.backbone.drop_path_rate = 0.
        model.decode_head.dropout_ratio = 0.
        train = cfg.train_dataloader.dataset.pipeline
        train[:] = [t for t in train if t['type'] in (
            'LoadRGBXImageFromFile', 'LoadCheckedAnnotations',
            'LoadImageFromFile', 'RandomCrop', 'PackSegInputs')]
    cfg.train_cfg.update(max_iters=max_iters, val_interval=max_iters)
    for scheduler in cfg.param_scheduler:
        scheduler['end'] = max_iters
    cfg.default_hooks.checkpoint.update(
        interval=max_iters, save_best=None, max_keep_ckpts=-1)
    cfg.default_hooks.logger.interval = 1
    cfg.randomness = dict(seed=0)
    cfg.merge_from_dict(options)
    cfg.dump(out_file)
    return out_file
