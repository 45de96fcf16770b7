"""Distributed launch that also works on machines without CUDA.

mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and the runner wraps
the model in DDP with ``device_ids=[LOCAL_RANK]``; both fail on a CPU-only
machine. :func:`configure_launcher` makes the same config and command line
run there with the gloo backend, and leaves GPU machines to mmengine.
"""
import datetime
import gc
import logging
import os
import subprocess

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log


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


def configure_launcher(cfg: Config, launcher: str) -> None:
    """Prepare ``cfg`` for ``launcher`` on the machine the job runs on.

    With CUDA, or without a launcher, nothing changes. Without CUDA and with
    a launcher (``pytorch``, ``slurm`` or ``mpi``), the process group is
    initialised here with gloo (the runner then does not call ``init_dist``),
    the DDP wrapper gets ``device_ids=None`` (a CPU module), and the runner's
    sync-BN conversion is switched off (SyncBatchNorm needs CUDA).

    Args:
        cfg (Config): The config the runner will be built from. Modified in
            place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
    """
    cfg.launcher = launcher
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher == 'slurm':
        _set_env_from_slurm()
    elif launcher == 'mpi':
        _set_env_from_mpi()
    env_cfg = cfg.get('env_cfg') or dict()
    dist_cfg = dict(env_cfg.get('dist_cfg') or dict(), backend='gloo')
    env_cfg['dist_cfg'] = dist_cfg
    cfg.env_cfg = env_cfg
    if not torch_dist.is_initialized():
        timeout = dist_cfg.get('timeout')
        kwargs = dict()
        if timeout is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=timeout)
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


def fall_back_to_fp32_without_cuda(cfg: Config) -> None:
    """Train in fp32 when an AMP config runs on a machine without CUDA.

    mmengine's ``AmpOptimWrapper`` refuses to start without a GPU; the
    paper recipes ask for AMP on GPUs, and must still run unchanged on CPU.

    Args:
        cfg (Config): The config; ``optim_wrapper`` is modified in place.
    """
    wrapper = cfg.get('optim_wrapper')
    if (torch.cuda.is_available() or not wrapper
            or wrapper.get('type') != 'AmpOptimWrapper'):
        return
    print_log(
        'No CUDA: AmpOptimWrapper (mixed precision) is replaced by '
        'OptimWrapper, training in fp32.',
        logger='current',
        level=logging.WARNING)
    wrapper['type'] = 'OptimWrapper'
    for amp_only in ('loss_scale', 'dtype', 'use_fsdp'):
        wrapper.pop(amp_only, None)


def shut_down_distributed() -> None:
    """Leave the process group together and cleanly at the end of a run.

    Call it after the runner is released. Otherwise the process group lives
    until interpreter exit (the DDP wrapper holds it), and gloo's worker
    threads may then release tensors while Python is being torn down: a rank
    of a run that succeeded aborts with ``terminate called without an active
    exception``. Does nothing when the run was not distributed.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    torch_dist.barrier()
    gc.collect()  # the runner's DDP model and its reducer, with their refs
    torch_dist.destroy_process_group()
