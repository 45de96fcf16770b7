"""Multimodal datasets and pipeline transforms (registered in mmseg).

Importing this package registers the datasets in mmseg's ``DATASETS`` and
the transforms in its ``TRANSFORMS``.
"""
from .mfnet import MFNetDataset
from .multimodal_dataset import MultiModalSegDataset, RGBXLayout
from .mvseg import MVSegDataset
from .nyuv2 import NYUv2SegDataset
from .pst900 import PST900Dataset
from .sod import RGBDSODDataset, RGBTSODDataset, SODDataset
from .sunrgbd import SUNRGBDSegDataset
from .transforms import (LoadCheckedAnnotations, LoadRGBXImageFromFile,
                         LoadSaliencyMask, RGBColorJitter)

__all__ = [
    'MultiModalSegDataset', 'RGBXLayout', 'NYUv2SegDataset',
    'SUNRGBDSegDataset', 'MFNetDataset', 'PST900Dataset', 'MVSegDataset',
    'SODDataset', 'RGBDSODDataset', 'RGBTSODDataset', 'LoadRGBXImageFromFile',
    'LoadCheckedAnnotations', 'LoadSaliencyMask', 'RGBColorJitter'
]
