"""Whether this CPU computes in bfloat16 natively, and the autocast that
follows from it.

Mixed precision on a machine without CUDA means bf16 autocast on the CPU
(bf16 has fp32's exponent range, so no loss scaling is needed). It only
pays where the CPU multiplies bf16 in hardware: AVX-512 BF16 (``vdpbf16ps``)
or AMX (Intel's tile units, ``amx_bf16``). Elsewhere PyTorch's CPU kernels
emulate bf16 with fp32 arithmetic plus conversions, slower than fp32, so
``--amp`` falls back to fp32 there, with a log line.

Detection reads the CPU feature flags the Linux kernel reports in
``/proc/cpuinfo`` (``flags`` on x86: ``avx512_bf16``, ``amx_bf16``;
``Features`` on Arm: ``bf16``, the Armv8.6 BF16 extension) and requires
PyTorch's oneDNN to support bf16
(``torch.ops.mkldnn._is_mkldnn_bf16_supported``).
PyTorch has no public query for the native instructions: its oneDNN check
is true on any AVX-512 CPU, where bf16 is emulated. Other systems are
reported as unsupported. The environment variable
``MMSEG_DPLNET_CPU_BF16=1`` (or ``0``) forces the answer, for a CPU the
flags do not describe and for tests.
"""
import contextlib
import functools
import logging
import os
from typing import Iterator, Optional, Tuple

import torch
from mmengine.logging import print_log

#: Set to ``1`` / ``0`` to force the detection.
FORCE_ENV = 'MMSEG_DPLNET_CPU_BF16'
#: ``/proc/cpuinfo`` flags of native bf16 arithmetic.
NATIVE_BF16_FLAGS = ('amx_bf16', 'avx512_bf16', 'bf16')
CPUINFO = '/proc/cpuinfo'
_LOGGED = set()  # choices already logged by this process


def _cpu_flags(cpuinfo: str = CPUINFO) -> Tuple[str, ...]:
    """The feature flags of the first processor in ``cpuinfo``."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() in ('flags', 'Features'):
                    return tuple(value.split())
    except OSError:
        pass
    return ()


@functools.lru_cache(maxsize=None)
def _detect(cpuinfo: str) -> Tuple[bool, str]:
    flags = [f for f in NATIVE_BF16_FLAGS if f in _cpu_flags(cpuinfo)]
    if not flags:
        return False, f'no avx512_bf16 / amx_bf16 / bf16 flag in {cpuinfo}'
    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return False, (f'{cpuinfo} lists {", ".join(flags)} but this '
                       'PyTorch build has no oneDNN bf16')
    return True, f'{", ".join(flags)} in {cpuinfo}'


def cpu_bf16_support(cpuinfo: str = CPUINFO) -> Tuple[bool, str]:
    """Whether the CPU computes in bf16 natively, and why.

    Args:
        cpuinfo (str): The kernel's CPU description. Default:
            ``/proc/cpuinfo``.

    Returns:
        tuple[bool, str]: The answer and its reason (the flags found, the
        flags missing, or the forcing variable).
    """
    forced = os.environ.get(FORCE_ENV, '').strip()
    if forced in ('0', '1'):
        return forced == '1', f'forced by {FORCE_ENV}={forced}'
    if forced:
        raise ValueError(f'{FORCE_ENV}={forced!r}: set it to 1 (use bf16 on '
                         'the CPU), 0 (fp32) or leave it unset (detect)')
    return _detect(cpuinfo)


def amp_dtype(device: str, log: bool = True) -> Optional[torch.dtype]:
    """The autocast dtype that mixed precision gets on ``device``.

    Args:
        device (str): ``'cpu'``, ``'cuda'``, ``'cuda:1'``, ...
        log (bool): Log the choice made on a CPU (once per process).
            Default: True.

    Returns:
        torch.dtype | None: ``torch.float16`` on CUDA (mmengine's AMP
        default), ``torch.bfloat16`` on a CPU with native bf16, None (stay
        in fp32) on another CPU.
    """
    if not device.startswith('cpu'):
        return torch.float16
    supported, reason = cpu_bf16_support()
    if log and (supported, reason) not in _LOGGED:
        _LOGGED.add((supported, reason))
        if supported:
            print_log(f'Mixed precision on the CPU: bf16 autocast ({reason}).',
                      logger='current')
        else:
            print_log(
                f'Mixed precision on the CPU: fp32 ({reason}; bf16 would be '
                f'emulated, slower than fp32; {FORCE_ENV}=1 forces it).',
                logger='current',
                level=logging.WARNING)
    return torch.bfloat16 if supported else None


@contextlib.contextmanager
def amp_autocast(device: str, enabled: bool = True) -> Iterator[None]:
    """Autocast with :func:`amp_dtype`'s choice (nothing if disabled or if
    the CPU stays in fp32).

    Args:
        device (str): The model's device.
        enabled (bool): Whether mixed precision was asked for.
    """
    dtype = amp_dtype(device) if enabled else None
    if dtype is None:
        yield
        return
    with torch.autocast(device_type=device.split(':')[0], dtype=dtype):
        yield
