"""demo/video_demo.py, run as a command on frame folders and video files."""
import os
import os.path as osp
import shutil

import cv2
import mmcv
import numpy as np
import pytest
from dplnet_testing import (REPO_ROOT, load_script, run_tool,
                            run_tool_expect_failure)
from inference_vis_testing import (DPLNET_CONFIG, NUM_TEST, ONE_THREAD, SIZE,
                                   read_rgb, read_unchanged, sample_files)

from mmseg_dplnet.apis import MultimodalSegInferencer

DEMO = 'demo/video_demo.py'
NUM_FRAMES = 5
#: Frame numbers of the folders: natural order differs from string order.
NUMBERS = (8, 9, 10, 11, 12)
#: Horizontal shift (pixels) of frame k's scene: k * SHIFT.
SHIFT = 24
#: Depth (mm) at grey level 255 of the 8-bit depth video.
VIDEO_MAX_MM = 6000
VIDEO_FPS = 7
#: Mean absolute difference (levels) allowed by the mp4 compression.
TOLERANCE = 8.


def scene_frames(root: str):
    """NUM_FRAMES (RGB, 16-bit depth) frames: the test samples in turn,
    shifted further each frame (registered: both shift alike)."""
    samples = [(read_rgb(rgb), read_unchanged(depth))
               for rgb, depth, _ in map(lambda i: sample_files(root, i),
                                        range(NUM_TEST))]
    return [
        tuple(np.roll(image, SHIFT * k, axis=1)
              for image in samples[k % NUM_TEST])
        for k in range(NUM_FRAMES)
    ]


def write_video(path: str, frames, fps: float = VIDEO_FPS) -> str:
    """An mp4v video of ``(H, W, 3)`` BGR frames."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    assert writer.isOpened(), path
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def read_video(path: str):
    """The frames (RGB) and the frame rate of a video."""
    reader = mmcv.VideoReader(path)
    return [mmcv.bgr2rgb(frame) for frame in reader], reader.fps


def mean_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - b).mean())


@pytest.fixture(scope='module')
def folders(synthetic_root, tmp_path_factory):
    """RGB .jpg and 16-bit depth .png frame folders, paired by name
    (``frame8_rgb.jpg`` <-> ``frame8_depth.png``)."""
    root = tmp_path_factory.mktemp('frame_folders')
    rgb_dir, depth_dir = root / 'rgb', root / 'depth'
    rgb_dir.mkdir()
    depth_dir.mkdir()
    pairs = []
    for number, (rgb, depth) in zip(NUMBERS, scene_frames(synthetic_root)):
        pair = (str(rgb_dir / f'frame{number}_rgb.jpg'),
                str(depth_dir / f'frame{number}_depth.png'))
        cv2.imwrite(pair[0], rgb[..., ::-1])
        cv2.imwrite(pair[1], depth)
        pairs.append(pair)
    return str(rgb_dir), str(depth_dir), pairs


@pytest.fixture(scope='module')
def videos(synthetic_root, tmp_path_factory):
    """An RGB video and an 8-bit grey depth video at VIDEO_FPS."""
    root = tmp_path_factory.mktemp('videos')
    frames = scene_frames(synthetic_root)
    rgb = write_video(str(root / 'rgb.mp4'),
                      [rgb[..., ::-1] for rgb, _ in frames])
    grey = [
        np.clip(depth / VIDEO_MAX_MM * 255, 0, 255).astype(np.uint8)
        for _, depth in frames
    ]
    depth = write_video(str(root / 'depth.mp4'),
                        [cv2.cvtColor(g, cv2.COLOR_GRAY2BGR) for g in grey])
    return rgb, depth


def expected_figures(checkpoint, pairs, **aux_settings):
    """The inferencer's own drawings of the frame pairs, as the demo asks
    for them."""
    inferencer = MultimodalSegInferencer(
        DPLNET_CONFIG, checkpoint, device='cpu', **aux_settings)
    inferencer.show_progress = False
    return inferencer(
        list(pairs),
        batch_size=2,
        return_vis=True,
        opacity=0.5,
        with_labels=False,
        with_legend=False)['visualization']


def check_video(out: str, expected, fps: float, panels=slice(None)):
    """``out`` holds the expected drawings (``panels`` of the width) at
    ``fps``, each closer to its own drawing than to the next frame's."""
    frames, found_fps = read_video(out)
    assert len(frames) == len(expected) == NUM_FRAMES
    assert found_fps == pytest.approx(fps)
    height, width = SIZE
    for frame, figure in zip(frames, expected):
        assert figure.shape == frame.shape == (height, 3 * width, 3)
    for k, frame in enumerate(frames):
        own = mean_diff(frame[:, panels], expected[k][:, panels])
        other = mean_diff(frame[:, panels],
                          expected[(k + 1) % NUM_FRAMES][:, panels])
        assert own < TOLERANCE < other, (k, own, other)


