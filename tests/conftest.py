"""Fixtures shared by the mmseg-dplnet test suite."""
import pytest
import torch


@pytest.fixture(scope='session', autouse=True)
def _mmseg_scope():
    """Register the package and make 'mmseg' the default registry scope."""
    import mmseg_dplnet  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')


@pytest.fixture(scope='module')
def one_torch_thread():
    """One torch thread for a test module (``pytestmark =
    pytest.mark.usefixtures('one_torch_thread')``), as the tools'
    subprocesses run (tests/dplnet_testing.py): tiny models run faster on a
    shared 2-core machine, and runs compared bit for bit reduce in the same
    order. Set before the module's own module-scoped fixtures."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
