"""Mixed precision training on a CPU: bf16 autocast, no loss scaling."""
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmseg.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUBF16OptimWrapper(OptimWrapper):
    """mmengine's :class:`~mmengine.optim.OptimWrapper` whose forward runs
    in bf16 autocast on the CPU.

    mmengine's ``AmpOptimWrapper`` cannot serve: it refuses to start
    without a GPU / NPU / MLU and always builds a gradient scaler, which
    bf16 (fp32's exponent range) does not need. :class:`PortableRunner`
    builds this wrapper for an ``AmpOptimWrapper`` config on a machine
    without CUDA whose CPU computes in bf16 natively (see
    :mod:`mmseg_dplnet.utils.cpu_bf16`). Parameters, gradients and the
    optimizer state stay fp32; its state dict is ``OptimWrapper``'s, so a
    checkpoint resumes on either wrapper.
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        """The gradient-accumulation context of ``OptimWrapper`` with bf16
        autocast on the CPU.

        Args:
            model (nn.Module): The training model.
        """
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=torch.bfloat16):
            yield
