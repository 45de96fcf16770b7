"""Render synthetic indoor-like RGB-D scenes as an NYUv2 dataset.

    python tools/dataset_converters/make_synthetic_rgbd.py OUT_DIR \
        --num-train 300 --num-val 100 --seed 0 [--size 120 160]

Writes NYUv2's SA-Gate / CMX layout: RGB/*.jpg, Depth/*.png (16-bit
millimetres with sensor holes and noise), Label/*.png (NYUv2-40 ids, 0 =
unlabeled), train.txt and test.txt (the --num-val images). Boxes, pictures
and windows (and floor mats and cabinets) look alike in RGB and differ only
in depth. The same seed gives the same files.
"""
import argparse
import time

from mmseg_dplnet.synthetic import CLASSES, write_synthetic_nyuv2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Render synthetic RGB-D scenes (NYUv2 CMX layout)')
    parser.add_argument('out_dir', help='dataset root to write')
    parser.add_argument('--num-train', type=int, default=300)
    parser.add_argument(
        '--num-val', type=int, default=100,
        help='held-out images, written as the test split (test.txt)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--size', type=int, nargs=2, default=[120, 160],
                        metavar=('H', 'W'))
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.time()

    def progress(done: int, total: int) -> None:
        if done == total or done % 100 == 0:
            print(f'  rendered {done}/{total} scenes', flush=True)

    counts = write_synthetic_nyuv2(args.out_dir, args.num_train, args.num_val,
                                   seed=args.seed, size=tuple(args.size),
                                   progress=progress)
    print(f'Wrote {counts["train"]} train + {counts["test"]} test scenes '
          f'({args.size[0]}x{args.size[1]}, classes: {", ".join(CLASSES)}) '
          f'to {args.out_dir} in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
