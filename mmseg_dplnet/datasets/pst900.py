"""PST900 RGB-thermal subterranean segmentation, 5 classes."""
from mmseg.registry import DATASETS
from .multimodal_dataset import MultiModalSegDataset, RGBXLayout

PST900_CLASSES = ('background', 'fire_extinguisher', 'backpack', 'hand_drill',
                  'survivor')
# black background, then the colours this project draws the objects with
PST900_PALETTE = [[0, 0, 0], [255, 0, 0], [0, 0, 255], [0, 255, 0],
                  [255, 255, 255]]


@DATASETS.register_module()
class PST900Dataset(MultiModalSegDataset):
    """PST900 RGB-T segmentation (597 train / 288 test images, 720x1280).

    Label ids 0..4 with 0 = background, a class counted in the mIoU, so
    nothing is reduced or ignored.

    Layout ``official`` (relative to ``data_root``):
    ``{train,test}/{rgb,thermal,labels}/<name>.png`` (``depth/`` and
    ``thermal_raw/`` are there too). ``thermal/`` holds 8-bit thermal images
    registered to the RGB camera (with holes where no thermal pixel maps);
    ``aux_bit_depth=16`` reads the 16-bit ``thermal_raw/`` instead (set
    ``aux_min_value`` / ``aux_max_value`` to the sensor range, the default is
    the full 0..65535).

    Args:
        img_suffix: RGB extension. Defaults to '.png'.
        aux_suffix: Thermal extension. Defaults to '.png'.
        seg_map_suffix: Label extension. Defaults to '.png'.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: See :class:`MultiModalSegDataset`.
    """
    METAINFO = dict(classes=PST900_CLASSES, palette=PST900_PALETTE)
    LAYOUTS = (RGBXLayout(
        name='official',
        tree='{train,test}/{rgb,thermal,labels}/<name>.png',
        img_dir='{split}/rgb',
        aux_dir='{split}/{aux}',
        aux_folders={
            'thermal': 'thermal',
            'depth': 'depth'
        },
        seg_map_dir='{split}/labels'), )
    DEFAULT_AUX_MODALITY = 'thermal'
    SPLIT_SIZES = dict(train=597, test=288)

    def __init__(self,
                 img_suffix='.png',
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

    def aux_folder_name(self, layout: RGBXLayout) -> str:
        """``thermal_raw`` for 16-bit thermal, else the layout's folder."""
        if (self.aux_dir is None and self.aux_modality == 'thermal'
                and self.aux_options.get('aux_bit_depth') == 16):
            return 'thermal_raw'
        return super().aux_folder_name(layout)
