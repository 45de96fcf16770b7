"""Fixtures of the data pipeline tests (helpers are in rgbx_testing.py)."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmseg_dplnet  # noqa: F401  (registers datasets and transforms)


@pytest.fixture(autouse=True)
def _mmseg_scope():
    """Make 'mmseg' the default scope and the random transforms repeatable."""
    init_default_scope('mmseg')
    np.random.seed(0)
