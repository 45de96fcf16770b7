"""NYU Depth v2 semantic segmentation, 40 classes (RGB-D / RGB-HHA)."""
from mmseg.registry import DATASETS
from .multimodal_dataset import MultiModalSegDataset, RGBXLayout
from .palettes import voc_colormap

#: The standard NYUv2-40 class names (Gupta et al.), label ids 1..40.
NYUV2_40_CLASSES = ('wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa',
                    'table', 'door', 'window', 'bookshelf', 'picture',
                    'counter', 'blinds', 'desk', 'shelves', 'curtain',
                    'dresser', 'pillow', 'mirror', 'floor mat', 'clothes',
                    'ceiling', 'books', 'refridgerator', 'television', 'paper',
                    'towel', 'shower curtain', 'box', 'whiteboard', 'person',
                    'night stand', 'toilet', 'sink', 'lamp', 'bathtub', 'bag',
                    'otherstructure', 'otherfurniture', 'otherprop')


@DATASETS.register_module()
class NYUv2SegDataset(MultiModalSegDataset):
    """NYUv2-40 RGB-D segmentation (795 train / 654 test images, 480x640).

    Label files hold 0 = unlabeled and 1..40 = the classes, so
    ``reduce_zero_label=True`` maps them to 0..39 with 0 ignored (255).
    Distinct from mmseg's ``NYUDataset``, which is depth estimation.

    Layouts (relative to ``data_root``, found by ``layout='auto'``):

    - ``dplnet``: ``{train,test}/{image,depth,label}/<id>``, the split is
      the folder (DPLNet's ``edge/`` and ``refine/`` folders are unused).
    - ``cmx`` (SA-Gate / CMX / DFormer): ``RGB/``, ``Depth/`` or ``HHA/``
      (``aux_modality='hha'``), ``Label/``, ``train.txt`` / ``test.txt``.

    The community depth PNGs are 8-bit (the default); 16-bit millimetre depth
    is read with ``aux_bit_depth=16`` (clipped at 10 m unless
    ``aux_max_value`` says otherwise).

    Args:
        img_suffix: Candidate RGB extensions. Defaults to ('.jpg', '.png').
        aux_suffix: Candidate depth / HHA extensions. Defaults to
            ('.png', '.jpg').
        seg_map_suffix: Label extension. Defaults to '.png'.
        reduce_zero_label (bool): Defaults to True.
        **kwargs: See :class:`MultiModalSegDataset`.
    """
    METAINFO = dict(classes=NYUV2_40_CLASSES, palette=voc_colormap(41)[1:])
    LAYOUTS = (
        RGBXLayout(
            name='dplnet',
            tree='{train,test}/{image,depth,label}/<id>',
            img_dir='{split}/image',
            aux_dir='{split}/{aux}',
            aux_folders={'depth': 'depth'},
            seg_map_dir='{split}/label'),
        RGBXLayout(
            name='cmx',
            tree='RGB/, Depth/ or HHA/, Label/, {train,test}.txt',
            img_dir='RGB',
            aux_folders={
                'depth': 'Depth',
                'hha': 'HHA'
            },
            seg_map_dir='Label',
            split_file='{split}.txt'),
    )
    DEFAULT_AUX_MODALITY = 'depth'
    SPLIT_SIZES = dict(train=795, test=654)

    def __init__(self,
                 img_suffix=('.jpg', '.png'),
                 aux_suffix=('.png', '.jpg'),
                 seg_map_suffix='.png',
                 reduce_zero_label=True,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            aux_suffix=aux_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
