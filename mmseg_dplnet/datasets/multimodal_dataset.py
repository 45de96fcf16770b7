"""Base class of the RGB-X (RGB-D, RGB-T) segmentation datasets."""
import logging
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

import mmengine.fileio as fileio
from mmengine.logging import print_log

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from .sample_files import (FolderIndex, SampleEntry, Suffixes, as_suffixes,
                           read_split_file)
from .transforms.aux_encoding import (AUX_MODALITIES, check_aux_options,
                                      resolve_aux_encoding)


@dataclass(frozen=True)
class RGBXLayout:
    """A directory layout in which an RGB-X dataset is distributed.

    Folder templates are relative to ``data_root``; ``{split}`` becomes the
    split name and ``{aux}`` the folder of the auxiliary modality.

    Args:
        name (str): Short name users pass as ``layout=``.
        tree (str): One-line description shown in error messages.
        img_dir (str): Folder of the RGB images.
        seg_map_dir (str): Folder of the label maps.
        aux_dir (str, optional): Folder of the auxiliary files; None when the
            modality is the 4th channel of the RGB file (MFNet's RGBT PNGs).
        aux_folders (Mapping[str, str]): ``{aux}`` for each modality the
            layout provides.
        split_file (str, optional): The split list; None when the split is a
            folder and every image in ``img_dir`` is a sample.
    """
    name: str
    tree: str
    img_dir: str
    seg_map_dir: str
    aux_dir: Optional[str] = '{aux}'
    aux_folders: Mapping[str, str] = field(default_factory=dict)
    split_file: Optional[str] = None

    def path(self,
             data_root: str,
             template: str,
             split: str,
             aux: str = '') -> str:
        """Join ``data_root`` with a filled-in folder template."""
        return fileio.join_path(data_root,
                                template.format(split=split, aux=aux))

    def is_present(self,
                   data_root: str,
                   split: str,
                   backend_args: Optional[dict] = None) -> bool:
        """Whether the RGB and label folders of this layout exist."""
        return all(
            fileio.isdir(
                self.path(data_root, template, split),
                backend_args=backend_args)
            for template in (self.img_dir, self.seg_map_dir))


@dataclass(frozen=True)
class SampleSources:
    """Where the files of one split are, once the layout is resolved."""
    layout: str
    img_dir: str
    aux_dir: Optional[str]
    seg_map_dir: str
    split_file: Optional[str]


