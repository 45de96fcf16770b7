"""Tiny RGB-D / RGB-T salient object detection sets in the community
packagings, with the real folder names and file suffixes, for the tests.

Every writer returns a :class:`SODFixture` recording the arrays and files it
wrote. The patterns depend on the position and the sample (so a misaligned
modality, a flip, a channel swap or a sample of another set changes the
values); every mask is a soft disc off the image's centre whose edge ramps
through 128, so JPEG masks carry compression noise right at the threshold.
"""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

import rgbx_fixtures as fx

H, W = fx.H, fx.W  # 24 x 32
#: JPEG quality of the written masks (noisier than OpenCV's default 95).
MASK_JPEG_QUALITY = 75


@dataclass
class SODSample:
    """The arrays and files written for one sample."""
    rgb: np.ndarray  # (h, w, 3) uint8, R, G, B
    aux: np.ndarray  # (h, w) uint8 depth / thermal
    mask: np.ndarray  # (h, w) uint8 mask before any compression
    files: Dict[str, str] = field(default_factory=dict)  # rgb / aux / gt

    @property
    def rgb_lossless(self) -> bool:
        return not self.files['rgb'].endswith('.jpg')

    @property
    def aux_lossless(self) -> bool:
        return not self.files['aux'].endswith('.jpg')

    def decoded_mask(self) -> np.ndarray:
        """The ground-truth file as decoded (JPEG noise included)."""
        mask = cv2.imread(self.files['gt'], cv2.IMREAD_UNCHANGED)
        return mask if mask.ndim == 2 else mask[..., 0]

    def binary_gt(self) -> np.ndarray:
        """The 0 / 1 ground truth the pipeline must give: decoded > 128."""
        return (self.decoded_mask() > 128).astype(np.uint8)


@dataclass
class SODFixture:
    """A written packaging: its root and the samples of each set, keyed by
    the datasets' ``set_name`` ('train', 'NJU2K', 'NJU2K-train', ...)."""
    root: str
    sets: Dict[str, Dict[str, SODSample]] = field(default_factory=dict)


def make_sod_sample(index: int, size: Tuple[int, int] = (H, W)) -> SODSample:
    """Deterministic, position-dependent arrays of one sample.

    Args:
        index (int): Shifts every pattern (keep it below 10).
        size (tuple): ``(h, w)``.
    """
    h, w = size
    y, x = np.mgrid[:h, :w]
    rgb = fx.make_sample(index, 2, size).rgb
    # smooth (JPEG keeps it within a few levels), asymmetric in x and y
    aux = (10 + 5 * x + 3 * y + 2 * index).astype(np.uint8)
    cy, cx = 9 + index % 4, 10 + 2 * (index % 3)
    radius = np.hypot(y - cy, x - cx)
    mask = np.clip(128 + 30 * (6.5 - radius), 0, 255).round()
    mask = mask.astype(np.uint8)
    # the threshold itself: 128 is background, 129 salient
    mask[0, :3] = (127, 128, 129)
    return SODSample(rgb, aux, mask)


def _write(path: str,
           array: np.ndarray,
           rgb: bool = False,
           quality: Optional[int] = None) -> None:
    """Write an image (RGB order when ``rgb``) with an optional JPEG
    quality, creating its folder."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    if rgb:  # OpenCV writes B, G, R
        array = np.ascontiguousarray(array[..., ::-1])
    params = [] if quality is None else [cv2.IMWRITE_JPEG_QUALITY, quality]
    assert cv2.imwrite(path, array, params), path


@dataclass(frozen=True)
class Folders:
    """The subfolders and suffixes of one packaged set."""
    rgb: str
    aux: str
    gt: str
    rgb_ext: str = '.jpg'
    aux_ext: str = '.png'
    gt_ext: str = '.png'
    #: write the auxiliary image as 3 equal channels (a grey image stored
    #: as colour)
    aux_as_colour: bool = False


SPNET = Folders('RGB', 'depth', 'GT')
CAVER = Folders('Image', 'Depth', 'Mask')


def write_set(folder: str,
              names: Sequence[str],
              first_index: int,
              spec: Folders) -> Dict[str, SODSample]:
    """Write the samples ``names`` of one set folder.

    Args:
        folder (str): The set folder.
        names (Sequence[str]): Sample names.
        first_index (int): Pattern index of the first sample.
        spec (Folders): Subfolders and suffixes.

    Returns:
        dict[str, SODSample]: The samples by name.
    """
    written = {}
    for offset, name in enumerate(names):
        sample = make_sod_sample((first_index + offset) % 10)
        files = dict(
            rgb=osp.join(folder, spec.rgb, name + spec.rgb_ext),
            aux=osp.join(folder, spec.aux, name + spec.aux_ext),
            gt=osp.join(folder, spec.gt, name + spec.gt_ext))
        _write(files['rgb'], sample.rgb, rgb=True)
        aux = np.dstack([sample.aux] * 3) if spec.aux_as_colour else sample.aux
        _write(files['aux'], aux)
        _write(
            files['gt'],
            sample.mask,
            quality=MASK_JPEG_QUALITY if spec.gt_ext == '.jpg' else None)
        sample.files = files
        written[name] = sample
    return written


def _names(count: int, start: int = 1) -> List[str]:
    return [str(start + i) for i in range(count)]


def write_rgbd_spnet(root: str,
                     train_folder: str = 'TrainDataset',
                     test_parent: str = 'TestDataset') -> SODFixture:
    """SPNet / DFormer-SOD (``TrainDataset/``, ``TestDataset/<SET>/``) or,
    with ``RGBD_for_train`` / ``RGBD_for_test``, BBS-Net: ``{RGB, depth,
    GT}`` everywhere. DES is packaged as ``RGBD135``, DUT-RGBD as ``DUT``,
    LFSD's depth as ``.bmp``."""
    fixture = SODFixture(root)
    fixture.sets['train'] = write_set(
        osp.join(root, train_folder), _names(3), 0, SPNET)
    tests = [('NJU2K', 'NJU2K', 2, SPNET), ('NLPR', 'NLPR', 2, SPNET),
             ('DES', 'RGBD135', 1, SPNET), ('SIP', 'SIP', 1, SPNET),
             ('LFSD', 'LFSD', 2, Folders('RGB', 'depth', 'GT',
                                         aux_ext='.bmp')),
             ('DUT-RGBD', 'DUT', 1, SPNET)]
    for index, (set_name, folder, count, spec) in enumerate(tests):
        # the same file names in every set, other patterns
        fixture.sets[set_name] = write_set(
            osp.join(root, test_parent, folder), _names(count), 3 + index,
            spec)
    return fixture


