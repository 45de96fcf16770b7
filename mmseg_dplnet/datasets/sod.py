"""RGB-D and RGB-T salient object detection (SOD) sets, in their packagings.

A SOD dataset is one SET (NJU2K, VT1000, ...) or the training set: ``split``
names it. The set's folder is found under ``data_root`` among the folder
names the set is distributed under (its aliases, e.g. ``RGBD135`` for DES)
and the parents the packagings put it in (``TestDataset/``); inside it, the
``LAYOUTS`` name the RGB, auxiliary and ground-truth folders, as for the
segmentation sets. In the layouts' templates ``{split}`` stands for that set
folder.
"""
import dataclasses
import logging
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

import mmengine.fileio as fileio
from mmengine.logging import print_log

from mmseg.registry import DATASETS
from .multimodal_dataset import (MultiModalSegDataset, RGBXLayout,
                                 SampleSources)
from .sample_files import Suffixes

SOD_CLASSES = ('background', 'salient')
SOD_PALETTE = [[0, 0, 0], [255, 255, 255]]

#: ``split`` of the training set.
TRAIN_SPLIT = 'train'
#: Ending of a split naming the training part of one set (``NJU2K-train``).
TRAIN_PART_SUFFIX = '-train'
#: Subfolders holding a set's test / training part in some packagings
#: (``VT5000/Test``, ``DUTLF-Depth/Train``); '' is the set folder itself.
PART_SUBFOLDERS = dict(test=('Test', 'test', ''), train=('Train', 'train'))


@dataclass(frozen=True)
class FullSetFolders:
    """A set distributed whole, its training and test images in one folder,
    the parts given by name lists (CAVER's ``NJUD_FULL/`` with
    ``datasets/njud_{train,test}_jw_name_list.lst``).

    Args:
        folders (tuple[str]): Folder names of the whole set.
        name_lists (Mapping[str, str]): ``'train'`` / ``'test'`` -> the name
            list of that part, a file in ``data_root``.
    """
    folders: Tuple[str, ...]
    name_lists: Mapping[str, str]


@dataclass(frozen=True)
class SetFolder:
    """A candidate folder of the requested set (relative to data_root), and
    the name list that selects its samples (None: all images)."""
    folder: str
    name_list: Optional[str] = None


def _join(*parts: str) -> str:
    """Join relative folder parts with '/', skipping empty ones."""
    return '/'.join(part.strip('/') for part in parts if part)


