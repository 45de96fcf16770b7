"""Procedural indoor-like RGB-D scenes in which geometry matters.

A camera looks at a back wall above a floor. On the wall hang rectangles
that are boxes (standing out of the wall), pictures (flat on it) or windows
(set back into it); on the floor lie rectangles that are floor mats (flat)
or cabinets (upright faces). Within each group every object draws its size,
position, colour and texture from ONE shared distribution, and no shading
or shadow betrays its shape: from the RGB image alone a box, a picture and a
window are indistinguishable, as are a mat and a cabinet. Depth tells them
apart. Walls, floors and lamps are easy from RGB.

Depth is a Kinect-like sensor reading in millimetres: noise growing with
the square of the distance, invalid (0) pixels in blobs, in the
"IR shadow" beside protruding objects, and scattered.
"""
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

#: The scene classes, named as in NYUv2-40; a cabinet is an upright box on
#: the floor, a box stands out of the wall.
CLASSES = ('wall', 'floor', 'box', 'picture', 'window', 'floor mat',
           'cabinet', 'lamp')
UNLABELED = 0
WALL, FLOOR, BOX, PICTURE, WINDOW, MAT, CABINET, LAMP = range(1, 9)
#: Label ids on disk: NYUv2-40's ids (1..40, 0 = unlabeled) of the classes,
#: so the files are a valid NYUv2 dataset.
NYUV2_IDS = (0, 1, 2, 29, 11, 9, 20, 3, 35)
#: The groups whose members look alike in RGB.
RGB_AMBIGUOUS = ((BOX, PICTURE, WINDOW), (MAT, CABINET))
#: Display colours (RGB) of the classes, index = label id - 1.
PALETTE = ((174, 199, 232), (152, 223, 138), (214, 39, 40),
           (255, 187, 120), (31, 119, 180), (148, 103, 189),
           (140, 86, 75), (255, 215, 0))


@dataclass
class Scene:
    """One rendered sample.

    Attributes:
        rgb (np.ndarray): (H, W, 3) uint8, RGB order.
        depth_mm (np.ndarray): (H, W) uint16 millimetres, 0 = no reading.
        label (np.ndarray): (H, W) uint8, 0 = unlabeled, 1.. = CLASSES
            (scene ids; :data:`NYUV2_IDS` maps them to NYUv2-40 ids).
    """
    rgb: np.ndarray
    depth_mm: np.ndarray
    label: np.ndarray


