"""SUN RGB-D semantic segmentation, 37 classes (RGB-D)."""
from mmseg.registry import DATASETS
from .multimodal_dataset import MultiModalSegDataset, RGBXLayout
from .palettes import voc_colormap

#: The 37 classes of the SUN RGB-D benchmark (``seg37list``), ids 1..37.
SUNRGBD_37_CLASSES = ('wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa',
                      'table', 'door', 'window', 'bookshelf', 'picture',
                      'counter', 'blinds', 'desk', 'shelves', 'curtain',
                      'dresser', 'pillow', 'mirror', 'floor_mat', 'clothes',
                      'ceiling', 'books', 'fridge', 'tv', 'paper', 'towel',
                      'shower_curtain', 'box', 'whiteboard', 'person',
                      'night_stand', 'toilet', 'sink', 'lamp', 'bathtub',
                      'bag')


@DATASETS.register_module()
class SUNRGBDSegDataset(MultiModalSegDataset):
    """SUN RGB-D segmentation (5285 train / 5050 test images, varying size).

    Label files hold 0 = unlabeled and 1..37 = the classes
    (``reduce_zero_label=True``). Images come from four sensors and vary in
    size (e.g. 530x730, 531x681, 427x561, 441x591).

    Layouts (relative to ``data_root``, found by ``layout='auto'``):

    - ``dformer``: ``RGB/``, ``Depth/`` (or ``HHA/``), ``labels/``,
      ``train.txt`` / ``test.txt``.
    - ``cmx``: the same with ``Label/`` as label folder.

    Depth PNGs are 8-bit by default; ``aux_bit_depth=16`` reads 16-bit
    millimetres (clipped at 10 m). The raw SUN RGB-D ``depth_bfx`` files are
    bit-rotated and must be converted to plain millimetres first (see
    ``data/README.md``).

    Args:
        img_suffix: Candidate RGB extensions. Defaults to ('.jpg', '.png').
        aux_suffix: Candidate depth extensions. Defaults to ('.png', '.jpg').
        seg_map_suffix: Label extension. Defaults to '.png'.
        reduce_zero_label (bool): Defaults to True.
        **kwargs: See :class:`MultiModalSegDataset`.
    """
    METAINFO = dict(classes=SUNRGBD_37_CLASSES, palette=voc_colormap(38)[1:])
    LAYOUTS = tuple(
        RGBXLayout(
            name=name,
            tree=f'RGB/, Depth/ (or HHA/), {labels}/, {{train,test}}.txt',
            img_dir='RGB',
            aux_folders={
                'depth': 'Depth',
                'hha': 'HHA'
            },
            seg_map_dir=labels,
            split_file='{split}.txt')
        for name, labels in (('dformer', 'labels'), ('cmx', 'Label')))
    DEFAULT_AUX_MODALITY = 'depth'
    SPLIT_SIZES = dict(train=5285, test=5050)

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