@DATASETS.register_module()
class SODDataset(MultiModalSegDataset):
    """Base of the salient object detection datasets: one set per dataset.

    Classes ``background`` (0) and ``salient`` (1), drawn black and white.
    Ground truths are 8-bit grey masks (PNG, JPEG or BMP) that
    :class:`~mmseg_dplnet.datasets.transforms.LoadSaliencyMask` binarises
    with ``value > 128``; the auxiliary files are single-channel (a
    3-channel file with equal channels is accepted, see
    :func:`~mmseg_dplnet.datasets.transforms.read_aux_file`).

    ``split`` names what to load:

    - ``'train'``: the packaging's training set (``TRAIN_FOLDERS``);
    - a set name (``'NJU2K'``) or one of its aliases (``'NJUD'``; case
      does not matter): the set's test part. Its folder is looked for as
      ``<parent>/<alias>/<part>`` for every parent of ``TEST_PARENTS``,
      alias of ``SET_ALIASES`` and part of ``Test``, ``test``, none; then as
      a whole-set folder of ``FULL_SETS`` with its test name list;
    - ``'<set>-train'`` (``'NJU2K-train'``): the training part of a set
      distributed per set (``<alias>/Train`` or a whole-set folder with its
      training name list), for a ``ConcatDataset`` of training parts;
    - any other name: a set folder of that name (e.g. ``'ReDWeb-S'``).

    Every sample's info carries ``set_name``: the canonical set name
    (``'DES'`` for split ``'RGBD135'``), ``'<set>-train'``, or ``'train'``;
    add it to ``PackSegInputs``' ``meta_keys`` so that ``SODMetric`` reports
    each set of a ``ConcatDataset`` separately. The datasets' ``metainfo``
    (classes, palette) is the same for every set, as mmengine's
    ``ConcatDataset`` requires.

    The number of samples is checked against the official size of the set
    (``SPLIT_SIZES``): a count matching none of its conventions is a warning,
    a count matching one of several conventions is logged with it.

    Used directly, it reads any SOD set given by ``data_prefix``
    (``img_path``, ``aux_path``, ``seg_map_path``) with these classes.

    Args:
        split (str, optional): The set, see above; required by the
            subclasses, which find it from ``data_root``.
        name_list (str, optional): A file of sample names (one per line)
            selecting the set folder's samples, relative to ``data_root`` or
            absolute; replaces a whole-set folder's default list.
        set_name (str, optional): ``set_name`` of the samples. Defaults to
            the canonical name of ``split``.
        img_suffix: Candidate RGB extensions. Defaults to
            ('.jpg', '.png', '.bmp').
        seg_map_suffix: Candidate ground-truth extensions. Defaults to
            ('.png', '.jpg', '.bmp').
        aux_suffix: Candidate auxiliary extensions; see the subclasses.
        **kwargs: See :class:`MultiModalSegDataset`.
    """
    METAINFO = dict(classes=SOD_CLASSES, palette=SOD_PALETTE)
    #: Canonical set name -> folder names the set is distributed under,
    #: the canonical one first.
    SET_ALIASES: Dict[str, Tuple[str, ...]] = {}
    #: Folders of the training set (split 'train'), relative to data_root.
    TRAIN_FOLDERS: Tuple[str, ...] = ()
    #: Folders holding the test sets' folders ('' is data_root itself).
    TEST_PARENTS: Tuple[str, ...] = ('', )
    #: Sets distributed whole with name lists of their parts.
    FULL_SETS: Dict[str, FullSetFolders] = {}
    #: ``set_name`` -> its official sizes, one per convention (the most
    #: used first).
    SPLIT_SIZES: Dict[str, Tuple[int, ...]] = {}
    #: ``set_name`` whose official size could not be verified.
    UNVERIFIED_SIZES: Tuple[str, ...] = ()
    #: Added to the error when no training folder is found.
    TRAIN_HINT: str = ''

    def __init__(self,
                 split: Optional[str] = None,
                 name_list: Optional[str] = None,
                 set_name: Optional[str] = None,
                 img_suffix: Suffixes = ('.jpg', '.png', '.bmp'),
                 seg_map_suffix: Suffixes = ('.png', '.jpg', '.bmp'),
                 aux_suffix: Suffixes = ('.png', '.jpg', '.bmp'),
                 **kwargs) -> None:
        self.name_list = name_list
        self.set_key, self.part = self.parse_split(split)
        self.set_name = set_name or self.set_key
        self.set_folder: Optional[str] = None
        super().__init__(
            split=split,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            aux_suffix=aux_suffix,
            **kwargs)

    # ------------------------------------------------------------------
    # set names
    # ------------------------------------------------------------------
    @classmethod
    def canonical_set(cls, name: str) -> str:
        """The canonical name of a set name or alias (case-insensitive);
        an unknown name is returned as it is.

        Args:
            name (str): A set name, e.g. ``'njud'``.

        Returns:
            str: e.g. ``'NJU2K'``.
        """
        for canonical, aliases in cls.SET_ALIASES.items():
            if name.lower() in (a.lower() for a in (canonical, ) + aliases):
                return canonical
        return name

    @classmethod
    def parse_split(cls, split: Optional[str]) -> Tuple[Optional[str], str]:
        """The set name and part (``'train'`` / ``'test'``) of a split.

        Args:
            split (str, optional): ``'train'``, ``'<set>'`` or
                ``'<set>-train'``.

        Returns:
            tuple: ``(set_name, part)``, e.g. ``('NJU2K-train', 'train')``;
            ``(None, 'test')`` without split.
        """
        if split is None:
            return None, 'test'
        if split.lower() == TRAIN_SPLIT:
            return TRAIN_SPLIT, 'train'
        if split.lower().endswith(TRAIN_PART_SUFFIX):
            name = cls.canonical_set(split[:-len(TRAIN_PART_SUFFIX)])
            return name + TRAIN_PART_SUFFIX, 'train'
        return cls.canonical_set(split), 'test'

    def _base_set(self) -> str:
        """The set name without its ``-train`` ending."""
        if self.part == 'train' and self.set_key != TRAIN_SPLIT:
            return self.set_key[:-len(TRAIN_PART_SUFFIX)]
        return self.set_key

    def set_folders(self) -> List[SetFolder]:
        """The folders where the requested set may be, in search order.

        Returns:
            list[SetFolder]: Candidates relative to ``data_root``.
        """
        if self.set_key == TRAIN_SPLIT:
            return [SetFolder(folder) for folder in self.TRAIN_FOLDERS]
        name = self._base_set()
        aliases = (name, ) + tuple(
            a for a in self.SET_ALIASES.get(name, ()) if a != name)
        parents = self.TEST_PARENTS if self.part == 'test' else ('', )
        candidates = [
            SetFolder(_join(parent, alias, sub)) for parent in parents
            for alias in aliases for sub in PART_SUBFOLDERS[self.part]
        ]
        full = self.FULL_SETS.get(name)
        if full is not None:
            candidates += [
                SetFolder(folder, full.name_lists[self.part])
                for folder in full.folders
            ]
        return candidates

    # ------------------------------------------------------------------
    # where the files are
    # ------------------------------------------------------------------
    @staticmethod
    def _in_folder(layout: RGBXLayout, folder: str) -> RGBXLayout:
        """``layout`` with its ``{split}`` replaced by a set folder."""

        def fill(template: Optional[str]) -> Optional[str]:
            return None if template is None else template.replace(
                '{split}', folder)

        return dataclasses.replace(
            layout,
            img_dir=fill(layout.img_dir),
            aux_dir=fill(layout.aux_dir),
            seg_map_dir=fill(layout.seg_map_dir))

    def _aux_present(self, layout: RGBXLayout) -> bool:
        """Whether a set-folder layout has its auxiliary folder."""
        if layout.aux_dir is None:
            return True
        if self.aux_dir is None and self.aux_modality not in (
                layout.aux_folders):
            return False
        return fileio.isdir(
            layout.path(self.data_root, layout.aux_dir, self.split,
                        self.aux_folder_name(layout)),
            backend_args=self.backend_args)

    def _find_layout(self) -> RGBXLayout:
        """The first layout and set folder present under ``data_root``.

        Layouts whose auxiliary folder exists win; otherwise the first one
        with RGB and ground-truth folders is used (and its missing auxiliary
        folder reported by name).

        Returns:
            RGBXLayout: The layout, its templates filled with the set folder.
        """
        if self.data_root is None:
            raise ValueError(f'{type(self).__name__}: data_root is required '
                             f'to find the set')
        layouts = [
            layout for layout in self.LAYOUTS
            if self.layout in ('auto', layout.name)
        ]
        found = []
        for layout in layouts:
            for candidate in self.set_folders():
                concrete = self._in_folder(layout, candidate.folder)
                if concrete.is_present(self.data_root, self.split,
                                       self.backend_args):
                    found.append((concrete, candidate))
        if not found:
            self._raise_not_found(layouts)
        concrete, candidate = next(
            (item for item in found if self._aux_present(item[0])), found[0])
        self.set_folder = candidate.folder
        self._set_name_list(candidate)
        return concrete

    def _set_name_list(self, candidate: SetFolder) -> None:
        """Record the name list of the found folder (``name_list`` wins)."""
        if self.name_list is not None:
            self._name_list_path = fileio.join_path(self.data_root,
                                                    self.name_list)
            return
        if candidate.name_list is None:
            self._name_list_path = None
            return
        path = fileio.join_path(self.data_root, candidate.name_list)
        if not fileio.exists(path, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{self._describe()}: {candidate.folder}/ holds all of '
                f'{self._base_set()}, its training and test images; the '
                f'{self.part} samples are those of the name list '
                f'{candidate.name_list}, which is not in {self.data_root}. '
                f'Copy it there from lartpang/CAVER (datasets/'
                f'{candidate.name_list}) or give name_list=.')
        self._name_list_path = path

    def _raise_not_found(self, layouts: List[RGBXLayout]) -> None:
        """Say where the set was looked for."""
        trees = '\n'.join(f'  - {layout.name}: {layout.tree}'
                          for layout in layouts)
        folders = ', '.join(c.folder + ('' if c.name_list is None else
                                        f' (with {c.name_list})')
                            for c in self.set_folders())
        known = ', '.join(
            f'{name} ({", ".join(aliases)})' if aliases else name
            for name, aliases in self.SET_ALIASES.items())
        hint = f'\n{self.TRAIN_HINT}' if (self.set_key == TRAIN_SPLIT
                                          and self.TRAIN_HINT) else ''
        raise FileNotFoundError(
            f'{type(self).__name__}: set {self.split!r} not found under '
            f'{self.data_root}. Its folder was looked for as: {folders or "-"}'
            f'; with the subfolders of one of the layouts:\n{trees}\n'
            f'Known sets (and the folder names they go by): {known}; '
            f'"train" for the training set, "<set>-train" for the training '
            f'part of a set. Link the sets there (see data/README.md), set '
            f'data_root, or give data_prefix explicitly.{hint}')

    def _resolve_sources(self) -> SampleSources:
        """Folders of the set, and its name list when it has one."""
        self._name_list_path = None
        sources = super()._resolve_sources()
        if self._explicit_prefix:
            if self.name_list is not None:
                raise ValueError(
                    f'{type(self).__name__}: name_list selects samples of a '
                    f'found set folder; with data_prefix give ann_file')
            return sources
        if self._name_list_path is not None:
            sources = dataclasses.replace(
                sources, split_file=self._name_list_path)
            self.ann_file = self._name_list_path
        return sources

    def _common_sample_info(self, aux_in_img: bool = False) -> dict:
        """The shared info of the samples, with their ``set_name``.

        Args:
            aux_in_img (bool): See :class:`MultiModalSegDataset`.

        Returns:
            dict: The base class's keys and ``set_name``.
        """
        common = super()._common_sample_info(aux_in_img)
        common['set_name'] = self.set_name
        return common

    def _check_split_size(self, num_samples: int) -> None:
        """Compare the number of samples with the set's official sizes.

        Args:
            num_samples (int): Samples found.
        """
        sizes = self.SPLIT_SIZES.get(self.set_key)
        if self._explicit_prefix or not sizes:
            return
        others = ' or '.join(str(size) for size in sizes)
        if num_samples not in sizes:
            unverified = (' (the commonly quoted size, UNVERIFIED)'
                          if self.set_key in self.UNVERIFIED_SIZES else '')
            print_log(
                f'{self._describe()}: {num_samples} samples in '
                f'{self.set_folder}, but the official {self.set_key} has '
                f'{others}{unverified}; check that the download is '
                f'complete and that this is the right part of the set.',
                logger='current',
                level=logging.WARNING)
        elif len(sizes) > 1:
            print_log(
                f'{self._describe()}: {num_samples} samples, the '
                f'{num_samples}-image convention of {self.set_key} (papers '
                f'use {others}; compare results on the same one).',
                logger='current',
                level=logging.INFO)


