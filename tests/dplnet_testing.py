"""Helpers shared by the mmseg-dplnet tests (paths, running the tools)."""
import os
import os.path as osp
import subprocess
import sys
from typing import List, Optional

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_DIR = osp.join(REPO_ROOT, 'configs')
OFFICIAL_DIR = osp.join(REPO_ROOT, 'tests', 'fixtures', 'official_dplnet')


def tool_env(extra: Optional[dict] = None) -> dict:
    """Environment for running the repo's tools in a subprocess."""
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO_ROOT + os.pathsep + env.get('PYTHONPATH', '')
    # bash scripts call `python`: make it this interpreter
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['PYTHON'] = sys.executable
    env.setdefault('OMP_NUM_THREADS', '2')
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