def _texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A colour texture (h, w, 3) in [0, 1] from the shared distribution."""
    base = rng.uniform(0.15, 0.9, size=3)
    second = np.clip(base + rng.normal(0, 0.25, size=3), 0, 1)
    kind = rng.integers(4)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 0:  # plain
        mix = np.zeros((h, w), np.float32)
    elif kind == 1:  # stripes at a random angle
        angle, period = rng.uniform(0, np.pi), rng.uniform(3, 10)
        phase = (xx * np.cos(angle) + yy * np.sin(angle)) / period
        mix = (np.sin(2 * np.pi * phase) > 0).astype(np.float32)
    elif kind == 2:  # checker
        cell = rng.uniform(3, 8)
        mix = ((xx // cell + yy // cell) % 2).astype(np.float32)
    else:  # smooth blobs
        coarse = rng.uniform(0, 1, size=(4, 4)).astype(np.float32)
        rows = np.linspace(0, 3, h)[:, None]
        cols = np.linspace(0, 3, w)[None, :]
        mix = coarse[np.round(rows).astype(int), np.round(cols).astype(int)]
    return base * (1 - mix[..., None]) + second * mix[..., None]


def _surface_colour(rng, h, w, hue_low, hue_high) -> np.ndarray:
    """A mildly noisy surface colour (wall / floor family)."""
    colour = np.array([rng.uniform(hue_low[i], hue_high[i]) for i in range(3)])
    noise = rng.normal(0, 0.03, size=(h, w, 1))
    return np.clip(colour + noise, 0, 1)


def _rectangle(rng, region: Tuple[int, int, int, int],
               size_range: Tuple[float, float]) -> Tuple[int, int, int, int]:
    """A random rectangle (y0, y1, x0, x1) inside ``region``."""
    top, bottom, left, right = region
    height = max(4, int(rng.uniform(*size_range) * (bottom - top)))
    width = max(4, int(rng.uniform(*size_range) * (right - left)))
    height, width = min(height, bottom - top), min(width, right - left)
    y0 = int(rng.integers(top, bottom - height + 1))
    x0 = int(rng.integers(left, right - width + 1))
    return y0, y0 + height, x0, x0 + width


def render_scene(rng: np.random.Generator, height: int = 120,
                 width: int = 160) -> Scene:
    """Render one scene.

    Args:
        rng (np.random.Generator): Source of all randomness.
        height (int): Image height. Default: 120.
        width (int): Image width. Default: 160.

    Returns:
        Scene: RGB, depth (mm) and labels.
    """
    h, w = height, width
    focal = 0.9 * w  # pixels
    camera_height = rng.uniform(1.0, 1.6)  # m above the floor
    wall_distance = rng.uniform(2.8, 4.5)
    wall_slope = rng.uniform(-0.6, 0.6)  # depth change over the width, m
    xs = (np.arange(w) - w / 2) / w
    wall_depth = wall_distance + wall_slope * xs  # per column
    # The wall meets the floor at row `horizon`; the floor plane's
    # vanishing row lies focal * camera_height / wall_distance above it.
    horizon = int(h * rng.uniform(0.58, 0.72))
    vanishing_row = horizon - focal * camera_height / wall_distance
    rows = np.arange(h)[:, None].astype(np.float32)

    depth = np.repeat(wall_depth[None, :], h, axis=0).astype(np.float32)
    below = np.broadcast_to(rows >= horizon, (h, w))
    # The floor: a plane seen from camera_height, never beyond the wall.
    floor_depth = camera_height * focal / np.maximum(rows - vanishing_row, 1)
    floor_depth = np.minimum(floor_depth, wall_depth[None, :])
    depth = np.where(below, floor_depth, depth)
    label = np.where(below, FLOOR, WALL).astype(np.uint8)
    rgb = np.where(below[..., None],
                   _surface_colour(rng, h, w, (0.35, 0.25, 0.15),
                                   (0.75, 0.6, 0.45)),
                   _surface_colour(rng, h, w, (0.6, 0.6, 0.6),
                                   (0.95, 0.95, 0.95)))
    shadows: List[Tuple[int, int, int, int, float]] = []

    # Wall objects: box (out), picture (flat), window (in); same looks.
    for _ in range(rng.integers(2, 5)):
        cls = (BOX, PICTURE, WINDOW)[rng.integers(3)]
        y0, y1, x0, x1 = _rectangle(rng, (2, horizon - 2, 2, w - 2),
                                    (0.2, 0.45))
        offset = {BOX: -rng.uniform(0.5, 1.0), PICTURE: 0.0,
                  WINDOW: rng.uniform(0.5, 1.0)}[cls]
        rgb[y0:y1, x0:x1] = _texture(rng, y1 - y0, x1 - x0)
        depth[y0:y1, x0:x1] = wall_depth[None, x0:x1] + offset
        label[y0:y1, x0:x1] = cls
        if cls == BOX:
            shadows.append((y0, y1, x0, x1, -offset))

    # Floor objects: mat (flat) or cabinet (upright face); same looks.
    for _ in range(rng.integers(1, 3)):
        cls = (MAT, CABINET)[rng.integers(2)]
        y0, y1, x0, x1 = _rectangle(
            rng, (horizon + 2, h - 1, 2, w - 2), (0.25, 0.5))
        rgb[y0:y1, x0:x1] = _texture(rng, y1 - y0, x1 - x0)
        if cls == CABINET:  # a vertical face standing at its bottom row
            depth[y0:y1, x0:x1] = floor_depth[y1 - 1, x0]
            shadows.append((y0, y1, x0, x1, 0.5))
        label[y0:y1, x0:x1] = cls

    # A lamp: easy from RGB (a bright warm ellipse), in front of the wall.
    if rng.uniform() < 0.7:
        cy, cx = rng.uniform(0.1, 0.5) * h, rng.uniform(0.1, 0.9) * w
        ry, rx = rng.uniform(0.05, 0.1) * h, rng.uniform(0.04, 0.08) * w
        yy, xx = np.mgrid[0:h, 0:w]
        inside = ((yy - cy) / ry)**2 + ((xx - cx) / rx)**2 <= 1
        rgb[inside] = np.clip(
            np.array([1.0, 0.9, rng.uniform(0.3, 0.6)]) +
            rng.normal(0, 0.03, size=(int(inside.sum()), 3)), 0, 1)
        depth[inside] = np.minimum(depth[inside], wall_distance - 0.8)
        label[inside] = LAMP

    rgb = _apply_lighting(rng, rgb)
    _mark_unlabeled_edges(rng, label)
    return Scene(rgb=rgb, depth_mm=_sense_depth(rng, depth, shadows),
                 label=label)


def _apply_lighting(rng, rgb: np.ndarray) -> np.ndarray:
    """Global exposure, a vignette and sensor noise; to uint8."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    vignette = 1 - 0.25 * (((yy - h / 2) / h)**2 + ((xx - w / 2) / w)**2)
    rgb = rgb * rng.uniform(0.75, 1.15) * vignette[..., None]
    rgb = rgb + rng.normal(0, 0.02, size=rgb.shape)
    return (np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)


def _mark_unlabeled_edges(rng, label: np.ndarray) -> None:
    """Leave some object borders unlabeled, as hand labels do."""
    edges = np.zeros(label.shape, bool)
    edges[1:] |= label[1:] != label[:-1]
    edges[:, 1:] |= label[:, 1:] != label[:, :-1]
    label[edges & (rng.uniform(size=label.shape) < 0.6)] = UNLABELED


def _sense_depth(rng, depth_m: np.ndarray,
                 shadows: List[Tuple[int, int, int, int, float]]
                 ) -> np.ndarray:
    """Simulate a structured-light depth sensor reading in millimetres."""
    h, w = depth_m.shape
    noisy = depth_m + rng.normal(size=depth_m.shape) * (
        0.002 + 0.0015 * depth_m**2)
    valid = np.ones((h, w), bool)
    for y0, y1, x0, x1, strength in shadows:  # IR shadow left of objects
        band = max(1, int(round(3 * strength * w / 160)))
        valid[y0:y1, max(0, x0 - band):x0] = False
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(rng.integers(0, 4)):  # blobs (dark / shiny surfaces)
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(2, 0.12 * h), rng.uniform(2, 0.12 * w)
        valid &= ((yy - cy) / ry)**2 + ((xx - cx) / rx)**2 > 1
    valid &= rng.uniform(size=(h, w)) > 0.005  # scattered dropouts
    millimetres = np.clip(np.round(noisy * 1000), 1, 65535)
    return np.where(valid, millimetres, 0).astype(np.uint16)