@DATASETS.register_module()
class RGBDSODDataset(SODDataset):
    """RGB-D salient object detection: one set, or the training set.

    Packagings (relative to ``data_root``, found by ``layout='auto'``)::

        spnet (SPNet, DFormer-SOD, BBS-Net; also LSNet's per-set folders):
          TrainDataset/{RGB,depth,GT}/       split 'train' (BBS-Net:
                                             RGBD_for_train/)
          TestDataset/<SET>/{RGB,depth,GT}/  (BBS-Net: RGBD_for_test/<SET>/;
                                             or <SET>/ in data_root)
          DUTLF-Depth/{Train,Test}/{RGB,depth,GT}/  (CAVER's DUT-RGBD)
        caver (CAVER, one folder per set):
          <SET>/{Image,Depth,Mask}/
          NJUD_FULL/, NLPR_FULL/             whole sets, parted by CAVER's
                                             name lists in data_root:
                                             {njud,nlpr}_{train,test}_jw_name_list.lst

    Sets and the folder names they go by: NJU2K (NJUD, NJU2000), NLPR, DES
    (RGBD135), SIP, LFSD, STERE (STEREO, STERE1000, STEREO1000, STEREO797),
    SSD (SSD100), DUT-RGBD (DUT, DUTRGBD, DUTLF-Depth).

    Training: split ``'train'`` is the combined training folder of the
    spnet packaging: NJU2K-train + NLPR-train, 2,185 images (2,985 with
    DUT-RGBD-train). The caver packaging has no combined folder: train on a
    ``ConcatDataset`` of ``'NJU2K-train'`` and ``'NLPR-train'`` (and
    ``'DUT-RGBD-train'``), see ``configs/_base_/datasets/rgbd_sod.py``.

    Files: RGB ``.jpg`` (``.png`` / ``.bmp`` accepted), depth ``.png``
    (``.bmp`` / ``.jpg``), ground truth ``.png`` (``.jpg`` / ``.bmp``).
    Depth is read as distributed, 8-bit, **nearer = darker** in the curated
    packages (normalised per image to 0..255); it is never inverted here
    (inverting measurably hurts models, kingkung2016/RGBD-SOD-tools).

    Official sizes (checked): train 2185 or 2985; NJU2K 500 or 485 (two
    test conventions of the 1,985-image set); NLPR 300; DES 135; SIP 929;
    LFSD 100; STERE 1000 or 797; SSD 80; DUT-RGBD 400; NJU2K-train 1485;
    NLPR-train 700; DUT-RGBD-train 800.

    Args:
        aux_suffix: Candidate depth extensions. Defaults to
            ('.png', '.bmp', '.jpg').
        **kwargs: See :class:`SODDataset`.
    """
    LAYOUTS = (
        RGBXLayout(
            name='spnet',
            tree='TrainDataset/{RGB,depth,GT}/ (split "train"; BBS-Net: '
            'RGBD_for_train/) and TestDataset/<SET>/{RGB,depth,GT}/ '
            '(BBS-Net: RGBD_for_test/<SET>/, or <SET>/ in data_root)',
            img_dir='{split}/RGB',
            aux_dir='{split}/{aux}',
            aux_folders={'depth': 'depth'},
            seg_map_dir='{split}/GT'),
        RGBXLayout(
            name='caver',
            tree='<SET>/{Image,Depth,Mask}/; NJUD_FULL/ and NLPR_FULL/ '
            'with CAVER\'s {njud,nlpr}_{train,test}_jw_name_list.lst in '
            'data_root',
            img_dir='{split}/Image',
            aux_dir='{split}/{aux}',
            aux_folders={'depth': 'Depth'},
            seg_map_dir='{split}/Mask'),
    )
    DEFAULT_AUX_MODALITY = 'depth'
    SET_ALIASES = {
        'NJU2K': ('NJUD', 'NJU2000'),
        'NLPR': (),
        'DES': ('RGBD135', ),
        'SIP': (),
        'LFSD': (),
        'STERE': ('STEREO', 'STERE1000', 'STEREO1000', 'STEREO797'),
        'SSD': ('SSD100', ),
        'DUT-RGBD': ('DUT', 'DUTRGBD', 'DUTLF-Depth'),
    }
    TRAIN_FOLDERS = ('TrainDataset', 'RGBD_for_train')
    TEST_PARENTS = ('TestDataset', 'RGBD_for_test', '')
    FULL_SETS = {
        'NJU2K':
        FullSetFolders(('NJUD_FULL', ),
                       dict(
                           train='njud_train_jw_name_list.lst',
                           test='njud_test_jw_name_list.lst')),
        'NLPR':
        FullSetFolders(('NLPR_FULL', ),
                       dict(
                           train='nlpr_train_jw_name_list.lst',
                           test='nlpr_test_jw_name_list.lst')),
    }
    SPLIT_SIZES = {
        'train': (2185, 2985),
        'NJU2K': (500, 485),
        'NLPR': (300, ),
        'DES': (135, ),
        'SIP': (929, ),
        'LFSD': (100, ),
        'STERE': (1000, 797),
        'SSD': (80, ),
        'DUT-RGBD': (400, ),
        'NJU2K-train': (1485, ),
        'NLPR-train': (700, ),
        'DUT-RGBD-train': (800, ),
    }
    TRAIN_HINT = (
        'A packaging with one folder per set (CAVER) has no combined '
        'training folder: train on a ConcatDataset of the splits '
        '"NJU2K-train" and "NLPR-train" (per_set_train_dataset in '
        'configs/_base_/datasets/rgbd_sod.py).')

    def __init__(self,
                 aux_suffix: Suffixes = ('.png', '.bmp', '.jpg'),
                 **kwargs) -> None:
        super().__init__(aux_suffix=aux_suffix, **kwargs)


