"""MultimodalSegInferencer: mmseg's inferencer on RGB + auxiliary pairs of
files and arrays, with the demo DPLNet config and a real (tiny) model."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from inference_vis_testing import (DPLNET_CONFIG, SIZE, read_rgb,
                                   read_unchanged, sample_files)
from PIL import Image

from mmseg.registry import INFERENCERS
from mmseg_dplnet.apis import MultimodalSegInferencer, inference_multimodal
from mmseg_dplnet.synthetic import CLASSES


@pytest.fixture(scope='module')
def inferencer(checkpoint):
    built = INFERENCERS.build(
        dict(
            type='MultimodalSegInferencer',
            model=DPLNET_CONFIG,
            weights=checkpoint,
            device='cpu'))
    assert isinstance(built, MultimodalSegInferencer)
    return built


def pairs_of(root):
    """The two test samples as file pairs and as array pairs."""
    files = [sample_files(root, i)[:2] for i in range(2)]
    arrays = [(read_rgb(rgb), read_unchanged(aux)) for rgb, aux in files]
    return files, arrays


def test_single_pair_of_files_or_arrays(inferencer, model, synthetic_root):
    files, arrays = pairs_of(synthetic_root)
    from_files = inferencer(files[0])
    from_arrays = inferencer(arrays[0])
    from_dict = inferencer(dict(rgb=files[0][0], aux=arrays[0][1]))
    expected = inference_multimodal(model, *files[0]).pred_sem_seg.data[0]
    assert from_files['predictions'].shape == SIZE
    for result in (from_files, from_arrays, from_dict):
        np.testing.assert_array_equal(result['predictions'],
                                      expected.numpy())
        assert result['visualization'] == []  # nothing drawn unless asked


def test_list_of_pairs_in_batches_of_two(inferencer, model, synthetic_root):
    files, arrays = pairs_of(synthetic_root)
    small = (arrays[1][0][:90, :130].copy(), arrays[1][1][:90, :130])
    inputs = [files[0], arrays[1], small]  # two sizes in the first batch
    samples = inferencer(inputs, batch_size=2, return_datasamples=True)
    assert len(samples) == 3
    assert [s.pred_sem_seg.shape for s in samples] == [SIZE, SIZE, (90, 130)]
    for pair, sample in zip(inputs, samples):
        alone = inference_multimodal(model, *pair)
        assert torch.equal(sample.pred_sem_seg.data, alone.pred_sem_seg.data)
    assert samples[0].img_path == files[0][0]
    assert samples[0].aux_modality == 'depth'


def test_saved_drawings_and_predictions(inferencer, synthetic_root, tmp_path):
    files, arrays = pairs_of(synthetic_root)
    out_dir = str(tmp_path / 'out')
    result = inferencer([files[0], arrays[1]],
                        out_dir=out_dir,
                        opacity=0.5,
                        return_vis=True)
    drawn = sorted(glob.glob(osp.join(out_dir, 'vis', '*.png')))
    stem = osp.splitext(osp.basename(files[0][0]))[0]
    assert [osp.basename(p) for p in drawn] == [
        '00000001_vis.png', stem + '.png'
    ]
    height, width = SIZE
    for path, vis, pair in zip(drawn[::-1], result['visualization'],
                               [files[0], arrays[1]]):
        image = read_rgb(path)
        # RGB | depth | prediction, above a legend of the predicted classes
        assert image.shape[0] > height and image.shape[1] == 3 * width
        assert np.array_equal(image, vis)
        rgb = pair[0] if isinstance(pair[0], np.ndarray) else read_rgb(pair[0])
        assert np.array_equal(image[:height, :width], rgb)
    saved = sorted(glob.glob(osp.join(out_dir, 'pred', '*.png')))
    assert len(saved) == 2
    for path, prediction in zip(saved, result['predictions']):
        np.testing.assert_array_equal(np.array(Image.open(path)), prediction)
        assert prediction.max() < len(CLASSES)


def test_inputs_that_are_not_pairs_are_refused(inferencer, synthetic_root):
    files, _ = pairs_of(synthetic_root)
    with pytest.raises(ValueError, match=r'an \(rgb, aux\) pair'):
        inferencer(files[0][0])
    with pytest.raises(ValueError, match=r'an \(rgb, aux\) pair'):
        inferencer([files[0][0], files[1][0], files[1][1]])


@pytest.mark.parametrize('bf16', [True, False])
def test_amp_predicts_in_the_detected_precision(checkpoint, synthetic_root,
                                                monkeypatch, bf16):
    """``amp=True`` on a CPU: bf16 autocast where the CPU has bf16 (forced
    here), fp32 elsewhere; bf16 predictions agree with fp32 on nearly every
    pixel."""
    monkeypatch.setenv('MMSEG_DPLNET_CPU_BF16', '1' if bf16 else '0')
    files, _ = pairs_of(synthetic_root)
    fp32, amp = (MultimodalSegInferencer(DPLNET_CONFIG, checkpoint,
                                         device='cpu', amp=amp)
                 for amp in (False, True))
    dtypes = []
    for inferencer in (fp32, amp):
        inferencer.model.backbone.register_forward_hook(
            lambda module, args, outs: dtypes.append(outs[-1].dtype))
    expected = fp32(files[0], return_datasamples=True)
    sample = amp(files[0], return_datasamples=True)
    assert dtypes == [torch.float32,
                      torch.bfloat16 if bf16 else torch.float32]
    agree = (sample.pred_sem_seg.data == expected.pred_sem_seg.data)
    assert agree.float().mean() >= (0.99 if bf16 else 1.0)
