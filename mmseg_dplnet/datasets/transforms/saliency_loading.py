"""Loading of salient object detection ground truths as 0 / 1 masks."""
from typing import Optional

import numpy as np

from mmseg.registry import TRANSFORMS
from .image_files import read_image
from .loading import LoadCheckedAnnotations

#: Mask values above it are salient: pysodmetrics' ``gt > 128`` for uint8
#: ground truths (``py_sod_metrics.utils.validate_and_normalize_input``).
SALIENCY_THRESHOLD = 128


@TRANSFORMS.register_module()
class LoadSaliencyMask(LoadCheckedAnnotations):
    """Load a saliency ground truth and binarise it to background / salient.

    SOD ground truths are 8-bit grey masks, 0 background and 255 salient,
    as PNG, JPEG or BMP files. JPEG masks (VT821, VT1000) carry compression
    noise, values near the object's edge scattered around the middle; every
    mask is therefore binarised with ``value > 128``, the rule of
    pysodmetrics (``gt > 128`` for uint8 ground truths), with which the
    evaluation scores the same files. The raw file is checked first:

    - it is single-channel, or 3 equal channels (a grey mask stored as
      colour); a colour image is refused, as is an alpha channel;
    - it is 8-bit (a 16-bit mask is refused);
    - its size equals the RGB image's (``results['ori_shape']``, when the
      image was loaded first; loaded after a ``Resize``, the mask keeps its
      original size).

    Required Keys:

    - seg_map_path, seg_fields
    - ori_shape, img_path (optional, for the size check)

    Added Keys:

    - gt_seg_map (np.uint8): 0 background, 1 salient; ``'gt_seg_map'`` is
      added to ``seg_fields``, as mmseg's ``LoadAnnotations`` does, so that
      geometric transforms move it with the image.

    Args:
        imdecode_backend (str): Backend of :func:`mmcv.imfrombytes`.
            Defaults to 'cv2', which decodes a palette or 1-bit PNG mask to
            the grey values it shows (0 / 255), not to palette indices.
        backend_args (dict, optional): Arguments of the mmengine file backend.
            Defaults to None.
    """

    def __init__(self,
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None) -> None:
        super().__init__(
            imdecode_backend=imdecode_backend, backend_args=backend_args)

    def _read_mask(self, path: str) -> np.ndarray:
        """Decode a mask file to a 2-D uint8 array, refusing colour, alpha
        and 16-bit files."""
        mask = read_image(
            path,
            'unchanged',
            self.backend_args,
            self.imdecode_backend,
            role='ground-truth mask')
        if mask.ndim == 3 and mask.shape[2] == 1:
            mask = mask[..., 0]
        if mask.ndim == 3:
            channels = mask.shape[2]
            if channels == 3 and (mask[..., 0] == mask[..., 1]).all() and (
                    mask[..., 0] == mask[..., 2]).all():
                mask = mask[..., 0]
            else:
                what = ('3 channels that differ: a colour image' if channels
                        == 3 else f'{channels} channels (with alpha)')
                raise ValueError(
                    f'ground-truth mask {path} has {what}; a saliency mask '
                    f'must be a grey image (0 background, 255 salient). '
                    f'Check that the GT folder holds the masks, or convert '
                    f'the file to an 8-bit grey image.')
        if mask.dtype != np.uint8:
            raise ValueError(
                f'ground-truth mask {path} is {mask.dtype}, not 8-bit; a '
                f'saliency mask must be an 8-bit grey image (0 background, '
                f'255 salient). Convert it (e.g. scale 0..65535 to 0..255).')
        return mask

    def _load_seg_map(self, results: dict) -> None:
        """Load, check and binarise the mask of one sample.

        Args:
            results (dict): Result dict from the dataset.
        """
        path = results['seg_map_path']
        mask = self._read_mask(path)
        self._check_size(mask, path, results)
        results['gt_seg_map'] = (mask > SALIENCY_THRESHOLD).astype(np.uint8)
        results['seg_fields'].append('gt_seg_map')
