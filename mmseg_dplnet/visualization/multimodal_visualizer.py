"""mmseg's local visualiser with the auxiliary modality drawn beside RGB."""
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.structures import PixelData

from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer
from mmseg_dplnet.datasets.transforms.image_files import read_aux_file
from mmseg_dplnet.utils.saliency import saliency_map
from .aux_display import (SCALINGS, colorize_aux, guess_modality,
                          is_stacked_image, split_stacked_image)

#: Legend layout, in pixels: swatch side, margin, font size, width per
#: character of a class name.
_LEGEND_SWATCH, _LEGEND_MARGIN, _LEGEND_FONT, _LEGEND_CHAR = 12, 6, 9, 8


@VISUALIZERS.register_module()
class MultimodalSegLocalVisualizer(SegLocalVisualizer):
    """Draw RGB | auxiliary | ground truth | prediction panels side by side.

    The auxiliary panel is a colour-mapped depth / thermal map (holes black)
    or the three HHA channels. It is found, per sample, in:

    - the image, when it is stacked ``(H, W, 3 + C)`` (the pipeline's image;
      the modality is ``metainfo['aux_modality']``, else guessed);
    - the file ``metainfo['aux_path']`` (modality ``metainfo['aux_modality']``)
      when the image is RGB, which is what mmseg's ``SegVisualizationHook``
      (``tools/test.py --show-dir``) passes.

    A sample with neither (an RGB-only model) is drawn as
    :class:`SegLocalVisualizer` draws it. Ground truth and prediction panels
    are drawn when present and requested (``draw_gt`` / ``draw_pred``), in
    the stock style, at the size of the RGB image; ``with_legend`` adds a
    strip with the colour and name of each class shown. A binary model's
    prediction (one-channel sigmoid ``seg_logits``, e.g. saliency) is drawn
    as its grey probability map and a red overlay instead
    (:meth:`saliency_panels`).

    Args:
        name (str): Name of the instance. Defaults to 'visualizer'.
        image (np.ndarray, optional): Initial RGB image. Defaults to None.
        vis_backends (list, optional): Visual backend configs.
        save_dir (str, optional): Where the backends save.
        classes (list, optional): Class names (else the dataset's).
        palette (list, optional): Class colours (else the dataset's).
        dataset_name (str, optional): mmseg dataset name for the defaults.
        alpha (float): Opacity of the label colours. Defaults to 0.8.
        aux_scaling (str): ``'percentile'`` or ``'minmax'``: how auxiliary
            values are spread over the colour map. Defaults to 'percentile'.
        aux_percentiles (tuple): Percentiles for ``'percentile'``. Defaults
            to (1, 99).
        backend_args (dict, optional): File backend of ``aux_path``.
        **kwargs: Other arguments of mmengine's ``Visualizer``.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[List[Dict]] = None,
                 save_dir: Optional[str] = None,
                 classes: Optional[List] = None,
                 palette: Optional[List] = None,
                 dataset_name: Optional[str] = None,
                 alpha: float = 0.8,
                 aux_scaling: str = 'percentile',
                 aux_percentiles: Tuple[float, float] = (1., 99.),
                 backend_args: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(name, image, vis_backends, save_dir, classes, palette,
                         dataset_name, alpha, **kwargs)
        # mmseg 1.2.2's __init__ passes classes and palette swapped
        self.set_dataset_meta(classes, palette, dataset_name)
        if aux_scaling not in SCALINGS:
            raise ValueError(f'aux_scaling must be one of {SCALINGS}, got '
                             f'{aux_scaling!r}')
        self.aux_scaling = aux_scaling
        self.aux_percentiles = tuple(aux_percentiles)
        self.backend_args = backend_args.copy() if backend_args else None

    def colorize_aux(self, aux: np.ndarray, modality: str) -> np.ndarray:
        """:func:`colorize_aux` with this visualiser's scaling."""
        return colorize_aux(aux, modality, self.aux_scaling,
                            self.aux_percentiles)

    def rgb_and_aux_panels(
        self, image: np.ndarray, data_sample: Optional[SegDataSample]
    ) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """The RGB panel and the auxiliary panel of a sample.

        Args:
            image (np.ndarray): RGB ``(H, W, 3)`` or stacked
                ``(H, W, 3 + C)`` image.
            data_sample (SegDataSample, optional): Its metainfo may name the
                auxiliary file and modality.

        Returns:
            tuple[np.ndarray, np.ndarray] | None: ``(H, W, 3)`` uint8 RGB
            images, or None when the sample has no auxiliary modality.
        """
        meta = data_sample.metainfo if data_sample is not None else {}
        modality = meta.get('aux_modality')
        if is_stacked_image(image):
            rgb, aux = split_stacked_image(image)
            return rgb, self.colorize_aux(aux, modality or guess_modality(aux))
        aux_path = meta.get('aux_path')
        if modality is None or aux_path is None:
            if modality is not None:
                warnings.warn(
                    f'sample {meta.get("img_path")} is {modality} but has no '
                    f'aux_path; drawing RGB only (pass the stacked image to '
                    f'draw the {modality} map)')
            return None
        aux = read_aux_file(
            aux_path,
            modality,
            backend_args=self.backend_args,
            rgbx_file_ok=True)
        rgb = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
        if aux.shape[:2] != rgb.shape[:2]:
            aux = mmcv.imresize(
                aux, (rgb.shape[1], rgb.shape[0]), interpolation='nearest')
        return rgb, self.colorize_aux(aux, modality)

    @staticmethod
    def _fit_to(sem_seg: PixelData, shape: Tuple[int, int]) -> PixelData:
        """A label map resized (nearest) to ``shape`` if it differs."""
        label = sem_seg.data
        label = label.cpu().numpy() if isinstance(label,
                                                  torch.Tensor) else label
        if label.shape[-2:] == tuple(shape):
            return sem_seg
        resized = mmcv.imresize(
            label[0].astype(np.uint8), (shape[1], shape[0]),
            interpolation='nearest')
        return PixelData(data=torch.from_numpy(resized[None].astype(np.int64)))

    def _class_meta(self) -> Tuple[List, List]:
        classes = self.dataset_meta.get('classes')
        palette = self.dataset_meta.get('palette')
        if classes is None:
            raise ValueError('the visualiser has no class names; set '
                             'visualizer.dataset_meta = dict(classes=..., '
                             'palette=...)')
        return classes, palette

    def label_panel(self,
                    rgb: np.ndarray,
                    sem_seg: PixelData,
                    with_labels: bool = True) -> np.ndarray:
        """A ground truth or prediction panel in the stock style: the class
        colours blended over ``rgb`` with this visualiser's ``alpha``.

        Args:
            rgb (np.ndarray): ``(H, W, 3)`` uint8 RGB image.
            sem_seg (PixelData): ``(1, h, w)`` class ids (resized, nearest,
                to the image's size if they differ).
            with_labels (bool): Write the class names on the regions.

        Returns:
            np.ndarray: ``(H, W, 3)`` uint8 RGB.
        """
        classes, palette = self._class_meta()
        return self._draw_sem_seg(rgb, self._fit_to(sem_seg, rgb.shape[:2]),
                                  classes, palette, with_labels)

    def saliency_panels(self, rgb: np.ndarray,
                        saliency: np.ndarray) -> List[np.ndarray]:
        """The grey saliency map and its overlay on the image.

        Args:
            rgb (np.ndarray): ``(H, W, 3)`` uint8 RGB image.
            saliency (np.ndarray): ``(h, w)`` probabilities in [0, 1]
                (resized, bilinear, to the image's size if they differ).

        Returns:
            list[np.ndarray]: ``(H, W, 3)`` uint8 RGB: the map (0 black, 1
            white) and the image tinted red in proportion to the saliency
            times this visualiser's ``alpha``.
        """
        height, width = rgb.shape[:2]
        if saliency.shape != (height, width):
            saliency = mmcv.imresize(saliency, (width, height),
                                     interpolation='bilinear')
        prob = np.clip(saliency, 0, 1)[..., None]
        grey = np.repeat(np.round(prob * 255), 3, axis=2).astype(np.uint8)
        weight = self.alpha * prob
        red = np.array([255., 0., 0.])
        overlay = rgb.astype(np.float32) * (1 - weight) + red * weight
        return [grey, np.round(overlay).astype(np.uint8)]

    def legend_panel(self, class_ids: Sequence[int], width: int) -> np.ndarray:
        """A strip with the colour swatch and the name of each class.

        Entries are laid out in rows of equal columns, as many as fit the
        width; a name too long for its column is cut at the border.

        Args:
            class_ids (Sequence[int]): Classes to list, in order.
            width (int): Width of the strip in pixels.

        Returns:
            np.ndarray: ``(h, width, 3)`` uint8 RGB, white; ``h`` is 0 when
            ``class_ids`` is empty.
        """
        classes, palette = self._class_meta()
        if not len(class_ids):
            return np.zeros((0, width, 3), dtype=np.uint8)
        names = [str(classes[i]) for i in class_ids]
        column = (_LEGEND_SWATCH + 2 * _LEGEND_MARGIN +
                  _LEGEND_CHAR * max(len(n) for n in names))
        columns = max(1, width // column)
        row_height = _LEGEND_SWATCH + _LEGEND_MARGIN
        rows = -(-len(names) // columns)
        self.set_image(
            np.full((rows * row_height + _LEGEND_MARGIN, width, 3),
                    255,
                    dtype=np.uint8))
        corners = np.array([(_LEGEND_MARGIN + (k % columns) * column,
                             _LEGEND_MARGIN + (k // columns) * row_height)
                            for k in range(len(names))])
        self.draw_bboxes(
            np.concatenate([corners, corners + _LEGEND_SWATCH], 1),
            edge_colors='black',
            face_colors=[tuple(int(c) for c in palette[i])
                         for i in class_ids],
            alpha=1.,
            line_widths=1)
        self.draw_texts(
            names,
            corners + [_LEGEND_SWATCH + _LEGEND_MARGIN, _LEGEND_SWATCH / 2],
            font_sizes=_LEGEND_FONT,
            colors='black',
            vertical_alignments='center')
        return self.get_image()

    def draw_panels(self,
                    image: np.ndarray,
                    data_sample: Optional[SegDataSample] = None,
                    draw_gt: bool = True,
                    draw_pred: bool = True,
                    with_labels: bool = True,
                    with_legend: bool = False) -> Optional[np.ndarray]:
        """Compose RGB | auxiliary | ground truth | prediction.

        Args:
            image (np.ndarray): RGB or stacked image.
            data_sample (SegDataSample, optional): Labels and metainfo.
            draw_gt (bool): Draw the ground truth panel if present.
            draw_pred (bool): Draw the prediction panel if present.
            with_labels (bool): Write class names on the label panels.
            with_legend (bool): Add a legend of the classes drawn below.

        Returns:
            np.ndarray | None: ``(H, k * W, 3)`` uint8 RGB (taller with the
            legend), or None when the sample has no auxiliary modality.
        """
        panels = self.rgb_and_aux_panels(image, data_sample)
        if panels is None:
            return None
        rgb = panels[0]
        drawn = list(panels)
        shown = []
        saliency = None if data_sample is None else saliency_map(
            data_sample)
        for key, requested in (('gt_sem_seg', draw_gt),
                               ('pred_sem_seg', draw_pred)):
            if not requested or data_sample is None or key not in data_sample:
                continue
            if key == 'pred_sem_seg' and saliency is not None:
                drawn += self.saliency_panels(rgb, saliency)
                continue
            sem_seg = data_sample.get(key)
            drawn.append(self.label_panel(rgb, sem_seg, with_labels))
            shown.append(np.unique(sem_seg.cpu().numpy().data))
        figure = np.concatenate(drawn, axis=1)
        if with_legend and shown:
            num_classes = len(self._class_meta()[0])
            ids = [int(i) for i in np.unique(np.concatenate(shown))
                   if 0 <= i < num_classes]
            figure = np.concatenate(
                [figure, self.legend_panel(ids, figure.shape[1])], axis=0)
        return figure

    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True,
                       with_legend: bool = False) -> None:
        """Draw a sample's panels and save them to the backends.

        The arguments are those of :meth:`SegLocalVisualizer.add_datasample`;
        ``image`` may also be a stacked ``(H, W, 3 + C)`` image.

        Args:
            name (str): The image identifier.
            image (np.ndarray): RGB ``(H, W, 3)`` (with
                ``metainfo['aux_path']``) or stacked image.
            data_sample (SegDataSample, optional): Labels and metainfo.
            draw_gt (bool): Draw the ground truth. Defaults to True.
            draw_pred (bool): Draw the prediction. Defaults to True.
            show (bool): Display the drawing. Defaults to False.
            wait_time (float): Display time in seconds. Defaults to 0.
            out_file (str, optional): Write the drawing there instead of to
                the backends.
            step (int): Global step recorded by the backends. Defaults to 0.
            with_labels (bool): Write class names on the label panels.
                Defaults to True.
            with_legend (bool): Add a legend of the classes drawn. Defaults
                to False.
        """
        drawn = self.draw_panels(image, data_sample, draw_gt, draw_pred,
                                 bool(with_labels), with_legend)
        if drawn is None:
            super().add_datasample(name, image, data_sample, draw_gt,
                                   draw_pred, show, wait_time, out_file, step,
                                   with_labels)
            return
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)
        else:
            self.add_image(name, drawn, step)
