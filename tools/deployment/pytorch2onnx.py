"""Export a config's segmentor to ONNX and check it with onnxruntime.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT \
        --shape H W --out FILE.onnx [--dynamic] [--verify-shape H2 W2] \
        [--opset N] [--aux-channels C] [--repeat 5] [--threads N] \
        [--cfg-options ...]

The graph has ONE input, ``inputs``: (N, 3 + C, H, W) float32, R, G, B in
0..255 (in this order), then the C auxiliary channels as the dataset loader
encodes them (in [0, 1]; C = 1 for depth and thermal, 3 for HHA, read from
``model.data_preprocessor.aux_modality`` unless ``--aux-channels`` is
given). Its output, ``logits``, is (N, num_classes, H, W): the data
preprocessor's normalisation, the backbone, the decode head and the
bilinear resize to the input's size, i.e. mmseg's 'whole' inference
(:class:`~mmseg_dplnet.deployment.WholeInferenceWrapper`). A config whose
``model.test_cfg.mode`` is 'slide' is exported with whole-image inference.
The graph is fixed to ``--shape`` (batch 1), or with ``--dynamic`` takes
any batch, height and width.

Then the file is checked (``onnx.checker``) and onnxruntime's logits
(CPUExecutionProvider) are compared with PyTorch's through mmseg's own path
(data preprocessor + ``model.predict``, 'whole' mode) on the same seeded
random input (RGB uniform in 0..255, auxiliary channels in [0, 1]): at
``--shape`` with batch 1 and, with ``--dynamic``, at ``--verify-shape`` with
batch 2. Checked: the largest absolute difference relative to the standard
deviation of PyTorch's logits (at most ``--max-rel-diff``) and the agreement
of the per-pixel argmax (at least ``--min-agreement``); the tool exits 1 if
either fails. Last, the latency (batch 1, ``--shape``, fp32, ``--threads``
threads, median of ``--repeat`` runs after one warm-up) of onnxruntime and
of the same wrapper in PyTorch eager mode.

Needs ``requirements/deploy.txt`` (onnx, onnxruntime, onnxscript).
"""
import argparse
import logging
import os
import os.path as osp
import statistics
import sys
import time
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import revert_sync_batchnorm

from mmseg.structures import SegDataSample
from mmseg_dplnet.apis import init_model
from mmseg_dplnet.deployment import WholeInferenceWrapper
from mmseg_dplnet.utils import (RGB_CHANNELS, add_cfg_options_argument,
                                load_config, stacked_channels)
from mmseg_dplnet.utils.channel_split import preprocessor_cfg

try:
    import onnx
    import onnxruntime
    import onnxscript  # noqa: F401 (torch.onnx's exporter needs it)
except ImportError as error:  # the deploy extra is not installed
    sys.exit(f'{error}: pytorch2onnx.py needs onnx, onnxruntime and '
             f'onnxscript; pip install -r requirements/deploy.txt')

Shape = Tuple[int, int]
#: Weights above this are stored next to the .onnx file (protobuf's limit
#: is 2 GiB); below it the file holds them.
EXTERNAL_DATA_BYTES = 1.8 * 2**30
#: Seed of the random verification inputs.
SEED = 0