def test_frame_folders_give_a_side_by_side_video(checkpoint, folders,
                                                 tmp_path):
    rgb_dir, depth_dir, pairs = folders
    out = str(tmp_path / 'out' / 'video.mp4')
    printed = run_tool([
        DEMO, DPLNET_CONFIG, checkpoint, '--rgb', rgb_dir, '--aux',
        depth_dir, '--out', out, '--fps', '12'
    ],
                       env=ONE_THREAD).stdout
    # mmengine's progress bar: its tasks are frames
    assert 'paired by name' in printed and 'task/s' in printed
    assert f'{NUM_FRAMES} frames of {SIZE[0]}x{3 * SIZE[1]}' in printed
    assert out in printed
    check_video(out, expected_figures(checkpoint, pairs), 12)


def test_video_files_give_a_video_at_their_frame_rate(checkpoint, videos,
                                                      tmp_path):
    rgb_video, depth_video = videos
    out = str(tmp_path / 'video.mp4')
    run_tool([
        DEMO, DPLNET_CONFIG, checkpoint, '--rgb', rgb_video, '--aux',
        depth_video, '--out', out, '--batch-size', '2'
    ],
             env=ONE_THREAD)
    # the frames as the demo decodes them: RGB order, depth as one channel
    rgb_frames, _ = read_video(rgb_video)
    depth_frames = [mmcv.rgb2gray(f) for f in read_video(depth_video)[0]]
    expected = expected_figures(
        checkpoint, zip(rgb_frames, depth_frames), aux_bit_depth=8)
    # a swap of R and B would show: the scenes are far from grey
    assert mean_diff(rgb_frames[0], rgb_frames[0][..., ::-1]) > 4 * TOLERANCE
    overlay = slice(2 * SIZE[1], None)
    check_video(out, expected, VIDEO_FPS, overlay)


@pytest.mark.parametrize('case', ['frame_count', 'frame_size'])
def test_mismatched_inputs_fail_clearly(case, checkpoint, folders, videos,
                                        tmp_path):
    rgb_dir, depth_dir, pairs = folders
    aux = str(tmp_path / 'depth')
    shutil.copytree(depth_dir, aux)
    if case == 'frame_count':  # an RGB video and one depth frame too few
        rgb = videos[0]
        os.remove(osp.join(aux, osp.basename(pairs[-1][1])))
        expected = [
            rgb, aux, f'has {NUM_FRAMES} frames', f'has {NUM_FRAMES - 1}'
        ]
    else:  # one depth frame cropped
        rgb = rgb_dir
        cropped = osp.join(aux, osp.basename(pairs[2][1]))
        cv2.imwrite(cropped, read_unchanged(cropped)[:, :-8])
        expected = [
            pairs[2][0], cropped, f'{SIZE[0]}x{SIZE[1]}',
            f'{SIZE[0]}x{SIZE[1] - 8}', 'resize or crop'
        ]
    out = str(tmp_path / 'video.mp4')
    result = run_tool_expect_failure([
        DEMO, DPLNET_CONFIG, checkpoint, '--rgb', rgb, '--aux', aux, '--out',
        out
    ])
    # one line that says what is wrong, no traceback
    assert 'Traceback' not in result.stderr, result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith('video_demo.py: error:'), result.stderr
    for text in expected:
        assert text in message, (text, message)
    assert not osp.exists(out)


# ------------------------------------------------- the checks, in-process
@pytest.fixture(scope='module')
def demo():
    """demo/video_demo.py as a module."""
    return load_script(osp.join(REPO_ROOT, DEMO))