#: CAVER's whole-set folders: set -> (folder, train names, test names, list
#: file stem)
CAVER_FULL = {
    'NJU2K': ('NJUD_FULL', ['000003_left', '000001_left', '000004_left'],
              ['000002_left', '000005_left'], 'njud'),
    'NLPR': ('NLPR_FULL', ['1_02-02-40', '4_05-34-16'],
             ['2_02-05-29', '3_03-06-51'], 'nlpr'),
}


def write_rgbd_caver(root: str) -> SODFixture:
    """CAVER: ``<SET>/{Image,Depth,Mask}``; NJU2K and NLPR whole in
    ``NJUD_FULL/`` / ``NLPR_FULL/`` with its name lists in ``root``
    (``njud_train_jw_name_list.lst`` ...); DUT-RGBD as
    ``DUTLF-Depth/{Train,Test}/{RGB,depth,GT}``."""
    fixture = SODFixture(root)
    os.makedirs(root, exist_ok=True)
    index = 0
    for set_name, (folder, train, test, stem) in CAVER_FULL.items():
        written = write_set(
            osp.join(root, folder), sorted(train + test), index, CAVER)
        for part, part_names in (('train', train), ('test', test)):
            with open(
                    osp.join(root, f'{stem}_{part}_jw_name_list.lst'),
                    'w') as f:
                f.write(''.join(name + '\n' for name in part_names))
            # in the order of the name list
            key = set_name + ('-train' if part == 'train' else '')
            fixture.sets[key] = {name: written[name] for name in part_names}
        index += len(written)
    for set_name, folder in (('DES', 'RGBD135'), ('SIP', 'SIP'),
                             ('LFSD', 'LFSD'), ('STERE', 'STEREO1000'),
                             ('SSD', 'SSD')):
        fixture.sets[set_name] = write_set(
            osp.join(root, folder), _names(1), index, CAVER)
        index += 1
    fixture.sets['DUT-RGBD-train'] = write_set(
        osp.join(root, 'DUTLF-Depth', 'Train'), _names(2), index, SPNET)
    fixture.sets['DUT-RGBD'] = write_set(
        osp.join(root, 'DUTLF-Depth', 'Test'), _names(1, 3), index + 2,
        SPNET)
    return fixture


#: The RGB-T packagings (CAVER's datasets.py): folder -> (set_name, count,
#: subfolders and suffixes)
VT_SETS = {
    'VT5000/Train': ('train', 3,
                     Folders('RGB', 'T', 'GT', aux_ext='.jpg',
                             aux_as_colour=True)),
    'VT5000/Test': ('VT5000', 2,
                    Folders('RGB', 'T', 'GT', aux_ext='.jpg',
                            aux_as_colour=True)),
    'VT1000': ('VT1000', 2,
               Folders('RGB', 'T', 'GT', aux_ext='.bmp', gt_ext='.jpg')),
    'VT821': ('VT821', 2,
              Folders('RGB', 'thermal', 'GT', aux_ext='.jpg',
                      gt_ext='.jpg')),
}


def write_rgbt_vt(root: str) -> SODFixture:
    """VT5000 ``{Train,Test}/{RGB,T,GT}`` (T: 3-channel grey JPEG, GT PNG),
    VT1000 ``{RGB,T,GT}`` (T: BMP, GT: JPEG), VT821 ``{RGB,thermal,GT}``
    (thermal and GT: JPEG)."""
    fixture = SODFixture(root)
    for index, (folder, (set_name, count, spec)) in enumerate(
            VT_SETS.items()):
        fixture.sets[set_name] = write_set(
            osp.join(root, folder), _names(count), 2 * index, spec)
    return fixture
