"""Salient object detection (RGB-D / RGB-T SOD) metrics of pysodmetrics."""
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from mmengine.utils import mkdir_or_exist
from prettytable import PrettyTable

from mmseg.registry import METRICS

#: The keys of one set's metrics, in the order they are returned.
SOD_KEYS = ('Sm', 'maxFm', 'meanFm', 'adpFm', 'maxEm', 'meanEm', 'adpEm',
            'wFm', 'MAE')
#: The columns of the printed table.
TABLE_KEYS = ('Sm', 'maxFm', 'maxEm', 'MAE')


def sod_sample_stats(pred: np.ndarray, gt: np.ndarray) -> Dict[str, Any]:
    """Run pysodmetrics' measures on one saliency map.

    Args:
        pred (np.ndarray): The uint8 saliency map, 0-255, (H, W).
        gt (np.ndarray): The uint8 ground truth, 0 or 255, (H, W).

    Returns:
        dict: This image's S-measure ``sm``, weighted F-measure ``wfm``,
        ``mae``, adaptive E- and F-measures ``adp_em`` and ``adp_fm``, and
        the E- and F-measures at the 256 thresholds, ``em_curve`` and
        ``fm_curve`` (256,).
    """
    # imported here: py_sod_metrics imports scikit-learn and scikit-image,
    # seconds that `import mmseg_dplnet` should not cost everyone
    import py_sod_metrics as sod
    sm, em, wfm, mae = (sod.Smeasure(), sod.Emeasure(),
                        sod.WeightedFmeasure(), sod.MAE())
    fm = sod.FmeasureV2(
        metric_handlers=dict(
            fm=sod.FmeasureHandler(
                with_adaptive=True, with_dynamic=True, beta=0.3)))
    for measure in (sm, em, wfm, mae, fm):
        measure.step(pred, gt)
    em_results = em.get_results()['em']
    fm_results = fm.get_results()['fm']
    return dict(
        sm=float(sm.get_results()['sm']),
        wfm=float(wfm.get_results()['wfm']),
        mae=float(mae.get_results()['mae']),
        adp_em=float(em_results['adp']),
        em_curve=np.asarray(em_results['curve'], dtype=np.float64),
        adp_fm=float(fm_results['adaptive']),
        fm_curve=np.asarray(fm_results['dynamic'], dtype=np.float64))


def sod_set_metrics(stats: Sequence[Dict[str, Any]]) -> Dict[str, float]:
    """Combine the per-image statistics of one test set.

    Args:
        stats (Sequence[dict]): :func:`sod_sample_stats` of each image.

    Returns:
        dict[str, float]: The :data:`SOD_KEYS`. Scalars are means over the
        images; max and mean F / E are the max and the mean of the curve
        averaged over the images (pysodmetrics' ``get_results``).
    """

    def mean(name: str) -> np.ndarray:
        # the reduction of pysodmetrics' get_results, so that the values
        # equal its stateful measures stepped over the whole set
        return np.mean(
            np.array([s[name] for s in stats], dtype=np.float64), axis=0)

    fm_curve, em_curve = mean('fm_curve'), mean('em_curve')
    values = dict(
        Sm=mean('sm'),
        maxFm=fm_curve.max(),
        meanFm=fm_curve.mean(),
        adpFm=mean('adp_fm'),
        maxEm=em_curve.max(),
        meanEm=em_curve.mean(),
        adpEm=mean('adp_em'),
        wFm=mean('wfm'),
        MAE=mean('mae'))
    return {key: float(values[key]) for key in SOD_KEYS}


