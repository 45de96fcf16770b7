"""Fixtures of the inference and visualisation tests: a tiny synthetic
RGB-D dataset and an initialised checkpoint of the demo DPLNet config,
written once per session; inference on one CPU thread."""
import pytest
import torch
from inference_vis_testing import DPLNET_CONFIG, NUM_TEST, SIZE
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS
from mmseg_dplnet.synthetic import write_synthetic_nyuv2


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Run these tiny models on one thread: on a loaded 2-core machine, two
    OpenMP threads make each forward pass up to 50x slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory) -> str:
    """A 2-image test split in NYUv2's CMX layout (16-bit depth)."""
    root = tmp_path_factory.mktemp('synthetic_rgbd')
    write_synthetic_nyuv2(
        str(root), num_train=0, num_test=NUM_TEST, seed=3, size=SIZE)
    return str(root)


@pytest.fixture(scope='session')
def checkpoint(tmp_path_factory) -> str:
    """Weights of the demo config (PyTorch's seeded initialisation: the
    logits depend on both modalities), as a bare state dict without meta, so
    class names must come from the config."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(DPLNET_CONFIG)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    path = tmp_path_factory.mktemp('checkpoint') / 'dplnet_tiny.pth'
    torch.save({'state_dict': model.state_dict()}, str(path))
    return str(path)


@pytest.fixture(scope='session')
def model(checkpoint):
    """The demo config's model with the checkpoint, by the API under test."""
    from mmseg_dplnet.apis import init_model
    return init_model(DPLNET_CONFIG, checkpoint, device='cpu')
