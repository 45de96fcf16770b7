"""An optimizer-wrapper constructor that leaves frozen parameters out."""
from typing import List, Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor

from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LearnableOnlyOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, with only ``requires_grad`` params.

    The default constructor hands frozen parameters to the optimizer too;
    they get no gradient, but optimizers with state or decoupled weight
    decay could still touch them, and they cost memory. Here the optimizer
    only ever sees the learnable parameters (for DPLNet: the prompts and
    the head). ``paramwise_cfg`` works as usual.

    Args:
        optim_wrapper_cfg (dict): As for the default constructor.
        paramwise_cfg (dict, optional): As for the default constructor.
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None):
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        # Without paramwise options the default constructor passes
        # model.parameters() whole; an empty custom_keys routes every
        # parameter through add_params (with the default lr / decay).
        if not self.paramwise_cfg:
            self.paramwise_cfg = dict(custom_keys=dict())

    def add_params(self, params: List[dict], module: nn.Module,
                   **kwargs) -> None:
        """Add the learnable parameters of ``module`` to ``params``.

        Args:
            params (list[dict]): Parameter groups, extended in place.
            module (nn.Module): The module whose parameters are added.
            **kwargs: ``prefix`` and ``is_dcn_module``, as in
                :meth:`DefaultOptimWrapperConstructor.add_params`.
        """
        groups: List[dict] = []
        super().add_params(groups, module, **kwargs)
        params.extend(group for group in groups
                      if all(p.requires_grad for p in group['params']))