@METRICS.register_module()
class SODMetric(BaseMetric):
    """The standard salient object detection metrics, per test set.

    S-measure ``Sm``, max / mean / adaptive F-measure (beta^2 = 0.3)
    ``maxFm``, ``meanFm``, ``adpFm``, max / mean / adaptive E-measure
    ``maxEm``, ``meanEm``, ``adpEm``, weighted F-measure ``wFm`` and ``MAE``,
    as pysodmetrics (the Python port of Fan's MATLAB toolbox) computes them
    from 0-255 saliency maps at the ground truth's size. As that toolbox
    does, each map is min-max normalised before the measures (a constant map
    is left as it is): a map of 0.1 and 0.9 scores as one of 0 and 1.

    It needs a binary model: mmseg's ``EncoderDecoder`` with a decode head of
    ``out_channels=1``, whose ``seg_logits`` are then the sigmoid saliency
    probabilities at the image's original size. The ground truth must be
    0 / 1 (``gt_sem_seg``).

    Several test sets can be evaluated in one run: each sample names its
    set in its metainfo under ``set_key``. One table is printed (a row per
    set: Sm, maxFm, maxEm, MAE). The returned keys are the plain
    :data:`SOD_KEYS` for one set (``save_best='Sm'``), and for several sets
    ``'<set>/<key>'`` plus ``'mean/<key>'``, the unweighted mean of the
    sets' values (one number for ``save_best='mean/Sm'``; the papers report
    the sets separately).

    Args:
        set_key (str): Metainfo key of a sample's test set name. Samples
            without it form one unnamed set. Defaults to 'set_name'.
        output_dir (str, optional): Where to write each sample's uint8
            saliency map, the map that is evaluated, as
            ``<output_dir>/<set>/<gt stem>.png`` (directly in
            ``output_dir`` without a set name), the layout the SOD
            evaluation toolboxes read. Defaults to None: no maps.
        format_only (bool): Only write the maps and return no metrics (the
            ground truth is then not needed). Defaults to False.
        collect_device (str): Device for gathering across ranks, 'cpu' or
            'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None.
        **kwargs: Ignored, as by mmseg's ``IoUMetric`` (mmseg's
            ``tools/test.py --out`` adds ``keep_results``).
    """

    #: The key of the unweighted mean over several sets.
    MEAN_SET = 'mean'

    def __init__(self,
                 set_key: str = 'set_name',
                 output_dir: Optional[str] = None,
                 format_only: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 **kwargs) -> None:
        # kwargs: as IoUMetric, accept what mmseg's test.py --out adds
        # (keep_results), which the maps written here make moot
        super().__init__(collect_device=collect_device, prefix=prefix)
        if format_only and output_dir is None:
            raise ValueError(f'{type(self).__name__}(format_only=True) only '
                             f'writes maps: it needs output_dir')
        import py_sod_metrics  # noqa: F401  (fail when built, not at test)
        self.set_key = set_key
        self.output_dir = output_dir
        self.format_only = format_only

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Measure (and write) the saliency maps of a batch.

        Args:
            data_batch (Any): The batch (unused).
            data_samples (Sequence[dict]): The model's outputs with
                ``seg_logits`` and, unless ``format_only``, ``gt_sem_seg``.
        """
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            set_name = sample.get(self.set_key)
            gt = None if self.format_only else self._binary_gt(sample)
            if gt is not None:
                size = gt.shape
            elif 'gt_sem_seg' in sample:  # format_only: maps as evaluated
                size = tuple(sample['gt_sem_seg']['data'].shape[-2:])
            else:
                size = None
            pred = self._saliency_map(sample, size)
            if self.output_dir is not None:
                self._write(pred, sample, set_name)
            if gt is not None:
                # Per-image values, not the maps: pysodmetrics' results are
                # plain means over images of them (1.6.2's get_results), so
                # this is exact, costs ~4 KB a sample instead of the maps'
                # ~0.6 MB at 640x480 (3 GB for 5000 images, gathered on one
                # rank by collect_results), and spreads the work over ranks.
                stats = sod_sample_stats(pred, gt.astype(np.uint8) * 255)
                self.results.append(dict(set_name=set_name, **stats))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Group the samples by set, compute and print the metrics.

        Args:
            results (list[dict]): :func:`sod_sample_stats` of each sample
                with its ``set_name``.

        Returns:
            dict[str, float]: The metrics (see the class docstring); empty
            with ``format_only``.
        """
        if self.format_only:
            print_log(
                f'saliency maps are written to {self.output_dir}',
                logger='current')
            return {}
        sets: Dict[Optional[str], List[dict]] = OrderedDict()
        for result in results:  # the sets in order of first appearance
            sets.setdefault(result['set_name'], []).append(result)
        per_set = OrderedDict(
            (name, sod_set_metrics(stats)) for name, stats in sets.items())
        if len(per_set) == 1:
            metrics = dict(next(iter(per_set.values())))
            rows = [('all' if None in per_set else next(iter(per_set)),
                     metrics)]
        else:
            self._check_set_names(list(per_set))
            mean = {
                key: float(np.mean([values[key]
                                    for values in per_set.values()]))
                for key in SOD_KEYS
            }
            rows = list(per_set.items()) + [(self.MEAN_SET, mean)]
            metrics = {
                f'{name}/{key}': values[key]
                for name, values in rows for key in SOD_KEYS
            }
        table = PrettyTable(field_names=('Set', ) + TABLE_KEYS)
        for index, (name, values) in enumerate(rows):
            cells = [f'{values[key]:.3f}' for key in TABLE_KEYS]
            # a line above the mean row
            table.add_row([name] + cells, divider=index == len(rows) - 2)
        counts = ', '.join(f'{name or "all"} {len(stats)}'
                           for name, stats in sets.items())
        print_log(f'SOD metrics ({counts} images):', logger='current')
        print_log('\n' + table.get_string(), logger='current')
        return metrics

    def _check_set_names(self, names: List[Optional[str]]) -> None:
        if None in names:
            raise ValueError(
                f'{type(self).__name__}: some samples name their test set '
                f'under metainfo key {self.set_key!r} and some do not; the '
                f'unnamed ones would have no key prefix')
        if self.MEAN_SET in names:
            raise ValueError(
                f'{type(self).__name__}: a test set is named '
                f'{self.MEAN_SET!r}, the prefix of the mean over the sets')

    def _binary_gt(self, sample: dict) -> np.ndarray:
        """Return the sample's ground truth as a bool (H, W) array."""
        if 'gt_sem_seg' not in sample:
            raise ValueError(
                f'{type(self).__name__} needs gt_sem_seg (or format_only='
                f'True) for {sample.get("img_path")}')
        gt = sample['gt_sem_seg']['data'].squeeze(0).cpu()
        if gt.ndim != 2 or ((gt != 0) & (gt != 1)).any():
            values = torch.unique(gt)[:10].tolist()
            raise ValueError(
                f'{type(self).__name__} needs a 0/1 (1, H, W) ground truth, '
                f'got shape {tuple(gt.shape)} with values {values} for '
                f'{sample.get("seg_map_path")}: binarise the ground truth '
                f'in the dataset (SOD masks: value > 128)')
        return gt.numpy().astype(bool)

    def _saliency_map(self, sample: dict,
                      size: Optional[Tuple[int, int]]) -> np.ndarray:
        """Return the uint8 0-255 saliency map, at ``size`` (the ground
        truth's (H, W)) when given."""
        if 'seg_logits' not in sample:
            raise ValueError(
                f'{type(self).__name__} needs seg_logits, the saliency '
                f'probabilities of a binary model (decode head '
                f'out_channels=1), for {sample.get("img_path")}')
        prob = sample['seg_logits']['data'].detach().cpu()
        if prob.ndim != 3 or prob.shape[0] != 1:
            raise ValueError(
                f'{type(self).__name__} needs a binary model (decode head '
                f'out_channels=1, one sigmoid channel); seg_logits has shape '
                f'{tuple(prob.shape)} for {sample.get("img_path")}')
        prob = prob.double()
        if prob.min() < 0 or prob.max() > 1:
            raise ValueError(
                f'{type(self).__name__} needs probabilities in [0, 1] (a '
                f'binary mmseg model gives sigmoid scores), got '
                f'[{prob.min():.3g}, {prob.max():.3g}] for '
                f'{sample.get("img_path")}')
        if size is not None and tuple(prob.shape[1:]) != tuple(size):
            # mmseg resizes seg_logits to the image's ori_shape; the ground
            # truth differs from it when the pipeline resized it (loaded
            # before a Resize) or when a set's mask files are not the size of
            # their images. The measures need both at the ground truth's
            # size; resized before quantising to round once.
            prob = F.interpolate(
                prob[None], size=tuple(size), mode='bilinear',
                align_corners=False)[0]
        return np.round(prob[0].numpy() * 255).astype(np.uint8)

    def _write(self, pred: np.ndarray, sample: dict,
               set_name: Optional[str]) -> None:
        """Write the map as ``<output_dir>/<set>/<stem>.png``."""
        path = sample.get('seg_map_path') or sample.get('img_path')
        if not path:
            raise ValueError(
                f'{type(self).__name__} names a written map after the '
                f'sample\'s seg_map_path (or img_path); the sample has none')
        folder = self.output_dir
        if set_name is not None:
            folder = osp.join(folder, str(set_name))
        mkdir_or_exist(folder)
        stem = osp.splitext(osp.basename(path))[0]
        file = osp.join(folder, stem + '.png')
        if not mmcv.imwrite(pred, file):
            raise OSError(f'{type(self).__name__} could not write {file}')
