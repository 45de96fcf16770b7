"""Loading of RGB-X samples and of checked segmentation labels.

:class:`LoadRGBXImageFromFile` turns the RGB image and its auxiliary modality
into ONE float32 image ``(H, W, 3 + C)``, RGB first. Every stock geometric
transform of mmcv / mmseg (``Resize``, ``RandomResize``, ``RandomCrop``,
``RandomFlip``, ``TestTimeAug``; ``Pad`` with a float ``pad_val``, see
``data/README.md``) then moves all modalities together, and
:class:`~mmseg_dplnet.models.RGBXDataPreProcessor` normalises them.
"""
from typing import Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS
from mmseg_dplnet.utils.channel_split import RGB_CHANNELS, RGBX_FILE_CHANNELS
from .aux_encoding import (AuxEncoding, aux_to_unit_range, check_aux_options,
                           check_bit_depth, merge_aux_options,
                           resolve_aux_encoding)
from .image_files import read_aux_file, read_image, read_rgb_file


def _shape_str(array: np.ndarray) -> str:
    return f'{array.shape[0]}x{array.shape[1]}'


@TRANSFORMS.register_module()
class LoadRGBXImageFromFile(BaseTransform):
    """Load an RGB image and its auxiliary modality as one stacked image.

    Required Keys:

    - img_path: the RGB file, or the 4-channel RGBT PNG when ``aux_in_img``.
    - aux_path: the auxiliary file (equal to ``img_path`` when
      ``aux_in_img``).
    - aux_modality: ``'depth'``, ``'hha'`` or ``'thermal'``.
    - aux_in_img (optional): the auxiliary modality is the 4th channel of
      ``img_path`` (MFNet's original ``images/*.png``). Defaults to False.
    - aux_bit_depth, aux_value_scale, aux_min_value, aux_max_value,
      drop_rgb_alpha (optional): options recorded by the dataset.

    Added Keys:

    - img (np.float32, ``(H, W, 3 + C)``): channels 0..2 are R, G, B in
      ``[0, 255]``; channels 3.. the auxiliary modality in ``[0, 1]`` (see
      :mod:`.aux_encoding`), ``C = 1`` for depth and thermal, 3 for HHA.
    - img_shape, ori_shape: ``(H, W)``, as ``LoadImageFromFile`` sets them.

    The four auxiliary options can be given here or, preferably, to the
    dataset (one place per dataloader, also used by TTA); giving both with
    different values is an error. Unset options take the defaults of
    :func:`.aux_encoding.resolve_aux_encoding` (8-bit).

    Args:
        aux_bit_depth (int, optional): Expected bit depth of the auxiliary
            file, 8 or 16. A file of the other depth is an error, never
            silently rescaled.
        aux_value_scale (float, optional): Factor on the raw values, e.g.
            0.001 for millimetres to metres.
        aux_min_value (float, optional): Scaled value mapped to 0.
        aux_max_value (float, optional): Scaled value mapped to 1, larger ones
            are clipped (e.g. a 10 m maximum depth).
        drop_rgb_alpha (bool): Read a 4-channel RGB file (an RGBA export)
            as its colour channels; otherwise it is refused, as are grey
            files (see :func:`.image_files.read_rgb_file`). The dataset's
            setting also applies. Defaults to False.
        backend_args (dict, optional): Arguments of the mmengine file backend.
            Defaults to None.
        aux_channels: Not a loading option (an error naming the model's
            ``backbone.aux_channels``, which decides it).
    """

    def __init__(self,
                 aux_bit_depth: Optional[int] = None,
                 aux_value_scale: Optional[float] = None,
                 aux_min_value: Optional[float] = None,
                 aux_max_value: Optional[float] = None,
                 drop_rgb_alpha: bool = False,
                 backend_args: Optional[dict] = None,
                 aux_channels: Optional[int] = None) -> None:
        self.drop_rgb_alpha = drop_rgb_alpha
        check_aux_options(type(self).__name__, aux_channels=aux_channels)
        self.aux_options = dict(
            aux_bit_depth=aux_bit_depth,
            aux_value_scale=aux_value_scale,
            aux_min_value=aux_min_value,
            aux_max_value=aux_max_value)
        check_aux_options(type(self).__name__, **self.aux_options)
        self.backend_args = backend_args.copy() if backend_args else None

    def _encoding(self, results: dict) -> AuxEncoding:
        """Resolve the auxiliary encoding of one sample."""
        for key in ('img_path', 'aux_path', 'aux_modality'):
            if key not in results:
                raise KeyError(
                    f'{type(self).__name__} needs results[{key!r}]; build the '
                    f'sample with a multimodal dataset (e.g. NYUv2SegDataset) '
                    f'or pass img_path, aux_path and aux_modality')
        options = merge_aux_options(self.aux_options, results,
                                    type(self).__name__)
        return resolve_aux_encoding(results['aux_modality'], **options)

    def _read_rgb_and_aux(
            self, results: dict,
            encoding: AuxEncoding) -> Tuple[np.ndarray, np.ndarray]:
        """Read the BGR image and the raw auxiliary map of one sample."""
        img_path = results['img_path']
        if results.get('aux_in_img', False):
            rgbx = read_image(img_path, 'unchanged', self.backend_args,
                              role='RGB-X')
            if rgbx.ndim != 3 or rgbx.shape[2] != RGBX_FILE_CHANNELS:
                channels = 1 if rgbx.ndim == 2 else rgbx.shape[2]
                raise ValueError(
                    f'{img_path} has {channels} channel(s) but this layout '
                    f'stores {encoding.modality} as the 4th channel of a '
                    f'4-channel RGB{encoding.modality[0].upper()} PNG '
                    f'(MFNet\'s images/*.png). Use the separated layout for '
                    f'3-channel images.')
            if rgbx.dtype != np.uint8:
                raise ValueError(
                    f'{img_path} is {rgbx.dtype}; the 4-channel RGBT PNGs '
                    f'must be 8-bit')
            check_bit_depth(rgbx, encoding, img_path)
            return rgbx[..., :3], rgbx[..., 3]
        bgr = read_rgb_file(
            img_path, self.backend_args, self.drop_rgb_alpha
            or results.get('drop_rgb_alpha', False))
        aux_path = results['aux_path']
        aux = read_aux_file(aux_path, encoding.modality, encoding,
                            self.backend_args)
        if aux.shape[:2] != bgr.shape[:2]:
            raise ValueError(
                f'size mismatch: RGB image {img_path} is {_shape_str(bgr)} '
                f'(HxW) but {encoding.modality} file {aux_path} is '
                f'{_shape_str(aux)}; the modalities of a sample must be '
                f'registered to the same size.')
        return bgr, aux

    def transform(self, results: dict) -> dict:
        """Load the stacked RGB-X image of one sample.

        Args:
            results (dict): Result dict from the dataset.

        Returns:
            dict: ``results`` with the keys listed in the class docstring.
        """
        encoding = self._encoding(results)
        bgr, aux = self._read_rgb_and_aux(results, encoding)
        height, width = bgr.shape[:2]
        img = np.empty((height, width, RGB_CHANNELS + encoding.channels),
                       dtype=np.float32)
        img[..., :RGB_CHANNELS] = bgr[..., ::-1]
        unit = aux_to_unit_range(aux, encoding)
        img[..., RGB_CHANNELS:] = unit if unit.ndim == 3 else unit[..., None]

        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        options = ', '.join(f'{name}={value!r}'
                            for name, value in self.aux_options.items())
        return (f'{type(self).__name__}({options}, drop_rgb_alpha='
                f'{self.drop_rgb_alpha}, backend_args={self.backend_args})')


