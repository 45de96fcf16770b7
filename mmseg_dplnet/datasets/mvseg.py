"""MVSeg RGB-thermal video semantic segmentation (MVSS-Baseline), 26 classes.

One sample is one LABELLED frame of a video, segmented on its own (the
per-frame protocol of the image methods in MVSeg's tables). For temporal
models, each sample can also name the MVSS window of earlier frames.
"""
import logging
import os.path as osp
import re
from typing import List, Tuple

import mmengine
import mmengine.fileio as fileio
from mmengine.logging import print_log

from mmseg.registry import DATASETS
from .multimodal_dataset import MultiModalSegDataset
from .sample_files import FolderIndex, SampleEntry, Suffixes

MVSEG_CLASSES = ('Background', 'Car', 'Bus', 'Motorcycle', 'Bicycle',
                 'Pedestrian', 'Motorcyclist', 'Bicyclist', 'Cart', 'Bench',
                 'Umbrella', 'Box', 'Pole', 'Street_lamp', 'Traffic_light',
                 'Traffic_sign', 'Car_stop', 'Color_cone', 'Sky', 'Road',
                 'Sidewalk', 'Curb', 'Vegetation', 'Terrain', 'Building',
                 'Ground')
# MVSS-Baseline's colour map (its README and datasets/mvss_dataset.py)
MVSEG_PALETTE = [[0, 0, 0], [0, 0, 142], [0, 60, 100], [0, 0, 230],
                 [119, 11, 32], [255, 0, 0], [0, 139, 139], [255, 165, 150],
                 [192, 64, 0], [211, 211, 211], [100, 33, 128], [117, 79, 86],
                 [153, 153, 153], [190, 122, 222], [250, 170, 30],
                 [220, 220, 0], [222, 142, 35], [205, 155, 155],
                 [70, 130, 180], [128, 64, 128], [244, 35, 232], [0, 0, 70],
                 [107, 142, 35], [152, 251, 152], [70, 70, 70],
                 [110, 80, 100]]
#: What label value 255 becomes.
LABEL_255_CHOICES = ('ground', 'ignore')
#: ``NNNNNl``: frame number, then the modality letter (l, v, i).
_FRAME_NAME = re.compile(r'^(\d+)([a-z])$')


