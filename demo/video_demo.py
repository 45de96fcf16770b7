"""Segment an RGB + auxiliary video frame by frame into a side-by-side video.

Each output frame is RGB | auxiliary modality (colour map) | prediction
overlay at the input's size (no legend, so that every frame has one size),
drawn by the config's visualiser through :class:`MultimodalSegInferencer`,
which segments the frames in batches of ``--batch-size``. The output video
runs at the input frame rate.

Inputs (``--rgb`` and ``--aux``, each on its own):

- a folder of frames: the image files in it (``.bmp``, ``.jpg``,
  ``.jpeg``, ``.png``, ``.tif``, ``.tiff``, ``.webp``), in natural order
  (``2.png`` before ``10.png``), read as the config reads its test files
  (a 16-bit depth PNG stays 16-bit);
- a video file, read with :class:`mmcv.VideoReader`. Its frames are 8-bit,
  so an auxiliary video is read with ``--aux-bit-depth 8`` (8-bit values
  mapped linearly to ``[0, 1]``: the config's value range belongs to its
  own bit depth). A depth or thermal video must be grey: its decoded
  frames are taken as their luma (:func:`mmcv.bgr2gray`; a codec's chroma
  noise leaves the three channels a few levels apart), and a frame whose
  channels differ by more than :data:`GREY_TOLERANCE` levels on average
  (a colour-mapped video) is refused. An HHA video keeps its 3 channels.

Pairing: two folders pair their frames by name when both hold the same
names, exactly or after removing a modality tag at the end
(``0001_rgb.jpg`` <-> ``0001_depth.png``, ``0001D`` <-> ``0001T``); by
order when their names have nothing in common. Otherwise (a folder or
video with another number of frames, names that only partly match), and
when an RGB frame and its auxiliary frame differ in size, or RGB frames
differ in size from each other, nothing is segmented: the error names the
inputs and the fix. A video is paired with the other input by frame order.

Frame rate: ``--fps`` when given, else the RGB video's, else the auxiliary
video's, else :data:`DEFAULT_FPS` (folders). Two videos of different frame
rates are refused (their frames would not be simultaneous) unless ``--fps``
is given.

The progress bar is mmengine's :class:`~mmengine.utils.ProgressBar`: its
``task/s`` is frames per second.

Example:
    python demo/video_demo.py configs/dplnet/nyuv2_b5.py CKPT \\
        --rgb frames/rgb --aux frames/depth --out result.mp4
"""
import os.path as osp
import re
import sys
from argparse import ArgumentParser, Namespace
from itertools import islice
from typing import (Iterable, Iterator, List, Optional, Sequence, Tuple,
                    Union)

import cv2
import mmcv
import mmengine
import numpy as np
from mmengine.utils import ProgressBar
from PIL import Image

from mmseg_dplnet.apis import (MultimodalSegInferencer,
                               resolve_inference_aux_settings)
from mmseg_dplnet.apis.inference_inputs import ImageSource
from mmseg_dplnet.datasets.transforms.image_files import read_image
from mmseg_dplnet.utils import add_cfg_options_argument, load_config

#: Suffixes of the frame files of a folder (lower case).
IMAGE_SUFFIXES = ('.bmp', '.jpeg', '.jpg', '.png', '.tif', '.tiff', '.webp')
#: Frame rate of an output made from frame folders alone.
DEFAULT_FPS = 10.
#: Largest mean difference (grey levels) between two channels of a decoded
#: depth / thermal video frame that still counts as grey.
GREY_TOLERANCE = 12.
#: A modality tag at the end of a frame name (``_rgb``, ``-depth``, ``.ir``,
#: or one letter after the frame number), removed to pair frames by name.
_MODALITY_TAG = re.compile(
    r'(?:[_\-. ]?(?:rgb|color|colour|visible|depth|disparity|thermal|'
    r'infrared|lwir|ir|hha|aux)|(?<=\d)[a-z])$', re.IGNORECASE)
#: File names listed in a message, at most.
_SHOWN = 5

Size = Tuple[int, int]


class VideoDemoError(ValueError):
    """Inputs or outputs the demo cannot use; the message says the fix."""