@TRANSFORMS.register_module()
class LoadCheckedAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` that refuses labels it cannot trust.

    Before the dataset's convention (``reduce_zero_label``, ``label_map``) is
    applied, the raw label file is checked:

    - it is a single-channel image: grayscale or palette (read as its
      indices), or 3 equal channels; a colour-coded label is refused;
    - its size equals the RGB image's (``results['ori_shape']``, when the
      image was loaded first);
    - its values are class ids of the dataset or the ignore value 255:
      ``0..N-1`` for datasets that count every id, ``0..N`` when 0 is
      "unlabeled" (``reduce_zero_label``), where ``N`` is
      ``results['label_num_classes']`` recorded by the dataset (skipped when
      absent).

    Required Keys:

    - seg_map_path, reduce_zero_label, seg_fields
    - label_map, label_num_classes, ori_shape (optional)

    Added Keys:

    - gt_seg_map (np.uint8)

    Args:
        imdecode_backend (str): Backend of :func:`mmcv.imfrombytes`.
            Defaults to 'pillow', which reads palette PNGs as their indices
            (OpenCV would decode them to colours) and is as fast as OpenCV on
            single-channel PNGs.
        backend_args (dict, optional): Arguments of the mmengine file backend.
            Defaults to None.
    """

    def __init__(self,
                 imdecode_backend: str = 'pillow',
                 backend_args: Optional[dict] = None) -> None:
        super().__init__(
            reduce_zero_label=None,
            backend_args=backend_args,
            imdecode_backend=imdecode_backend)

    def _read_label(self, path: str) -> np.ndarray:
        """Decode a label file to a 2-D integer array."""
        label = read_image(path, 'unchanged', self.backend_args,
                           self.imdecode_backend, role='label')
        if label.ndim == 3 and label.shape[2] == 1:
            label = label[..., 0]
        if label.ndim == 3:
            if label.shape[2] == 3 and (label[..., 0] == label[
                    ..., 1]).all() and (label[..., 0] == label[..., 2]).all():
                return label[..., 0]
            differ = ' that differ' if label.shape[2] == 3 else ''
            raise ValueError(
                f'label file {path} decodes to {label.shape[2]} channels'
                f'{differ}; labels must be single-channel class-id images '
                f'(grayscale or palette PNG). Convert colour-coded labels to '
                f'class ids.')
        return label

    @staticmethod
    def _check_size(label: np.ndarray, path: str, results: dict) -> None:
        """Refuse a label whose size differs from the loaded image's."""
        ori_shape = results.get('ori_shape')
        if ori_shape is not None and tuple(label.shape) != tuple(
                ori_shape[:2]):
            raise ValueError(
                f'size mismatch: label file {path} is {_shape_str(label)} '
                f'(HxW) but the RGB image {results.get("img_path")} is '
                f'{ori_shape[0]}x{ori_shape[1]}; labels must have the size of '
                f'their image.')

    @staticmethod
    def _check_values(label: np.ndarray, path: str, results: dict) -> None:
        """Refuse label values that are neither class ids nor 255."""
        num_classes = results.get('label_num_classes')
        if num_classes is None:
            return
        reduce_zero_label = results['reduce_zero_label']
        highest = num_classes if reduce_zero_label else num_classes - 1
        counts = np.bincount(label.ravel())
        counts[:highest + 1] = 0
        if counts.size > 255:
            counts[255] = 0
        bad = np.flatnonzero(counts)
        if bad.size == 0:
            return
        shown = ', '.join(str(v) for v in bad[:10])
        more = f' (and {bad.size - 10} more)' if bad.size > 10 else ''
        convention = (f'0 = unlabeled, 1..{num_classes} = classes' if
                      reduce_zero_label else f'0..{num_classes - 1} = classes')
        raise ValueError(
            f'label file {path} has values outside the dataset\'s classes: '
            f'{shown}{more}. Expected {convention}, 255 = ignore. Check that '
            f'the labels are class ids of this dataset (not colours or '
            f'another class set).')

    def _load_seg_map(self, results: dict) -> None:
        """Load, check and convert the label of one sample.

        Args:
            results (dict): Result dict from the dataset.
        """
        path = results['seg_map_path']
        label = self._read_label(path)
        self._check_size(label, path, results)
        self._check_values(label, path, results)
        gt_seg_map = label.astype(np.uint8)
        if results['reduce_zero_label']:
            # 0 (unlabeled) -> 255, k -> k - 1, 255 stays 255
            gt_seg_map = gt_seg_map - np.uint8(1)
            gt_seg_map[gt_seg_map == 254] = 255
        label_map = results.get('label_map')
        if label_map is not None:
            mapped = gt_seg_map.copy()
            for old_id, new_id in label_map.items():
                mapped[gt_seg_map == old_id] = new_id
            gt_seg_map = mapped
        results['gt_seg_map'] = gt_seg_map
        results['seg_fields'].append('gt_seg_map')

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(imdecode_backend='
            f'{self.imdecode_backend!r}, backend_args={self.backend_args})')
