# Runtime shared by every mmseg-dplnet config.
custom_imports = dict(imports=['mmseg_dplnet'], allow_failed_imports=False)
default_scope = 'mmseg'
# mmengine's Runner, also on machines without CUDA (gloo, AMP -> fp32),
# for our tools/train.py and mmseg's alike
runner_type = 'PortableRunner'
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # the runner switches to gloo on machines without CUDA
    dist_cfg=dict(backend='nccl'),
)
# BatchNorm -> SyncBatchNorm when training distributed on GPUs (the runner
# converts only under a launcher, and not without CUDA)
sync_bn = 'torch'
# the random generators' states in every checkpoint: a resumed run goes on
# exactly as the uninterrupted one (keep it when setting custom_hooks)
custom_hooks = [dict(type='RandomStateHook')]
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='MultimodalSegLocalVisualizer',
    vis_backends=vis_backends,
    name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