def natural_key(name: str) -> list:
    """Sort key that orders the numbers in ``name`` by value (2 < 10)."""
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r'(\d+)', name)]


def _stem(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def _tagless_stem(path: str) -> str:
    return _MODALITY_TAG.sub('', _stem(path)).lower()


def _listing(paths: Sequence[str]) -> str:
    names = [osp.basename(p) for p in paths[:_SHOWN]]
    more = f', ... ({len(paths)} in all)' if len(paths) > _SHOWN else ''
    return ', '.join(names) + more


class FrameFolder:
    """The frame files of a folder, in natural order.

    Args:
        path (str): The folder.
        role (str): What the frames show (``'RGB'``, ``'depth'``, ...).
    """

    kind = 'folder'
    fps: Optional[float] = None

    def __init__(self, path: str, role: str) -> None:
        self.path, self.role = path, role
        names = sorted(
            (name for name in mmengine.scandir(path)
             if name.lower().endswith(IMAGE_SUFFIXES)),
            key=natural_key)
        if not names:
            raise VideoDemoError(
                f'the {role} folder {path} holds no frames (image files '
                f'ending in {", ".join(IMAGE_SUFFIXES)}); give a folder of '
                f'frames or a video file')
        self.files = [osp.join(path, name) for name in names]

    def __len__(self) -> int:
        return len(self.files)

    def describe(self) -> str:
        """``'<role> folder PATH'``, for messages."""
        return f'{self.role} folder {self.path}'

    def frame_name(self, index: int) -> str:
        """The file of frame ``index``, for messages."""
        return f'{self.role} frame {self.files[index]}'

    def sizes(self) -> List[Size]:
        """(h, w) of each frame, from the file headers."""
        return [self._size(path) for path in self.files]

    def _size(self, path: str) -> Size:
        try:
            with Image.open(path) as image:
                width, height = image.size
        except OSError:  # decode it: read_image says what is wrong
            height, width = read_image(path, role=self.role).shape[:2]
        return height, width

    def __iter__(self) -> Iterator[ImageSource]:
        """The frame files (the inferencer reads them as the config's test
        files are read)."""
        return iter(self.files)


class VideoFrames:
    """The frames of a video file, as arrays the inferencer takes.

    Args:
        path (str): The video file.
        role (str): ``'RGB'`` or the auxiliary modality.
    """

    kind = 'video'

    def __init__(self, path: str, role: str) -> None:
        self.path, self.role = path, role
        self.reader = mmcv.VideoReader(path)
        if not self.reader.opened:
            raise VideoDemoError(
                f'cannot open the {role} video {path}: OpenCV cannot decode '
                f'it; convert it (e.g. ffmpeg -i {path} out.mp4) or give a '
                f'folder of its frames')
        if self.reader.frame_cnt <= 0:
            raise VideoDemoError(
                f'the {role} video {path} reports no frame count (a stream '
                f'without an index?); convert it to a file (e.g. ffmpeg -i '
                f'{path} out.mp4) or give a folder of its frames')
        self.fps = self.reader.fps if self.reader.fps > 0 else None

    def __len__(self) -> int:
        return self.reader.frame_cnt

    def describe(self) -> str:
        """``'<role> video PATH'``, for messages."""
        return f'{self.role} video {self.path}'

    def frame_name(self, index: int) -> str:
        """Frame ``index`` of the video, for messages."""
        return f'frame {index} of the {self.describe()}'

    def sizes(self) -> List[Size]:
        """(h, w) of each frame: the video's resolution."""
        return [(self.reader.height, self.reader.width)] * len(self)

    def convert(self, bgr: np.ndarray, index: int) -> np.ndarray:
        """A decoded (BGR, uint8) frame as the inferencer's array input.

        RGB and HHA frames become R, G, B order (an HHA file's H, H, A);
        depth and thermal frames their luma, if they are grey.
        """
        if self.role in ('RGB', 'hha'):
            return mmcv.bgr2rgb(bgr)
        spread = max(
            np.abs(bgr[..., i].astype(np.int16) - bgr[..., j]).mean()
            for i, j in ((0, 1), (0, 2), (1, 2)))
        if spread > GREY_TOLERANCE:
            raise VideoDemoError(
                f'{self.frame_name(index)} is in colour (its channels differ '
                f'by {spread:.0f} levels on average): a {self.role} video '
                f'must be grey, the raw map in 8 bits, not colour-mapped. '
                f'Export the map itself, or give a folder of {self.role} '
                f'images')
        return mmcv.bgr2gray(bgr)

    def __iter__(self) -> Iterator[ImageSource]:
        for index, frame in enumerate(self.reader):
            yield self.convert(frame, index)


#: The frames of one input.
FrameSource = Union[FrameFolder, VideoFrames]


def open_frames(path: str, role: str) -> FrameSource:
    """A :class:`FrameFolder` or :class:`VideoFrames` for ``path``.

    Args:
        path (str): A folder of frames or a video file.
        role (str): ``'RGB'`` or the auxiliary modality.

    Returns:
        FrameFolder | VideoFrames: The frames.
    """
    if osp.isdir(path):
        return FrameFolder(path, role)
    if osp.isfile(path):
        return VideoFrames(path, role)
    raise VideoDemoError(f'the {role} input {path} does not exist: give a '
                         f'folder of frames or a video file')


def pair_folders(rgb: FrameFolder, aux: FrameFolder) -> str:
    """Order ``aux``'s files as their RGB frames; say how they were paired.

    Frames pair by name when both folders hold the same names, exactly or
    without a modality tag at the end, and by order when no name is
    shared.

    Args:
        rgb (FrameFolder): The RGB frames.
        aux (FrameFolder): The auxiliary frames; reordered in place.

    Returns:
        str: ``'name'`` or ``'order'``.

    Raises:
        VideoDemoError: If the names partly match, or no name matches and
            the numbers of frames differ.
    """
    for key_of in (_stem, _tagless_stem):
        rgb_keys = [key_of(path) for path in rgb.files]
        aux_keys = [key_of(path) for path in aux.files]
        by_key = dict(zip(aux_keys, aux.files))
        if (set(rgb_keys) == set(by_key) and len(by_key) == len(aux_keys)
                and len(set(rgb_keys)) == len(rgb_keys)):
            aux.files = [by_key[key] for key in rgb_keys]
            return 'name'
    counts = (f'the {rgb.describe()} holds {len(rgb)} frames and the '
              f'{aux.describe()} holds {len(aux)}')
    if set(rgb_keys) & set(aux_keys):
        rgb_only = [p for p, k in zip(rgb.files, rgb_keys)
                    if k not in set(aux_keys)]
        aux_only = [p for p, k in zip(aux.files, aux_keys)
                    if k not in set(rgb_keys)]
        raise VideoDemoError(
            f'the frame names only partly match: {counts}; without a '
            f'{aux.role} frame: {_listing(rgb_only) or "none"}; without an '
            f'RGB frame: {_listing(aux_only) or "none"}. Give every RGB '
            f'frame its {aux.role} frame (same name, or same name with a '
            f'modality tag such as _rgb / _{aux.role}), or remove the '
            f'unpaired ones')
    if len(rgb) != len(aux):
        raise VideoDemoError(
            f'{counts}, and their names have nothing in common, so they '
            f'pair by order: give both folders the same number of frames '
            f'(or the same names)')
    return 'order'


def check_inputs(rgb: FrameSource, aux: FrameSource) -> str:
    """Pair the frames of two inputs and check their sizes.

    Args:
        rgb (FrameFolder | VideoFrames): The RGB frames.
        aux (FrameFolder | VideoFrames): The auxiliary frames.

    Returns:
        str: How the frames pair: ``'name'`` or ``'order'``.

    Raises:
        VideoDemoError: If the frames cannot be paired, if an RGB frame and
            its auxiliary frame differ in size, or if two RGB frames do (the
            output video has one size).
    """
    if rgb.kind == aux.kind == 'folder':
        pairing = pair_folders(rgb, aux)
    elif len(rgb) != len(aux):
        raise VideoDemoError(
            f'the {rgb.describe()} has {len(rgb)} frames but the '
            f'{aux.describe()} has {len(aux)}: frames pair by order, so '
            f'both must have the same number of frames (trim the longer '
            f'one)')
    else:
        pairing = 'order'
    rgb_sizes, aux_sizes = rgb.sizes(), aux.sizes()
    for index, (rgb_size, aux_size) in enumerate(zip(rgb_sizes, aux_sizes)):
        if rgb_size != aux_size:
            raise VideoDemoError(
                f'size mismatch: {rgb.frame_name(index)} is '
                f'{rgb_size[0]}x{rgb_size[1]} (HxW) but '
                f'{aux.frame_name(index)} is {aux_size[0]}x{aux_size[1]}; '
                f'each RGB frame and its {aux.role} frame must be registered '
                f'to the same size (resize or crop one of them)')
        if rgb_size != rgb_sizes[0]:
            raise VideoDemoError(
                f'{rgb.frame_name(index)} is {rgb_size[0]}x{rgb_size[1]} '
                f'(HxW) but {rgb.frame_name(0)} is '
                f'{rgb_sizes[0][0]}x{rgb_sizes[0][1]}: the frames of a video '
                f'have one size; resize the frames (and their {aux.role} '
                f'frames) to one size')
    return pairing


def frame_rate(rgb: FrameSource, aux: FrameSource,
               fps: Optional[float]) -> float:
    """The output's frame rate: ``fps``, else the RGB video's, else the
    auxiliary video's, else :data:`DEFAULT_FPS`.

    Raises:
        VideoDemoError: If two videos have different frame rates and
            ``fps`` is None.
    """
    if fps is not None:
        return fps
    if rgb.fps and aux.fps and abs(rgb.fps - aux.fps) > 1e-3 * rgb.fps:
        raise VideoDemoError(
            f'the {rgb.describe()} runs at {rgb.fps:g} fps but the '
            f'{aux.describe()} at {aux.fps:g} fps, so their frames are not '
            f'simultaneous; re-encode one at the other\'s rate, or pass '
            f'--fps to pair them by frame order anyway')
    return rgb.fps or aux.fps or DEFAULT_FPS


def frame_pairs(
        rgb: FrameSource,
        aux: FrameSource) -> Iterator[Tuple[ImageSource, ImageSource]]:
    """The ``(rgb, aux)`` inputs of the frames, in order.

    Raises:
        VideoDemoError: If a video ends before its reported frame count.
    """
    streams = (iter(rgb), iter(aux))
    for index in range(len(rgb)):
        pair = tuple(next(stream, None) for stream in streams)
        for source, frame in zip((rgb, aux), pair):
            if frame is None:
                raise VideoDemoError(
                    f'the {source.describe()} ends after {index} frames '
                    f'although it reports {len(source)}: re-encode it '
                    f'(e.g. ffmpeg -i {source.path} out.mp4)')
        yield pair


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of ``size`` items (the last one shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def open_writer(path: str, fourcc: str, fps: float,
                size: Size) -> cv2.VideoWriter:
    """An OpenCV video writer of ``size`` (h, w) frames; its folder is
    created."""
    mmengine.mkdir_or_exist(osp.dirname(osp.abspath(path)))
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps,
                             (size[1], size[0]))
    if not writer.isOpened():
        raise VideoDemoError(
            f'OpenCV cannot write {path} with the codec {fourcc!r}; give '
            f'another --fourcc (e.g. XVID with an .avi file) or another '
            f'--out file type')
    return writer


def parse_args() -> Namespace:
    """Parse the command line."""
    parser = ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--rgb', required=True, help='RGB video file or folder of frames')
    parser.add_argument(
        '--aux',
        required=True,
        help='auxiliary (depth, HHA, thermal) video file or folder of frames')
    parser.add_argument('--out', required=True, help='output video file')
    parser.add_argument(
        '--fps',
        type=float,
        help=f'output frame rate (default: the input video\'s; '
        f'{DEFAULT_FPS:g} for folders)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=4,
        help='frames per inference batch (default: 4)')
    parser.add_argument(
        '--fourcc',
        default='mp4v',
        help='OpenCV codec of the output (default: mp4v)')
    parser.add_argument(
        '--opacity',
        type=float,
        default=0.5,
        help='opacity of the prediction colours, in [0, 1]')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument(
        '--aux-modality',
        choices=['depth', 'hha', 'thermal'],
        help='auxiliary modality (default: the model\'s)')
    parser.add_argument(
        '--aux-bit-depth',
        type=int,
        choices=[8, 16],
        help='bit depth of the auxiliary frame files (default: the '
        'config\'s; another one also drops the config\'s value range); 8 '
        'for an auxiliary video')
    add_cfg_options_argument(parser)
    args = parser.parse_args()
    if not 0 <= args.opacity <= 1:
        parser.error(f'--opacity must be in [0, 1], got {args.opacity}')
    if args.fps is not None and not args.fps > 0:
        parser.error(f'--fps must be positive, got {args.fps}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be at least 1, got '
                     f'{args.batch_size}')
    if len(args.fourcc) != 4:
        parser.error(f'--fourcc is a 4-character code such as mp4v, got '
                     f'{args.fourcc!r}')
    return args


def run(args: Namespace) -> None:
    """Check the inputs, then segment them and write the video."""
    cfg = load_config(args.config, args.cfg_options)
    aux_bit_depth = args.aux_bit_depth
    if osp.isfile(args.aux):  # a video: 8-bit frames
        if aux_bit_depth not in (None, 8):
            raise VideoDemoError(
                f'--aux-bit-depth {aux_bit_depth} was given but {args.aux} '
                f'is a video, whose frames are 8-bit: drop --aux-bit-depth, '
                f'or give a folder of {aux_bit_depth}-bit frames')
        aux_bit_depth = 8
    modality, _ = resolve_inference_aux_settings(
        cfg, aux_modality=args.aux_modality, aux_bit_depth=aux_bit_depth)
    rgb, aux = open_frames(args.rgb, 'RGB'), open_frames(args.aux, modality)
    pairing = check_inputs(rgb, aux)
    fps = frame_rate(rgb, aux, args.fps)
    print(f'Segmenting {len(rgb)} frames of the {rgb.describe()} and the '
          f'{aux.describe()} (paired by {pairing}), {args.batch_size} per '
          f'batch')

    inferencer = MultimodalSegInferencer(
        cfg,
        args.checkpoint,
        device=args.device,
        aux_modality=args.aux_modality,
        aux_bit_depth=aux_bit_depth)
    inferencer.show_progress = False  # one bar for the video, below
    writer, size = None, None
    progress = ProgressBar(len(rgb))  # its task/s are frames/s
    try:
        for batch in batched(frame_pairs(rgb, aux), args.batch_size):
            figures = inferencer(
                batch,
                batch_size=len(batch),
                return_vis=True,
                opacity=args.opacity,
                with_labels=False,
                with_legend=False)['visualization']
            if len(batch) == 1:  # mmseg unwraps a single result
                figures = [figures]
            for figure in figures:
                if writer is None:
                    # YUV 4:2:0 codecs need even sizes (else they crop)
                    size = (figure.shape[0] // 2 * 2,
                            figure.shape[1] // 2 * 2)
                    writer = open_writer(args.out, args.fourcc, fps, size)
                if figure.shape[0] // 2 * 2 != size[0] or \
                        figure.shape[1] // 2 * 2 != size[1]:
                    raise RuntimeError(
                        f'the visualiser drew a {figure.shape[:2]} frame '
                        f'after {size} ones')
                writer.write(mmcv.rgb2bgr(figure[:size[0], :size[1]]))
            progress.update(len(batch))
    finally:
        if writer is not None:
            writer.release()
    print(f'\nWrote {len(rgb)} frames of {size[0]}x{size[1]} (HxW: RGB | '
          f'{modality} | prediction) at {fps:g} fps to {args.out}')


def main() -> None:
    args = parse_args()
    try:
        run(args)
    except VideoDemoError as error:
        sys.exit(f'{osp.basename(__file__)}: error: {error}')


if __name__ == '__main__':
    main()