@DATASETS.register_module()
class RGBTSODDataset(SODDataset):
    """RGB-T salient object detection: one set, or the training set.

    Packagings (relative to ``data_root``, found by ``layout='auto'``)::

        vt:          VT5000/{Train,Test}/{RGB,T,GT}/   split 'train' is
                                                       VT5000/Train,
                                                       'VT5000' VT5000/Test
                     VT1000/{RGB,T,GT}/                 (T: .bmp, GT: .jpg)
                     <SET>/{RGB,T,GT}/                  (LSNet's test sets)
        vt-thermal:  VT821/{RGB,thermal,GT}/            (thermal, GT: .jpg)

    Sets and the folder names they go by: VT821 (VT-821, VT800: LSNet's
    name; that it holds VT821 is UNVERIFIED), VT1000 (VT-1000), VT5000
    (VT-5000; its ``Test`` part, or the folder itself when it holds
    ``RGB/``). Training: split ``'train'`` (= ``'VT5000-train'``), VT5000's
    ``Train`` part.

    Files: RGB ``.jpg``, thermal ``.jpg`` (VT5000, VT821) or ``.bmp``
    (VT1000), ground truth ``.png`` (VT5000) or ``.jpg`` (VT1000, VT821:
    with JPEG noise, binarised ``> 128`` by ``LoadSaliencyMask``). Thermal
    is read as distributed (8-bit, hotter = brighter in the usual white-hot
    rendering), never inverted; a 3-channel thermal file must have equal
    channels (a grey image stored as colour), otherwise it is refused.

    Official sizes (checked): VT821 821; VT1000 1000; VT5000 test 2500 and
    train 2500 (the 2,500 / 2,500 split is commonly quoted, UNVERIFIED).

    Args:
        aux_suffix: Candidate thermal extensions. Defaults to
            ('.jpg', '.bmp', '.png').
        **kwargs: See :class:`SODDataset`.
    """
    LAYOUTS = (
        RGBXLayout(
            name='vt',
            tree='<SET>/{RGB,T,GT}/ (VT1000, LSNet\'s sets), VT5000/{Train,'
            'Test}/{RGB,T,GT}/',
            img_dir='{split}/RGB',
            aux_dir='{split}/{aux}',
            aux_folders={'thermal': 'T'},
            seg_map_dir='{split}/GT'),
        RGBXLayout(
            name='vt-thermal',
            tree='<SET>/{RGB,thermal,GT}/ (VT821)',
            img_dir='{split}/RGB',
            aux_dir='{split}/{aux}',
            aux_folders={'thermal': 'thermal'},
            seg_map_dir='{split}/GT'),
    )
    DEFAULT_AUX_MODALITY = 'thermal'
    SET_ALIASES = {
        'VT821': ('VT-821', 'VT800'),
        'VT1000': ('VT-1000', ),
        'VT5000': ('VT-5000', ),
    }
    TRAIN_FOLDERS = ('VT5000/Train', 'VT5000/train')
    SPLIT_SIZES = {
        'train': (2500, ),
        'VT5000-train': (2500, ),
        'VT5000': (2500, ),
        'VT1000': (1000, ),
        'VT821': (821, ),
    }
    UNVERIFIED_SIZES = ('train', 'VT5000-train', 'VT5000')

    def __init__(self,
                 aux_suffix: Suffixes = ('.jpg', '.bmp', '.png'),
                 **kwargs) -> None:
        super().__init__(aux_suffix=aux_suffix, **kwargs)
