"""mmengine's runner, able to run the same config on a CPU-only machine.

Selected by ``runner_type = 'PortableRunner'`` (every config of this package
has it through ``configs/_base_/default_runtime.py``); mmseg's
``tools/train.py`` builds it like ours does. On a machine with CUDA nothing
differs from mmengine's :class:`~mmengine.runner.Runner`. Without CUDA:

- a launcher (``pytorch``, ``slurm``, ``mpi``) starts the process group with
  gloo (mmengine's ``init_dist`` calls ``torch.cuda.set_device``), wraps the
  model in DDP without ``device_ids`` (a CPU module) and keeps BatchNorm as
  it is (SyncBatchNorm needs CUDA);
- ``AmpOptimWrapper`` (the recipes' mixed precision, or ``--amp``), which
  mmengine refuses to start without a GPU, becomes
  :class:`CPUBF16OptimWrapper` (bf16 autocast) on a CPU that computes in
  bf16 natively, else ``OptimWrapper`` (fp32), with a log line saying which
  and why (:mod:`mmseg_dplnet.utils.cpu_bf16`);
- a process group it started is left together at interpreter exit, after
  the runner is released: otherwise gloo's worker threads may release
  tensors while Python is being torn down, and a rank of a run that
  succeeded aborts with ``terminate called without an active exception``.
"""
import atexit
import copy
import datetime
import gc
import logging
import os
import subprocess
from typing import Union

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.runner import Runner

from mmseg.registry import RUNNERS
from mmseg_dplnet.utils.cpu_bf16 import amp_dtype

#: Settings of ``optim_wrapper`` that only ``AmpOptimWrapper`` takes.
_AMP_ONLY = ('loss_scale', 'dtype', 'use_fsdp')


def _set_env_from_slurm() -> None:
    """Fill the torch.distributed variables from a slurm job step."""
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        nodes = os.environ['SLURM_NODELIST']
        hosts = subprocess.getoutput(f'scontrol show hostname {nodes}')
        os.environ['MASTER_ADDR'] = hosts.splitlines()[0]


def _set_env_from_mpi() -> None:
    """Fill the torch.distributed variables from an Open MPI launch."""
    os.environ.setdefault('RANK', os.environ['OMPI_COMM_WORLD_RANK'])
    os.environ.setdefault('WORLD_SIZE', os.environ['OMPI_COMM_WORLD_SIZE'])
    os.environ.setdefault('LOCAL_RANK',
                          os.environ['OMPI_COMM_WORLD_LOCAL_RANK'])
    os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    os.environ.setdefault('MASTER_PORT', '29500')


class _ProcessGroupRelease:
    """Leaves a gloo process group at interpreter exit, once the runs that
    used it are over and their runner has been released."""

    def __init__(self) -> None:
        self.finished = False
        atexit.register(self)

    def __call__(self) -> None:
        if not (torch_dist.is_available() and torch_dist.is_initialized()):
            return
        gc.collect()  # the runner's DDP model and its reducer, with refs
        if self.finished:  # every rank reaches here; a failed one may not
            torch_dist.barrier()
        torch_dist.destroy_process_group()


def _start_gloo(cfg: Config) -> None:
    """Start the process group of a CPU-only launch and adapt ``cfg``."""
    launcher = cfg.launcher
    if launcher == 'slurm':
        _set_env_from_slurm()
    elif launcher == 'mpi':
        _set_env_from_mpi()
    env_cfg = cfg.get('env_cfg') or dict()
    dist_cfg = dict(env_cfg.get('dist_cfg') or dict(), backend='gloo')
    env_cfg['dist_cfg'] = dist_cfg
    cfg.env_cfg = env_cfg
    if not torch_dist.is_initialized():
        kwargs = dict()
        if dist_cfg.get('timeout') is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
        torch_dist.init_process_group(backend='gloo', **kwargs)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if cfg.get('sync_bn') is not None:
        print_log(
            f'No CUDA: sync_bn={cfg.sync_bn!r} is ignored and BatchNorm '
            'statistics stay per process.',
            logger='current')
        cfg.sync_bn = None


@RUNNERS.register_module()
class PortableRunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner` that also runs on
    machines without CUDA (see the module docstring). Built, like the stock
    runner, with :meth:`from_cfg`."""

    _release = None  # the exit handler of a process group started here

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'PortableRunner':
        """Build the runner from a config, ready for the machine it is on.

        Args:
            cfg (Config): The config (not modified).

        Returns:
            PortableRunner: The runner.
        """
        cfg = copy.deepcopy(cfg)
        if cfg.get('launcher', 'none') != 'none' and not (
                torch.cuda.is_available()):
            if PortableRunner._release is None:
                PortableRunner._release = _ProcessGroupRelease()
            _start_gloo(cfg)
        return super().from_cfg(cfg)

    def build_optim_wrapper(
        self, optim_wrapper: Union[OptimWrapper, OptimWrapperDict, dict]
    ) -> Union[OptimWrapper, OptimWrapperDict]:
        """mmengine's, with mixed precision on the CPU without CUDA: bf16
        where the CPU has it, else fp32 (with a log line).

        Args:
            optim_wrapper (OptimWrapper | OptimWrapperDict | dict): The
                wrapper or its config.

        Returns:
            OptimWrapper | OptimWrapperDict: The built wrapper.
        """
        if (isinstance(optim_wrapper, dict)
                and optim_wrapper.get('type') == 'AmpOptimWrapper'
                and not torch.cuda.is_available()):
            bf16 = amp_dtype('cpu') is not None
            replacement = 'CPUBF16OptimWrapper' if bf16 else 'OptimWrapper'
            print_log(
                'No CUDA: AmpOptimWrapper (mixed precision) is replaced by '
                f'{replacement}, training in '
                f'{"bf16 autocast" if bf16 else "fp32"}.',
                logger='current',
                level=logging.INFO if bf16 else logging.WARNING)
            optim_wrapper = ConfigDict(
                {k: v
                 for k, v in optim_wrapper.items() if k not in _AMP_ONLY},
                type=replacement)
        return super().build_optim_wrapper(optim_wrapper)

    def train(self) -> torch.nn.Module:
        """Train, as mmengine's runner does.

        Returns:
            nn.Module: The trained model.
        """
        model = super().train()
        self._mark_finished()
        return model

    def test(self) -> dict:
        """Test, as mmengine's runner does.

        Returns:
            dict: The metrics.
        """
        metrics = super().test()
        self._mark_finished()
        return metrics

    @staticmethod
    def _mark_finished() -> None:
        """Let the process group be left together at exit."""
        if PortableRunner._release is not None:
            PortableRunner._release.finished = True
