"""Through mmengine's runner, only the learnable tensors change."""
import os.path as osp

import torch
from dplnet_testing import CONFIG_DIR
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.structures import PixelData
from torch.utils.data import DataLoader

from mmseg.structures import SegDataSample
from mmseg_dplnet.engine import PortableRunner


def packed_samples(num: int, size=(64, 64)):
    """Samples as PackSegInputs gives them: RGB + depth (4 channels) and
    labels."""
    generator = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(num):
        sample = SegDataSample(metainfo=dict(
            img_shape=size, ori_shape=size, pad_shape=size))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 40, (1, *size), generator=generator))
        samples.append(dict(
            inputs=torch.rand(4, *size, generator=generator) * 255,
            data_samples=sample))
    return samples


class SnapshotBeforeStep(Hook):
    """Keeps the weights as they are right before the first train step
    (after the runner's init_weights)."""

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.state = {
            k: v.clone() for k, v in runner.model.state_dict().items()}


def test_one_runner_step_updates_only_learnable_tensors(tmp_path):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'dplnet', 'nyuv2_b5.py'))
    cfg.model.backbone.update(arch='b0', init_cfg=None)
    cfg.model.decode_head.update(
        in_channels=[32, 64, 160, 256], embed_dims=64)
    cfg.model.data_preprocessor.size = (64, 64)
    snapshot = SnapshotBeforeStep()
    # the recipe's AMP: bf16 or fp32 on a CPU (tests/tools/test_cpu_bf16.py)
    runner = PortableRunner(
        model=cfg.model,
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(
            packed_samples(2), batch_size=2, collate_fn=pseudo_collate),
        optim_wrapper=cfg.optim_wrapper,
        param_scheduler=cfg.param_scheduler,
        train_cfg=dict(by_epoch=False, max_iters=1),
        default_hooks=dict(checkpoint=None, logger=None),
        custom_hooks=[snapshot],
        default_scope='mmseg')
    model = runner.model
    learnable = {n for n, p in model.named_parameters() if p.requires_grad}
    runner.train()
    before = snapshot.state

    optimizer = runner.optim_wrapper.optimizer
    in_optimizer = {id(p) for g in optimizer.param_groups for p in g['params']}
    assert in_optimizer == {id(p) for p in model.parameters()
                            if p.requires_grad}
    after = model.state_dict()
    frozen = [k for k in before if k.startswith('backbone.')
              and k not in learnable]
    assert len(frozen) > 100
    for key in frozen:
        assert torch.equal(before[key], after[key]), key
    changed = [k for k in learnable if not torch.equal(before[k], after[k])]
    # every learnable tensor gets a gradient and moves in one SGD step
    assert sorted(changed) == sorted(learnable)