def default_verify_shape(shape: Shape) -> Shape:
    """A second size for a dynamic graph: H + 32 and W - 32, each rounded
    up to a multiple of 32 (at least 32)."""
    h, w = (-(-side // 32) * 32 for side in shape)
    return h + 32, max(32, w - 32)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument(
        '--shape', type=int, nargs=2, metavar=('H', 'W'),
        help='input size of the export and the checks (default: the data '
        'preprocessor\'s size)')
    parser.add_argument(
        '--dynamic', action='store_true',
        help='dynamic batch, height and width (default: fixed to --shape, '
        'batch 1)')
    parser.add_argument(
        '--verify-shape', type=int, nargs=2, metavar=('H2', 'W2'),
        help='second size checked with --dynamic (default: H + 32, W - 32, '
        'rounded up to multiples of 32)')
    parser.add_argument('--opset', type=int,
                        help='ONNX opset (default: the exporter\'s)')
    parser.add_argument(
        '--aux-channels', type=int,
        help='auxiliary channels of the input (default: those of '
        'model.data_preprocessor.aux_modality)')
    parser.add_argument('--repeat', type=int, default=5,
                        help='timed runs of each runtime (median reported)')
    parser.add_argument(
        '--threads', type=int, default=torch.get_num_threads(),
        help='CPU threads of PyTorch and onnxruntime (default: PyTorch\'s, '
        '%(default)s here)')
    parser.add_argument(
        '--max-rel-diff', type=float, default=1e-4,
        help='largest |onnxruntime - PyTorch| / std(PyTorch logits)')
    parser.add_argument('--min-agreement', type=float, default=0.999,
                        help='smallest fraction of equal argmax pixels')
    add_cfg_options_argument(parser)
    args = parser.parse_args()
    for kind, path in (('config', args.config),
                       ('checkpoint', args.checkpoint)):
        if not osp.isfile(path):
            parser.error(f'{kind} file not found: {path}')
    for name in ('shape', 'verify_shape'):
        value = getattr(args, name)
        if value is not None and min(value) < 1:
            parser.error(f'--{name.replace("_", "-")} must be positive, got '
                         f'{value[0]} {value[1]}')
    for name in ('repeat', 'threads', 'aux_channels'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1, got '
                         f'{value}')
    if args.verify_shape is not None and not args.dynamic:
        parser.error('--verify-shape checks a --dynamic graph')
    return args


def random_inputs(batch: int, channels: int, shape: Shape,
                  seed: int = SEED) -> torch.Tensor:
    """Seeded (batch, channels, H, W) float32: RGB uniform in 0..255, the
    auxiliary channels uniform in [0, 1]."""
    generator = torch.Generator().manual_seed(seed)
    scale = torch.tensor([255.] * RGB_CHANNELS + [1.] *
                         (channels - RGB_CHANNELS)).view(1, -1, 1, 1)
    return torch.rand((batch, channels, *shape), generator=generator) * scale


def mmseg_logits(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """PyTorch's logits through mmseg's path: the data preprocessor, then
    ``model.predict`` in 'whole' mode; (N, num_classes, H, W)."""
    shape = tuple(inputs.shape[2:])
    meta = dict(img_shape=shape, ori_shape=shape, pad_shape=shape)
    data = model.data_preprocessor(
        dict(inputs=list(inputs),
             data_samples=[SegDataSample(metainfo=meta) for _ in inputs]),
        False)
    with torch.no_grad():
        results = model.predict(data['inputs'], data['data_samples'])
    return torch.stack([result.seg_logits.data for result in results])


def export(wrapper: nn.Module, sample: torch.Tensor, out: str, dynamic: bool,
           opset: Optional[int]) -> float:
    """Write ``wrapper``'s graph for inputs like ``sample``; the seconds
    it took."""
    # torch 2.13 has two exporters. The default one (dynamo=True, since
    # torch 2.9) captures the graph with torch.export and writes it with
    # onnxscript; the TorchScript-based one (dynamo=False) still works but
    # warns that it is deprecated and will be removed. The dynamo one is
    # used: it is the maintained path, and it reasons about the dynamic
    # sizes instead of tracing Python ints into constants silently (its
    # graph runs as fast in onnxruntime). Its cost is export time: B5 with
    # dynamic sizes takes about 5 min on 2 CPU cores against 40 s for the
    # TorchScript one (fixed to 480x640: 1.5 min).
    dynamic_shapes = None
    if dynamic:
        dims = torch.export.Dim
        dynamic_shapes = dict(inputs={
            0: dims('batch'),
            2: dims('height'),
            3: dims('width')
        })
    weight_bytes = sum(t.numel() * t.element_size()
                       for t in wrapper.state_dict().values())
    # onnxscript's optimizer warns about every multi-output node it leaves
    # unfolded (LayerNormalization, Split): noise
    logging.getLogger('onnxscript.optimizer._constant_folding').setLevel(
        logging.ERROR)
    start = time.perf_counter()
    torch.onnx.export(
        wrapper, (sample, ),
        out,
        dynamo=True,
        input_names=['inputs'],
        output_names=['logits'],
        opset_version=opset,
        dynamic_shapes=dynamic_shapes,
        external_data=weight_bytes > EXTERNAL_DATA_BYTES)
    return time.perf_counter() - start


def compare(reference: torch.Tensor,
            result: np.ndarray) -> Tuple[float, float]:
    """(max |result - reference| / std(reference), argmax agreement)."""
    expected = reference.numpy()
    if result.shape != expected.shape:
        sys.exit(f'onnxruntime gave logits of shape {result.shape}, PyTorch '
                 f'{expected.shape}')
    rel_diff = float(np.abs(result - expected).max() / expected.std())
    agreement = float((result.argmax(1) == expected.argmax(1)).mean())
    return rel_diff, agreement


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``run()`` in ms, after one warm-up call."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    cfg = load_config(args.config, args.cfg_options)
    shape = tuple(args.shape or preprocessor_cfg(cfg.model).get('size') or ())
    if len(shape) != 2:
        sys.exit('give --shape H W (the data preprocessor has no size)')
    if args.aux_channels is not None:
        channels = RGB_CHANNELS + args.aux_channels
    else:
        try:
            channels = stacked_channels(cfg.model)
        except ValueError as error:
            sys.exit(f'{error}; or give --aux-channels')
    if channels <= RGB_CHANNELS:
        sys.exit(f'pytorch2onnx.py exports RGB-X models ({RGB_CHANNELS} RGB '
                 f'channels, then the auxiliary modality) but this model '
                 f'takes {channels} channels')
    model = revert_sync_batchnorm(init_model(cfg, args.checkpoint, 'cpu'))
    mode = (model.test_cfg or {}).get('mode', 'whole')
    if mode != 'whole':
        print(f'Note: model.test_cfg.mode is {mode!r}; {mode} inference is '
              f'not exported: the graph runs whole-image inference (and is '
              f'checked against mmseg\'s whole mode)')
        model.test_cfg.mode = 'whole'
    if getattr(model.data_preprocessor, 'test_cfg', None):
        print('Note: the data preprocessor\'s test-time padding '
              '(data_preprocessor.test_cfg) is not exported: the graph runs '
              'at the input\'s size')
        model.data_preprocessor.test_cfg = None
    wrapper = WholeInferenceWrapper(model, channels - RGB_CHANNELS).eval()

    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    # a dynamic batch is traced with 2 images (1 would be specialised)
    sample = random_inputs(2 if args.dynamic else 1, channels, shape)
    size = (f'N x {channels} x H x W (dynamic)' if args.dynamic else
            f'1 x {channels} x {shape[0]} x {shape[1]}')
    print(f'Config: {args.config}\nCheckpoint: {args.checkpoint}\n'
          f'Input: {size}, RGB 0..255 then {channels - RGB_CHANNELS} '
          f'auxiliary channel(s) in [0, 1]', flush=True)
    seconds = export(wrapper, sample, args.out, args.dynamic, args.opset)
    onnx.checker.check_model(args.out)
    opsets = {o.domain or 'ai.onnx': o.version
              for o in onnx.load(args.out, load_external_data=False)
              .opset_import}
    files = [args.out] + ([args.out + '.data']
                          if osp.isfile(args.out + '.data') else [])
    megabytes = sum(osp.getsize(f) for f in files) / 2**20
    print(f'Exported {args.out} in {seconds:.1f} s: {megabytes:.1f} MiB, '
          f'opset {opsets.get("ai.onnx")}; onnx.checker: OK', flush=True)

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        args.out, options, providers=['CPUExecutionProvider'])
    checks: List[Tuple[int, Shape]] = [(1, shape)]
    if args.dynamic:
        checks.append((2, tuple(args.verify_shape
                                or default_verify_shape(shape))))
    failures = []
    for batch, check_shape in checks:
        inputs = random_inputs(batch, channels, check_shape)
        reference = mmseg_logits(model, inputs)
        (result, ) = session.run(['logits'], {'inputs': inputs.numpy()})
        rel_diff, agreement = compare(reference, result)
        passed = (rel_diff <= args.max_rel_diff
                  and agreement >= args.min_agreement)
        print(f'Check {batch}x{channels}x{check_shape[0]}x{check_shape[1]}: '
              f'max |onnxruntime - PyTorch| / std(PyTorch logits) = '
              f'{rel_diff:.2e} (limit {args.max_rel_diff:.0e}), argmax '
              f'agreement {100 * agreement:.3f}% (limit '
              f'{100 * args.min_agreement:.1f}%): '
              f'{"OK" if passed else "FAILED"}', flush=True)
        if not passed:
            failures.append(f'{batch}x{channels}x{check_shape[0]}x'
                            f'{check_shape[1]}')
    if failures:
        sys.exit(f'onnxruntime does not reproduce PyTorch at '
                 f'{", ".join(failures)}: see the checks above')

    inputs = random_inputs(1, channels, shape)
    feed = {'inputs': inputs.numpy()}
    ort_ms = median_ms(lambda: session.run(['logits'], feed), args.repeat)
    with torch.inference_mode():
        torch_ms = median_ms(lambda: wrapper(inputs), args.repeat)
    print(f'Latency (1x{channels}x{shape[0]}x{shape[1]}, fp32, CPU, '
          f'{args.threads} thread(s), median of {args.repeat}): onnxruntime '
          f'{ort_ms:.1f} ms, PyTorch {torch_ms:.1f} ms (eager, the same '
          f'computation; {torch_ms / ort_ms:.2f}x)')


if __name__ == '__main__':
    main()
