"""Fixtures shared by the mmseg-dplnet test suite."""
import pytest


@pytest.fixture(scope='session', autouse=True)
def _mmseg_scope():
    """Register the package and make 'mmseg' the default registry scope."""
    import mmseg_dplnet  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
