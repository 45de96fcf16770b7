"""Write synthetic RGB-D scenes as an NYUv2 dataset (SA-Gate / CMX layout)."""
import os
import os.path as osp
from typing import Callable, Dict, Optional, Tuple

import cv2
import numpy as np

from .rgbd_scenes import NYUV2_IDS, render_scene

SPLIT_IDS = {'train': 0, 'test': 1}


def write_synthetic_nyuv2(out_dir: str,
                          num_train: int,
                          num_test: int,
                          seed: int = 0,
                          size: Tuple[int, int] = (120, 160),
                          progress: Optional[Callable[[int, int], None]] = None
                          ) -> Dict[str, int]:
    """Render scenes into ``out_dir`` in the NYUv2 SA-Gate / CMX layout.

    ``RGB/<stem>.jpg`` (8-bit), ``Depth/<stem>.png`` (16-bit millimetres,
    0 = no reading), ``Label/<stem>.png`` (NYUv2-40 ids of the scene
    classes, :data:`~.rgbd_scenes.NYUV2_IDS`; 0 = unlabeled), ``train.txt`` and ``test.txt`` (one
    stem per line). Each image has its own generator seeded by (seed,
    split, index): the same seed always gives the same files.

    Args:
        out_dir (str): Dataset root to create.
        num_train (int): Training images.
        num_test (int): Test images (never used for training).
        seed (int): Seed. Default: 0.
        size (tuple[int, int]): (height, width). Default: (120, 160).
        progress (callable, optional): Called as ``progress(done, total)``.

    Returns:
        dict: The number of images per split.
    """
    for folder in ('RGB', 'Depth', 'Label'):
        os.makedirs(osp.join(out_dir, folder), exist_ok=True)
    counts = dict(train=num_train, test=num_test)
    total, done = num_train + num_test, 0
    to_nyuv2_ids = np.array(NYUV2_IDS, dtype=np.uint8)
    for split, count in counts.items():
        stems = []
        for index in range(count):
            rng = np.random.default_rng([seed, SPLIT_IDS[split], index])
            scene = render_scene(rng, *size)
            stem = f'{split}_{index:05d}'
            cv2.imwrite(osp.join(out_dir, 'RGB', stem + '.jpg'),
                        scene.rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95])
            cv2.imwrite(osp.join(out_dir, 'Depth', stem + '.png'),
                        scene.depth_mm)
            cv2.imwrite(osp.join(out_dir, 'Label', stem + '.png'),
                        to_nyuv2_ids[scene.label])
            stems.append(stem)
            done += 1
            if progress is not None:
                progress(done, total)
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            f.write(''.join(stem + '\n' for stem in stems))
    return counts