@DATASETS.register_module()
class MVSegDataset(MultiModalSegDataset):
    """MVSeg RGB-T videos in the MVSS-Baseline layout, one sample per
    labelled frame.

    Layout (relative to ``data_root``)::

        <split>.txt                      one video name per line
        data/<video>/label/NNNNNl.png    labelled frames only
        data/<video>/visible/NNNNNv.<ext>
        data/<video>/infrared/NNNNNi.<ext>

    Each modality folder may use its own extension (``img_suffix`` /
    ``aux_suffix`` candidates). Splits are the split files present
    (``train``, ``val``, ``test``, ``test_night``). Labels are index or
    palette PNGs with the 26 class ids of MVSS; 0 "Background" is a class,
    counted like the others (MVSS evaluates all 26).

    Label value 255: ``label_255='ground'`` (default) makes it class 25
    "Ground", as MVSS's ``Relabel(255, 25)`` does for training and testing,
    so that the published numbers are reproduced; ``'ignore'`` keeps it as
    mmseg's ignore index instead (neither trained nor scored).

    Each sample's info has, besides the keys of
    :class:`MultiModalSegDataset`, ``video`` (its video name) and
    ``frame_index`` (the frame number, an int); add them to
    ``PackSegInputs``' ``meta_keys`` to reach ``data_sample.metainfo``.
    With ``num_past_frames=N`` it also has ``clip_img_paths`` /
    ``clip_aux_paths`` / ``clip_frame_indices``: the earlier frames
    ``t - N*s, ..., t - s`` (``s = frame_interval``; MVSS: N = 3, s = 3,
    i.e. t-9, t-6, t-3), oldest first. A missing earlier frame is replaced
    by the labelled frame itself, as MVSS does; unlike MVSS, the
    replacements are counted and logged.

    Args:
        split (str): Name of the split file (``'train'``, ``'test'``...).
        label_255 (str): ``'ground'`` or ``'ignore'``, see above.
            Defaults to 'ground'.
        num_past_frames (int): Earlier frames named per sample (0: none,
            the per-frame protocol). Defaults to 0.
        frame_interval (int): Frames between the window's frames (MVSS's
            ``sample_rate``). Defaults to 3.
        img_suffix: Candidate RGB extensions. Defaults to ('.jpg', '.png').
        aux_suffix: Candidate thermal extensions. Defaults to
            ('.jpg', '.png').
        seg_map_suffix: Label extension. Defaults to '.png'.
        **kwargs: See :class:`MultiModalSegDataset` (``aux_dir`` replaces
            ``infrared``).
    """
    METAINFO = dict(classes=MVSEG_CLASSES, palette=MVSEG_PALETTE)
    DEFAULT_AUX_MODALITY = 'thermal'
    #: Folders of a video, and the modality letter ending their file names.
    RGB_FOLDER, AUX_FOLDER, LABEL_FOLDER = 'visible', 'infrared', 'label'
    RGB_LETTER, AUX_LETTER, LABEL_LETTER = 'v', 'i', 'l'

    def __init__(self,
                 split: str,
                 label_255: str = 'ground',
                 num_past_frames: int = 0,
                 frame_interval: int = 3,
                 img_suffix: Suffixes = ('.jpg', '.png'),
                 aux_suffix: Suffixes = ('.jpg', '.png'),
                 seg_map_suffix: Suffixes = '.png',
                 **kwargs) -> None:
        if label_255 not in LABEL_255_CHOICES:
            raise ValueError(f'MVSegDataset: label_255 must be one of '
                             f'{LABEL_255_CHOICES}, got {label_255!r}')
        if num_past_frames < 0 or frame_interval < 1:
            raise ValueError(
                f'MVSegDataset: num_past_frames must be >= 0 and '
                f'frame_interval >= 1, got {num_past_frames} and '
                f'{frame_interval}')
        if 'data_prefix' in kwargs or kwargs.get('layout', 'auto') != 'auto':
            raise ValueError(
                'MVSegDataset reads the MVSS-Baseline layout from data_root '
                '(<split>.txt, data/<video>/{visible,infrared,label}); '
                'data_prefix and layout are not options')
        self.label_255 = label_255
        self.num_past_frames = num_past_frames
        self.frame_interval = frame_interval
        self.num_clip_fallbacks = 0
        super().__init__(
            split=split,
            img_suffix=img_suffix,
            aux_suffix=aux_suffix,
            seg_map_suffix=seg_map_suffix,
            **kwargs)

    def _describe(self) -> str:
        return f'MVSegDataset (split {self.split!r}, {self.data_root})'

    def _read_videos(self) -> List[Tuple[str, str]]:
        """The split file's videos, with where each was listed."""
        if self.data_root is None:
            raise ValueError('MVSegDataset: data_root is required (the '
                             'folder holding <split>.txt and data/)')
        path = fileio.join_path(self.data_root, f'{self.split}.txt')
        if not fileio.exists(path, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{self._describe()}: split file {path} does not exist; '
                f'data_root must be the MVSeg_Dataset folder (with '
                f'train.txt, test.txt, data/), or choose another split')
        videos = []
        for number, line in enumerate(
                mmengine.list_from_file(path,
                                        backend_args=self.backend_args), 1):
            name = line.strip()
            if name and not name.startswith('#'):
                videos.append((name, f'line {number} of {path}'))
        if not videos:
            raise ValueError(f'{self._describe()}: {path} lists no video')
        return videos

    def _frame_numbers(self, labels: FolderIndex,
                       video: str) -> List[Tuple[int, str]]:
        """(frame number, digits) of every label file of a video."""
        frames = []
        for name in labels.names():
            match = _FRAME_NAME.match(name)
            if match is None or match.group(2) != self.LABEL_LETTER:
                raise ValueError(
                    f'{self._describe()}: label file '
                    f'{osp.join(labels.folder, name)} is not named '
                    f'NNNNN{self.LABEL_LETTER} (frame number, then '
                    f'"{self.LABEL_LETTER}") like MVSS\'s; rename it or '
                    f'remove it from {labels.folder}')
            frames.append((int(match.group(1)), match.group(1)))
        if not frames:
            raise ValueError(
                f'{self._describe()}: video {video!r} has no label file '
                f'with suffix {self.seg_map_suffix} in {labels.folder}; '
                f'remove the video from the split file')
        return frames

    def _clip(self, frame: int, width: int, rgb: FolderIndex,
              aux: FolderIndex, img_path: str,
              aux_path: str) -> Tuple[list, list, list]:
        """The earlier frames of one labelled frame (with MVSS's
        fallback to the labelled frame)."""
        img_paths, aux_paths, indices = [], [], []
        for step in range(self.num_past_frames, 0, -1):
            index = frame - step * self.frame_interval
            digits = f'{index:0{width}d}' if index >= 0 else ''
            past_img = rgb.find(digits + self.RGB_LETTER) if digits else None
            past_aux = aux.find(digits + self.AUX_LETTER) if digits else None
            if past_img is None or past_aux is None:
                self.num_clip_fallbacks += 1
                past_img, past_aux, index = img_path, aux_path, frame
            img_paths.append(past_img)
            aux_paths.append(past_aux)
            indices.append(index)
        return img_paths, aux_paths, indices

    def load_data_list(self) -> List[dict]:
        """One info dict per labelled frame of the split's videos.

        Returns:
            list[dict]: The samples, video by video, frames in order.

        Raises:
            FileNotFoundError: If the split file, a video folder or the RGB /
                thermal frame of a labelled frame is missing.
            ValueError: If a label file is misnamed or a video has none.
        """
        args = self.backend_args
        common = self._common_sample_info()
        if self.label_255 == 'ground':
            common['label_map'] = {
                **(common['label_map'] or {}), 255: MVSEG_CLASSES.index(
                    'Ground')
            }
        aux_folder = self.aux_dir or self.AUX_FOLDER
        self.num_clip_fallbacks = 0
        data_list = []
        misses = dict(RGB=[], aux=[])
        for video, listed in self._read_videos():
            video_dir = fileio.join_path(self.data_root, 'data', video)
            if not fileio.isdir(video_dir, backend_args=args):
                raise FileNotFoundError(
                    f'{self._describe()}: video {video!r} ({listed}) has no '
                    f'folder {video_dir}; complete the download or remove '
                    f'the video from the split file')
            labels = FolderIndex(
                fileio.join_path(video_dir, self.LABEL_FOLDER),
                self.seg_map_suffix, 'label', args)
            rgb = FolderIndex(
                fileio.join_path(video_dir, self.RGB_FOLDER),
                self.img_suffix, 'RGB', args)
            aux = FolderIndex(
                fileio.join_path(video_dir, aux_folder), self.aux_suffix,
                self.aux_modality, args)
            for frame, digits in sorted(self._frame_numbers(labels, video)):
                label_name = digits + self.LABEL_LETTER
                entry = SampleEntry(
                    f'{video}/{label_name}',
                    source=f'label {labels.find(label_name)}')
                img_path = rgb.find(digits + self.RGB_LETTER)
                aux_path = aux.find(digits + self.AUX_LETTER)
                if img_path is None:
                    misses['RGB'].append(
                        (entry, rgb.expected(digits + self.RGB_LETTER)))
                if aux_path is None:
                    misses['aux'].append(
                        (entry, aux.expected(digits + self.AUX_LETTER)))
                info = dict(
                    img_path=img_path,
                    aux_path=aux_path,
                    seg_map_path=labels.find(label_name),
                    seg_fields=[],
                    video=video,
                    frame_index=frame,
                    **common)
                if self.num_past_frames and img_path and aux_path:
                    (info['clip_img_paths'], info['clip_aux_paths'],
                     info['clip_frame_indices']) = self._clip(
                         frame, len(digits), rgb, aux, img_path, aux_path)
                data_list.append(info)
        for role, role_misses in misses.items():
            if role_misses:
                self._raise_missing(
                    self.aux_modality if role == 'aux' else role, role_misses,
                    len(data_list))
        if self.num_past_frames:
            total = self.num_past_frames * len(data_list)
            print_log(
                f'{self._describe()}: {self.num_clip_fallbacks} of {total} '
                f'earlier frames (window of {self.num_past_frames}, every '
                f'{self.frame_interval} frames) are missing and replaced by '
                f'their labelled frame, as MVSS does',
                logger='current',
                level=logging.WARNING
                if self.num_clip_fallbacks else logging.INFO)
        return data_list

