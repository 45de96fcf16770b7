"""The saliency map of a binary (one-channel sigmoid) prediction."""
from typing import Optional

import numpy as np
import torch


def saliency_map(data_sample) -> Optional[np.ndarray]:
    """The probability map of a binary model's prediction.

    mmseg's binary mode (``decode_head.out_channels=1``) stores the sigmoid
    probabilities, at the input's original size, as ``seg_logits``.

    Args:
        data_sample (SegDataSample): A prediction.

    Returns:
        np.ndarray | None: ``(H, W)`` float32 probabilities; None when the
        prediction has no ``seg_logits`` or more than one channel (a
        multi-class model).
    """
    logits = data_sample.get('seg_logits')
    if logits is None or logits.data.shape[0] != 1:
        return None
    prob = logits.data[0]
    if isinstance(prob, torch.Tensor):
        prob = prob.detach().cpu().float().numpy()  # bf16 under --amp
    return prob.astype(np.float32)
