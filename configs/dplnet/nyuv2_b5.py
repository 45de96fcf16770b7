# DPLNet, frozen SegFormer MiT-B5 + dual prompts, on NYUv2 (40 classes).
_base_ = [
    '../_base_/models/dplnet_mit-b5.py',
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_poly_12k.py'
]