def frame_folder(demo, root, name: str, files, role: str):
    """A FrameFolder of empty files (pairing reads names only)."""
    folder = root / name
    folder.mkdir()
    for file in files:
        (folder / file).touch()
    return demo.FrameFolder(str(folder), role)


@pytest.mark.parametrize('rgb_files, aux_files, pairing, order', [
    # the same names, in natural order
    (['2.jpg', '10.jpg', '1.jpg', 'notes.txt'], ['10.png', '1.png', '2.png'],
     'name', ['1.png', '2.png', '10.png']),
    # the same names but for a modality tag
    (['f2_rgb.jpg', 'f1_rgb.jpg'], ['f1_depth.png', 'f2_depth.png'], 'name',
     ['f1_depth.png', 'f2_depth.png']),
    (['0001V.png', '0002V.png'], ['0002T.png', '0001T.png'], 'name',
     ['0001T.png', '0002T.png']),
    # nothing in common: by order
    (['img_1.jpg', 'img_3.jpg'], ['d_7.png', 'd_9.png'], 'order',
     ['d_7.png', 'd_9.png']),
])
def test_folders_pair_by_name_else_by_order(demo, tmp_path, rgb_files,
                                            aux_files, pairing, order):
    rgb = frame_folder(demo, tmp_path, 'rgb', rgb_files, 'RGB')
    aux = frame_folder(demo, tmp_path, 'aux', aux_files, 'depth')
    assert demo.pair_folders(rgb, aux) == pairing
    assert [osp.basename(path) for path in aux.files] == order


@pytest.mark.parametrize('rgb_files, aux_files, expected', [
    # a frame missing, another extra: names partly match
    (['1.jpg', '2.jpg', '3.jpg'], ['1.png', '2.png', '4.png'],
     ['only partly match', 'without a depth frame: 3.jpg',
      'without an RGB frame: 4.png']),
    # nothing in common and counts differ
    (['a1.jpg', 'a2.jpg'], ['b1.png'],
     ['holds 2 frames', 'holds 1', 'same number of frames']),
])
def test_folders_that_do_not_pair_are_refused(demo, tmp_path, rgb_files,
                                              aux_files, expected):
    rgb = frame_folder(demo, tmp_path, 'rgb', rgb_files, 'RGB')
    aux = frame_folder(demo, tmp_path, 'aux', aux_files, 'depth')
    with pytest.raises(demo.VideoDemoError) as error:
        demo.pair_folders(rgb, aux)
    for text in expected:
        assert text in str(error.value), (text, str(error.value))


def test_frame_rate_is_the_videos_else_fps(demo, folders, videos, tmp_path):
    rgb_video, depth_video = videos
    rgb = demo.VideoFrames(rgb_video, 'RGB')
    depth = demo.VideoFrames(depth_video, 'depth')
    depth_dir = demo.FrameFolder(folders[1], 'depth')
    assert demo.frame_rate(rgb, depth, None) == VIDEO_FPS
    assert demo.frame_rate(rgb, depth_dir, None) == VIDEO_FPS
    assert demo.frame_rate(rgb, depth, 3.) == 3.
    assert demo.frame_rate(demo.FrameFolder(folders[0], 'RGB'), depth_dir,
                           None) == demo.DEFAULT_FPS
    frames = [mmcv.rgb2bgr(f) for f in read_video(depth_video)[0]]
    slower = demo.VideoFrames(
        write_video(str(tmp_path / 'depth.mp4'), frames, fps=5), 'depth')
    with pytest.raises(demo.VideoDemoError, match=r'7 fps .* 5 fps.*--fps'):
        demo.frame_rate(rgb, slower, None)
    assert demo.frame_rate(rgb, slower, 5.) == 5.


def test_depth_video_must_be_grey(demo, videos):
    depth = demo.VideoFrames(videos[1], 'depth')
    frame = next(iter(depth.reader))
    grey = depth.convert(frame, 0)
    assert grey.shape == SIZE and grey.dtype == np.uint8
    coloured = cv2.applyColorMap(grey, cv2.COLORMAP_TURBO)
    with pytest.raises(demo.VideoDemoError, match='must be grey'):
        depth.convert(coloured, 3)
