"""MFNet multispectral (RGB-thermal) urban scene segmentation, 9 classes."""
from mmseg.registry import DATASETS
from .multimodal_dataset import MultiModalSegDataset, RGBXLayout

MFNET_CLASSES = ('unlabeled', 'car', 'person', 'bike', 'curve', 'car_stop',
                 'guardrail', 'color_cone', 'bump')
# the colours of RTFNet's visualisation, used by the RGB-T literature
MFNET_PALETTE = [[0, 0, 0], [64, 0, 128], [64, 64, 0], [0, 128, 192],
                 [0, 0, 192], [128, 128, 0], [64, 64, 128], [192, 128, 128],
                 [192, 64, 0]]


@DATASETS.register_module()
class MFNetDataset(MultiModalSegDataset):
    """MFNet RGB-T segmentation (784 train / 392 val / 393 test, 480x640).

    Label ids 0..8 with 0 = "unlabeled", which is a class counted in the mIoU
    like the others (the convention of MFNet, RTFNet and DPLNet), so nothing
    is reduced or ignored.

    Layouts (relative to ``data_root``, found by ``layout='auto'``):

    - ``original`` (Ha et al.): ``images/<name>.png`` 4-channel 8-bit RGBT
      (thermal in the 4th channel), ``labels/``, and the split files
      ``train.txt``, ``val.txt``, ``test.txt``, ``test_day.txt``,
      ``test_night.txt``.
    - ``separated``: ``rgb/``, ``thermal/``, ``labels/`` and the same split
      files.

    Args:
        img_suffix: Candidate RGB extensions. Defaults to ('.png', '.jpg').
        aux_suffix: Thermal extension. Defaults to '.png'.
        seg_map_suffix: Label extension. Defaults to '.png'.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: See :class:`MultiModalSegDataset`.
    """
    METAINFO = dict(classes=MFNET_CLASSES, palette=MFNET_PALETTE)
    LAYOUTS = (
        RGBXLayout(
            name='original',
            tree='images/ (4-channel RGBT PNGs), labels/, '
            '{train,val,test,test_day,test_night}.txt',
            img_dir='images',
            aux_dir=None,
            seg_map_dir='labels',
            split_file='{split}.txt'),
        RGBXLayout(
            name='separated',
            tree='rgb/, thermal/, labels/, '
            '{train,val,test,test_day,test_night}.txt',
            img_dir='rgb',
            aux_folders={'thermal': 'thermal'},
            seg_map_dir='labels',
            split_file='{split}.txt'),
    )
    DEFAULT_AUX_MODALITY = 'thermal'
    SPLIT_SIZES = dict(
        train=784, val=392, test=393, test_day=188, test_night=205)

    def __init__(self,
                 img_suffix=('.png', '.jpg'),
                 aux_suffix='.png',
                 seg_map_suffix='.png',
                 reduce_zero_label=False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            aux_suffix=aux_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
