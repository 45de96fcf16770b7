"""Tiny on-disk RGB-X datasets in the community layouts, for the tests.

Every writer returns a :class:`Fixture` recording what it wrote, so that the
tests can compare the pipeline's output with the source pixels. The pixel
patterns make every channel distinct and position dependent, so a channel
swap, a BGR/RGB mix-up or a misaligned modality changes the values.
"""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

H, W = 24, 32  # default fixture size (h, w)


@dataclass
class Sample:
    """The arrays written for one sample (RGB order, raw file values)."""
    rgb: np.ndarray  # (h, w, 3) uint8, R, G, B
    aux: np.ndarray  # (h, w) uint8 / uint16, or (h, w, 3) for HHA (H,H,A)
    label: np.ndarray  # (h, w) uint8 raw label ids
    rgb_lossless: bool = True
    # other auxiliary files of the sample, by folder ('HHA', 'thermal_raw')
    extra: Dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Fixture:
    """A written dataset: its root and the samples of each split."""
    root: str
    splits: Dict[str, Dict[str, Sample]] = field(default_factory=dict)


def make_sample(index: int,
                num_ids: int,
                size: Tuple[int, int] = (H, W),
                aux_bits: int = 8,
                hha: bool = False) -> Sample:
    """Deterministic, position-dependent arrays of one sample.

    Args:
        index (int): Sample index, shifts the patterns.
        num_ids (int): Label ids are ``0..num_ids-1`` (the raw file values).
        size (tuple): ``(h, w)``.
        aux_bits (int): 8, or 16 for millimetre depth (up to ~10.6 m, so
            that the 10 m clip is exercised).
        hha (bool): A 3-channel HHA-like aux image.
    """
    h, w = size
    y, x = np.mgrid[:h, :w]
    rgb = np.stack(
        [10 + 7 * x + index, 20 + 5 * y + index, 250 - 3 * x - 2 * y - index],
        -1) % 256
    if hha:
        aux = np.stack([(3 * x + 5) % 256, (7 * y + 11) % 256,
                        (x * y + index) % 256], -1).astype(np.uint8)
    elif aux_bits == 16:
        aux = (500 + 300 * x + 13 * y + index).astype(np.uint16)
    else:
        aux = ((8 * x + 3 * y + 5 * index) % 256).astype(np.uint8)
    label = ((x // 2 + y // 3 + index) % num_ids).astype(np.uint8)
    label[-2:, -3:] = 0  # every sample has id 0 (unlabeled / background)
    return Sample(rgb.astype(np.uint8), aux, label)


def write_image(path: str, array: np.ndarray, rgb: bool = False) -> None:
    """Write an image (RGB order when ``rgb``), creating its folder."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    if rgb:  # OpenCV writes BGR
        array = np.ascontiguousarray(array[..., ::-1])
    assert cv2.imwrite(path, array), path


def _write_split_file(path: str, lines: Sequence[str]) -> None:
    with open(path, 'w') as f:
        f.write(''.join(line + '\n' for line in lines))


def write_nyuv2_dplnet(root: str,
                       counts: Optional[Dict[str, int]] = None,
                       rgb_ext: Optional[Dict[str, str]] = None) -> Fixture:
    """DPLNet's NYUv2: ``{train,test}/{image,depth,label,edge,refine}``."""
    counts = counts or dict(train=3, test=2)
    rgb_ext = rgb_ext or dict(train='.jpg', test='.png')
    fixture = Fixture(root)
    for split, count in counts.items():
        fixture.splits[split] = {}
        for i in range(count):
            name = str(i + 1)
            sample = make_sample(i, 41)
            sample.rgb_lossless = rgb_ext[split] == '.png'
            base = osp.join(root, split)
            write_image(
                osp.join(base, 'image', name + rgb_ext[split]),
                sample.rgb,
                rgb=True)
            write_image(osp.join(base, 'depth', name + '.png'), sample.aux)
            write_image(osp.join(base, 'label', name + '.png'), sample.label)
            # folders of DPLNet's release that the dataset must ignore
            write_image(osp.join(base, 'edge', name + '.png'), sample.label)
            write_image(osp.join(base, 'refine', name + '.png'), sample.label)
            fixture.splits[split][name] = sample
    return fixture


def write_nyuv2_cmx(root: str,
                    counts: Optional[Dict[str, int]] = None,
                    depth_bits: int = 8,
                    with_hha: bool = False,
                    size: Tuple[int, int] = (H, W)) -> Fixture:
    """SA-Gate / CMX / DFormer NYUv2: ``RGB/ Depth/ [HHA/] Label/`` + lists.

    The split files mix every accepted line format; ``size`` is (h, w).
    """
    counts = counts or dict(train=4, test=2)
    fixture = Fixture(root)
    formats = ('{n}', 'RGB/{n}.jpg', 'RGB/{n}.jpg\tLabel/{n}.png',
               'RGB/{n}.jpg Label/{n}.png')
    offset = 0
    for split, count in counts.items():
        fixture.splits[split] = {}
        lines = []
        for i in range(count):
            name = str(offset + i + 1)
            sample = make_sample(
                offset + i, 41, size=size, aux_bits=depth_bits)
            sample.rgb_lossless = False
            write_image(
                osp.join(root, 'RGB', name + '.jpg'), sample.rgb, rgb=True)
            write_image(osp.join(root, 'Depth', name + '.png'), sample.aux)
            write_image(osp.join(root, 'Label', name + '.png'), sample.label)
            if with_hha:
                hha = make_sample(offset + i, 41, size=size, hha=True).aux
                write_image(
                    osp.join(root, 'HHA', name + '.png'), hha, rgb=True)
                sample.extra['HHA'] = hha
            lines.append(formats[i % len(formats)].format(n=name))
            fixture.splits[split][name] = sample
        offset += count
        _write_split_file(osp.join(root, split + '.txt'), lines)
    return fixture


SizeList = Sequence[Tuple[int, int]]


def write_sunrgbd_dformer(root: str,
                          sizes: Optional[Dict[str,
                                               SizeList]] = None) -> Fixture:
    """DFormer's SUN RGB-D: ``RGB/ Depth/ labels/`` + lists.

    The train images vary in size like SUN RGB-D's; the test images share
    the fixture size so that an identity ``Resize`` keeps pixels exact.
    """
    sizes = sizes or dict(
        train=[(24, 32), (22, 30), (26, 34)], test=[(24, 32), (24, 32)])
    fixture = Fixture(root)
    offset = 0
    for split, split_sizes in sizes.items():
        fixture.splits[split] = {}
        lines = []
        for i, size in enumerate(split_sizes):
            name = f'{offset + i:05d}'
            sample = make_sample(offset + i, 38, size=size)
            sample.rgb_lossless = False
            write_image(
                osp.join(root, 'RGB', name + '.jpg'), sample.rgb, rgb=True)
            write_image(osp.join(root, 'Depth', name + '.png'), sample.aux)
            write_image(osp.join(root, 'labels', name + '.png'), sample.label)
            lines.append(name)
            fixture.splits[split][name] = sample
        offset += len(split_sizes)
        _write_split_file(osp.join(root, split + '.txt'), lines)
    return fixture


MFNET_SPLITS = dict(train=3, val=2, test=2, test_day=1, test_night=1)


def _mfnet_names(counts: Dict[str, int]) -> Dict[str, Sequence[str]]:
    """MFNet-style names: 00001D (day) / 00001N (night)."""
    names, index = {}, 0
    for split, count in counts.items():
        names[split] = [
            f'{index + i + 1:05d}{"DN"[(index + i) % 2]}' for i in range(count)
        ]
        index += count
    return names


def write_mfnet_original(root: str,
                         counts: Optional[Dict[str, int]] = None) -> Fixture:
    """Original MFNet: ``images/*.png`` 4-channel RGBT, ``labels/``, lists."""
    counts = counts or MFNET_SPLITS
    fixture = Fixture(root)
    for split, names in _mfnet_names(counts).items():
        fixture.splits[split] = {}
        for i, name in enumerate(names):
            sample = make_sample(i + len(split), 9)
            # PNG channel order R, G, B, A(=thermal); OpenCV writes B, G, R, A
            bgrt = np.dstack([sample.rgb[..., ::-1], sample.aux])
            write_image(osp.join(root, 'images', name + '.png'), bgrt)
            write_image(osp.join(root, 'labels', name + '.png'), sample.label)
            fixture.splits[split][name] = sample
        _write_split_file(osp.join(root, split + '.txt'), names)
    return fixture


def write_mfnet_separated(root: str,
                          counts: Optional[Dict[str, int]] = None) -> Fixture:
    """Separated MFNet: ``rgb/ thermal/ labels/`` and the same lists."""
    counts = counts or MFNET_SPLITS
    fixture = Fixture(root)
    for split, names in _mfnet_names(counts).items():
        fixture.splits[split] = {}
        for i, name in enumerate(names):
            sample = make_sample(i + len(split), 9)
            write_image(
                osp.join(root, 'rgb', name + '.png'), sample.rgb, rgb=True)
            write_image(osp.join(root, 'thermal', name + '.png'), sample.aux)
            write_image(osp.join(root, 'labels', name + '.png'), sample.label)
            fixture.splits[split][name] = sample
        _write_split_file(osp.join(root, split + '.txt'), names)
    return fixture


def write_pst900(root: str,
                 counts: Optional[Dict[str, int]] = None) -> Fixture:
    """Official PST900: ``{train,test}/{rgb,thermal,thermal_raw,labels}``.

    ``Sample.aux`` is the 8-bit ``thermal/`` image (with a zero "hole");
    the 16-bit ``thermal_raw/`` image (20000..40202) is
    ``Sample.extra['thermal_raw']``.
    """
    counts = counts or dict(train=3, test=2)
    fixture = Fixture(root)
    for split, count in counts.items():
        fixture.splits[split] = {}
        for i in range(count):
            name = f'{split}_{i:04d}'
            sample = make_sample(i, 5)
            sample.aux[:4, :5] = 0  # registration hole
            raw = make_sample(i, 5, aux_bits=16).aux * 2 + 20000
            sample.extra['thermal_raw'] = raw
            base = osp.join(root, split)
            write_image(
                osp.join(base, 'rgb', name + '.png'), sample.rgb, rgb=True)
            write_image(osp.join(base, 'thermal', name + '.png'), sample.aux)
            write_image(osp.join(base, 'thermal_raw', name + '.png'), raw)
            write_image(osp.join(base, 'depth', name + '.png'), raw)
            write_image(osp.join(base, 'labels', name + '.png'), sample.label)
            fixture.splits[split][name] = sample
    return fixture


#: The MVSS fixture: video -> (split, RGB ext, infrared ext, frames on
#: disk, labelled frames). ``KAIST_Street2``'s first labelled frame has no
#: earlier frames on disk (the window falls back to it); ``OSU_Walk``'s
#: first label holds 255.
MVSEG_VIDEOS = {
    'INO_ClosePerson1': ('train', '.jpg', '.jpg', range(13), (10, 12)),
    'KAIST_Street2': ('train', '.png', '.jpg', range(3, 9), (5, 8)),
    'OSU_Walk': ('test', '.png', '.png', range(10), (6, 9)),
    'RGBT234_Car': ('test', '.jpg', '.png', range(4), (3, )),
    # on disk but in no split file
    'INO_Unlisted': ('none', '.jpg', '.jpg', range(2), (1, )),
}


def write_mvseg(root: str) -> Fixture:
    """MVSS-Baseline's MVSeg: ``<split>.txt`` (video names) and
    ``data/<video>/{visible,infrared,label}/NNNNN{v,i,l}.<ext>``.

    Every frame has its RGB and infrared files, only the labelled ones a
    label; the samples are keyed ``'<video>/<frame>'``.
    """
    fixture = Fixture(root)
    videos: Dict[str, list] = {}
    for number, (video, spec) in enumerate(MVSEG_VIDEOS.items()):
        split, rgb_ext, ir_ext, frames, labelled = spec
        videos.setdefault(split, []).append(video)
        base = osp.join(root, 'data', video)
        for frame in frames:
            sample = make_sample(10 * number + frame, 26)
            sample.rgb_lossless = rgb_ext == '.png'
            write_image(
                osp.join(base, 'visible', f'{frame:05d}v{rgb_ext}'),
                sample.rgb,
                rgb=True)
            write_image(
                osp.join(base, 'infrared', f'{frame:05d}i{ir_ext}'),
                sample.aux)
            if frame in labelled:
                if video == 'OSU_Walk' and frame == labelled[0]:
                    sample.label[:3, :4] = 255
                write_image(
                    osp.join(base, 'label', f'{frame:05d}l.png'),
                    sample.label)
                fixture.splits.setdefault(split, {})[
                    f'{video}/{frame}'] = sample
    for split, names in videos.items():
        if split != 'none':
            _write_split_file(osp.join(root, split + '.txt'), names)
    return fixture