@DATASETS.register_module()
class MultiModalSegDataset(BaseSegDataset):
    """Semantic segmentation dataset of RGB + auxiliary-modality samples.

    Each sample has an RGB image, an auxiliary file (depth, HHA or thermal;
    or the 4th channel of the RGB file) and a label map with the same name
    in three folders. The samples are the lines of a split file, or every
    image of the RGB folder when there is none. Every listed sample must have
    all its files: a missing one is reported at construction with the path
    expected.

    Subclasses describe the community layouts in ``LAYOUTS`` and find them
    from ``data_root`` and ``split`` alone. Any other layout works with
    explicit ``data_prefix=dict(img_path=..., aux_path=..., seg_map_path=...)``
    and an optional ``ann_file`` (split file), as with mmseg's
    ``BaseSegDataset``.

    Each sample's info has ``img_path``, ``aux_path``, ``seg_map_path``,
    ``aux_modality``, ``aux_in_img``, ``label_num_classes`` (for label
    validation), mmseg's ``label_map``, ``reduce_zero_label``,
    ``seg_fields``, and the auxiliary options that were given; use it with
    ``LoadRGBXImageFromFile`` and ``LoadCheckedAnnotations``.

    Args:
        split (str, optional): Split name, e.g. ``'train'``; required with a
            layout. It names the split file or the split folder.
        layout (str): One of the ``LAYOUTS`` names, or ``'auto'`` to use the
            first one found under ``data_root``. Defaults to 'auto'.
        aux_modality (str, optional): ``'depth'``, ``'hha'`` or
            ``'thermal'``. Defaults to the dataset's ``DEFAULT_AUX_MODALITY``.
            In a config, the model's ``data_preprocessor.aux_modality``
            sets it for every loop (see
            :mod:`mmseg_dplnet.utils.channel_split`).
        aux_dir (str, optional): Folder name of the auxiliary files, replacing
            the layout's folder for the modality (e.g. ``'thermal_raw'``).
        aux_suffix (str | Sequence[str]): Candidate extensions of the
            auxiliary files, preferred first. Defaults to '.png'.
        aux_in_img (bool): With ``data_prefix``: the auxiliary modality is the
            4th channel of the RGB file. Defaults to False.
        drop_rgb_alpha (bool): RGB files are RGBA exports: use their colour
            channels (otherwise a 4-channel RGB file is refused, as is a grey
            one). Defaults to False.
        aux_bit_depth (int, optional): Bit depth of the auxiliary files, 8
            (default) or 16.
        aux_value_scale (float, optional): Factor on the raw auxiliary values
            (16-bit depth: 0.001, millimetres to metres).
        aux_min_value (float, optional): Scaled value mapped to 0 (default 0).
        aux_max_value (float, optional): Scaled value mapped to 1, larger ones
            clipped (16-bit depth: 10 metres).
        img_suffix (str | Sequence[str]): Candidate RGB extensions.
            Defaults to ('.jpg', '.png').
        seg_map_suffix (str | Sequence[str]): Candidate label extensions.
            Defaults to '.png'.
        data_prefix (dict, optional): Explicit folders ``img_path``,
            ``aux_path`` and ``seg_map_path`` instead of a layout.
        ann_file (str): With ``data_prefix``: optional split file.
        aux_channels: Not a dataset option (an error naming the model's
            ``backbone.aux_channels``, which decides it).
        **kwargs: Other arguments of :class:`mmseg.datasets.BaseSegDataset`.
    """
    METAINFO: dict = dict()
    #: Layouts tried in order by ``layout='auto'``.
    LAYOUTS: Tuple[RGBXLayout, ...] = ()
    DEFAULT_AUX_MODALITY: str = 'depth'
    #: Official number of samples per split, checked with a warning.
    SPLIT_SIZES: Dict[str, int] = {}

    def __init__(self,
                 split: Optional[str] = None,
                 layout: str = 'auto',
                 aux_modality: Optional[str] = None,
                 aux_dir: Optional[str] = None,
                 aux_suffix: Suffixes = '.png',
                 aux_in_img: bool = False,
                 drop_rgb_alpha: bool = False,
                 aux_bit_depth: Optional[int] = None,
                 aux_value_scale: Optional[float] = None,
                 aux_min_value: Optional[float] = None,
                 aux_max_value: Optional[float] = None,
                 img_suffix: Suffixes = ('.jpg', '.png'),
                 seg_map_suffix: Suffixes = '.png',
                 data_prefix: Optional[dict] = None,
                 ann_file: str = '',
                 aux_channels: Optional[int] = None,
                 **kwargs) -> None:
        name = type(self).__name__
        check_aux_options(name, aux_channels=aux_channels)
        self.split = split
        self.layout = layout
        self.aux_modality = aux_modality or self.DEFAULT_AUX_MODALITY
        if self.aux_modality not in AUX_MODALITIES:
            raise ValueError(f'{name}: aux_modality must be one of '
                             f'{AUX_MODALITIES}, got {self.aux_modality!r}')
        self.aux_dir = aux_dir
        self.aux_suffix = as_suffixes(aux_suffix)
        self.aux_in_img = aux_in_img
        self.drop_rgb_alpha = drop_rgb_alpha
        given = dict(
            aux_bit_depth=aux_bit_depth,
            aux_value_scale=aux_value_scale,
            aux_min_value=aux_min_value,
            aux_max_value=aux_max_value)
        check_aux_options(name, **given)
        # refuse impossible combinations right away
        resolve_aux_encoding(self.aux_modality, **given)
        self.aux_options = {k: v for k, v in given.items() if v is not None}
        self._explicit_prefix = data_prefix is not None
        if self._explicit_prefix and layout != 'auto':
            raise ValueError(f'{name}: give either layout={layout!r} or '
                             f'data_prefix, not both')
        if not self._explicit_prefix:
            if self.LAYOUTS and split is None:
                raise ValueError(
                    f'{name}: split is required (e.g. split=\'train\'); it '
                    f'names the split file or folder of the layout')
            if layout != 'auto' and layout not in self.layout_names():
                raise ValueError(f'{name}: unknown layout {layout!r}; '
                                 f'choose \'auto\' or one of '
                                 f'{self.layout_names()}')
        super().__init__(
            ann_file=ann_file,
            img_suffix=as_suffixes(img_suffix),
            seg_map_suffix=as_suffixes(seg_map_suffix),
            data_prefix=dict(
                data_prefix or dict(img_path='', seg_map_path='')),
            **kwargs)

    @property
    def uses_layouts(self) -> bool:
        """Whether the files are found from ``LAYOUTS`` (no data_prefix)."""
        return bool(self.LAYOUTS) and not self._explicit_prefix

    @classmethod
    def layout_names(cls) -> List[str]:
        """Names of the layouts this dataset recognises."""
        return [layout.name for layout in cls.LAYOUTS]

    # ------------------------------------------------------------------
    # where the files are
    # ------------------------------------------------------------------
    def _describe(self) -> str:
        """Dataset, layout and split, for messages."""
        where = [f'layout {self.layout!r}'] if self.layout != 'auto' else []
        if self.split is not None:
            where.append(f'split {self.split!r}')
        return f'{type(self).__name__} ({", ".join(where) or self.data_root})'

    def _find_layout(self) -> RGBXLayout:
        """The layout requested, or the first one present under data_root."""
        if self.data_root is None:
            raise ValueError(f'{type(self).__name__}: data_root is required '
                             f'to find the dataset layout')
        if self.layout != 'auto':
            return next(layout for layout in self.LAYOUTS
                        if layout.name == self.layout)
        for layout in self.LAYOUTS:
            if layout.is_present(self.data_root, self.split,
                                 self.backend_args):
                return layout
        accepted = '\n'.join(f'  - {layout.name}: {layout.tree}'
                             for layout in self.LAYOUTS)
        raise FileNotFoundError(
            f'{type(self).__name__}: no accepted layout found under '
            f'{self.data_root} for split {self.split!r}. Accepted layouts '
            f'(folders relative to data_root):\n{accepted}\nLink the dataset '
            f'there (see data/README.md), set data_root, or give data_prefix '
            f'explicitly.')

    def aux_folder_name(self, layout: RGBXLayout) -> str:
        """``{aux}`` of the layout: ``aux_dir`` or the modality's folder.

        Args:
            layout (RGBXLayout): The resolved layout.

        Returns:
            str: The folder name of the auxiliary files.
        """
        if self.aux_dir is not None:
            return self.aux_dir
        if self.aux_modality not in layout.aux_folders:
            raise ValueError(
                f'{type(self).__name__}: layout {layout.name!r} has no '
                f'{self.aux_modality} folder (it provides '
                f'{sorted(layout.aux_folders)}); set aux_dir or choose '
                f'another aux_modality')
        return layout.aux_folders[self.aux_modality]

    def _resolve_sources(self) -> SampleSources:
        """Folders and split file of this dataset."""
        if self._explicit_prefix:
            prefix = self.data_prefix
            if 'aux_path' not in prefix and not self.aux_in_img:
                raise ValueError(
                    f'{type(self).__name__}: data_prefix needs aux_path (or '
                    f'set aux_in_img=True for 4-channel RGB-X files)')
            return SampleSources(
                layout='data_prefix',
                img_dir=prefix['img_path'],
                aux_dir=None if self.aux_in_img else prefix['aux_path'],
                seg_map_dir=prefix['seg_map_path'],
                split_file=self.ann_file or None)
        if not self.LAYOUTS:
            raise ValueError(
                f'{type(self).__name__} needs data_prefix=dict(img_path=..., '
                f'aux_path=..., seg_map_path=...)')
        layout = self._find_layout()
        self.layout = layout.name
        if layout.aux_dir is None:
            if self.aux_modality != self.DEFAULT_AUX_MODALITY:
                raise ValueError(
                    f'{type(self).__name__}: layout {layout.name!r} only '
                    f'holds {self.DEFAULT_AUX_MODALITY} (4th image channel)')
            aux_dir = None
        else:
            aux_dir = layout.path(self.data_root, layout.aux_dir, self.split,
                                  self.aux_folder_name(layout))
        sources = SampleSources(
            layout=layout.name,
            img_dir=layout.path(self.data_root, layout.img_dir, self.split),
            aux_dir=aux_dir,
            seg_map_dir=layout.path(self.data_root, layout.seg_map_dir,
                                    self.split),
            split_file=None if layout.split_file is None else layout.path(
                self.data_root, layout.split_file, self.split))
        # expose the resolved paths like BaseSegDataset does
        self.data_prefix = dict(
            img_path=sources.img_dir,
            aux_path=sources.aux_dir or sources.img_dir,
            seg_map_path=sources.seg_map_dir)
        self.ann_file = sources.split_file or ''
        return sources

    # ------------------------------------------------------------------
    # the sample list
    # ------------------------------------------------------------------
    def _raise_missing(self, role: str, misses: List[Tuple[SampleEntry, str]],
                       total: int) -> None:
        """Report the samples lacking their ``role`` file."""
        entry, expected = misses[0]
        listed = f' ({entry.source})' if entry.source else ''
        raise FileNotFoundError(
            f'{self._describe()}: {len(misses)} of {total} listed samples '
            f'have no {role} file, e.g. sample {entry.name!r}{listed}: '
            f'expected {expected}. Complete the folder or remove these '
            f'samples from the split.')

    def _check_split_size(self, num_samples: int) -> None:
        """Warn when a split differs from its official size."""
        official = self.SPLIT_SIZES.get(self.split)
        if self._explicit_prefix or official is None:
            return
        if num_samples != official:
            print_log(
                f'{self._describe()}: {num_samples} samples, but the official '
                f'split has {official}; check that the download is complete '
                f'if you expect the official split.',
                logger='current',
                level=logging.WARNING)

    def _num_label_classes(self) -> Optional[int]:
        """Number of class ids the label files encode (before label_map)."""
        classes = type(self).METAINFO.get('classes') or self._metainfo.get(
            'classes')
        return None if classes is None else len(classes)

    def _common_sample_info(self, aux_in_img: bool = False) -> dict:
        """The info every sample of this dataset shares.

        Args:
            aux_in_img (bool): The auxiliary modality is the 4th channel of
                the RGB file.

        Returns:
            dict: Modality, label convention and auxiliary options (the keys
            in the class doc other than the paths).
        """
        common = dict(
            aux_modality=self.aux_modality,
            aux_in_img=aux_in_img,
            label_map=self.label_map,
            reduce_zero_label=self.reduce_zero_label,
            label_num_classes=self._num_label_classes(),
            **self.aux_options)
        if self.drop_rgb_alpha:
            common['drop_rgb_alpha'] = True
        return common

    def load_data_list(self) -> List[dict]:
        """Build the sample list from the layout or ``data_prefix``.

        Returns:
            list[dict]: One info dict per sample (keys in the class doc).

        Raises:
            FileNotFoundError: If a folder, the split file or a file of a
                listed sample is missing.
            ValueError: If the split file or folder lists no sample.
        """
        sources = self._resolve_sources()
        args = self.backend_args
        img_index = FolderIndex(sources.img_dir, self.img_suffix, 'RGB', args)
        aux_index = None if sources.aux_dir is None else FolderIndex(
            sources.aux_dir, self.aux_suffix, self.aux_modality, args)
        seg_index = FolderIndex(sources.seg_map_dir, self.seg_map_suffix,
                                'label', args)
        if sources.split_file is not None:
            entries = read_split_file(sources.split_file, args)
        else:
            entries = [
                SampleEntry(name, source=f'found in {sources.img_dir}')
                for name in img_index.names()
            ]
            if not entries:
                raise ValueError(f'{self._describe()}: no image with suffix '
                                 f'{self.img_suffix} in {sources.img_dir}')

        misses: Dict[str, List[Tuple[SampleEntry, str]]] = dict(
            RGB=[], aux=[], label=[])
        common = self._common_sample_info(aux_in_img=aux_index is None)
        data_list = []
        for entry in entries:
            img_path = img_index.find(entry.name, entry.img_file)
            if img_path is None:
                misses['RGB'].append(
                    (entry, img_index.expected(entry.name, entry.img_file)))
            if aux_index is None:
                aux_path = img_path
            else:
                aux_path = aux_index.find(entry.name)
                if aux_path is None:
                    misses['aux'].append(
                        (entry, aux_index.expected(entry.name)))
            seg_map_path = seg_index.find(entry.name, entry.seg_map_file)
            if seg_map_path is None:
                misses['label'].append(
                    (entry, seg_index.expected(entry.name,
                                               entry.seg_map_file)))
            data_list.append(
                dict(
                    img_path=img_path,
                    aux_path=aux_path,
                    seg_map_path=seg_map_path,
                    seg_fields=[],
                    **common))
        for role, role_misses in misses.items():
            if role_misses:
                self._raise_missing(
                    self.aux_modality if role == 'aux' else role, role_misses,
                    len(entries))
        self._check_split_size(len(data_list))
        return data_list
