# The SOD protocol of LSNet (the strongest row of DPLNet's SOD tables):
# Adam lr 1e-4 (betas 0.9 / 0.999, no weight decay) at a constant rate
# (LSNet's x0.1 at epoch 40 never comes within its 20 epochs), batch 10,
# 20 epochs: 4,370 iterations of RGB-D's 2,185 training images (the RGB-T
# recipe sets its own). Only learnable parameters reach the optimizer; AMP
# on a GPU (fp32 without CUDA). The checkpoint of the best validation MAE is
# kept, as LSNet keeps its best-MAE epoch.
_base_ = ['./sgd_poly_12k.py']
max_iters = 4370
interval = 437
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True,
        type='Adam',
        lr=1e-4,
        betas=(0.9, 0.999),
        weight_decay=0.))
param_scheduler = []  # constant learning rate
train_cfg = dict(max_iters=max_iters, val_interval=interval)
default_hooks = dict(
    checkpoint=dict(interval=interval, save_best='MAE', rule='less'))
