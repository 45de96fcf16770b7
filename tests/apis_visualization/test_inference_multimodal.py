"""init_model / inference_multimodal on the demo DPLNet config, with real
files and a real (tiny) model."""
import copy
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn
from inference_vis_testing import (DPLNET_CONFIG, SEGFORMER_CONFIG, SIZE,
                                   read_rgb, read_unchanged, sample_files)
from mmengine.config import Config
from mmengine.runner import save_checkpoint

from mmseg.registry import DATASETS
from mmseg_dplnet.apis import (build_inference_pipeline, inference_multimodal,
                               init_model, resolve_inference_aux_settings)
from mmseg_dplnet.synthetic import CLASSES, PALETTE


def assert_same_prediction(a, b):
    assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
    torch.testing.assert_close(a.seg_logits.data, b.seg_logits.data)


def arrays_of(root, index=0):
    rgb_file, depth_file, _ = sample_files(root, index)
    return read_rgb(rgb_file), read_unchanged(depth_file)


def test_init_model_without_the_pretrained_file(checkpoint, tmp_path):
    # the config's frozen encoder comes from a stage-1 file; point it at an
    # absent one (the real one exists once `make demo` has run)
    absent = str(tmp_path / 'absent_stage1.pth')
    model = init_model(
        DPLNET_CONFIG,
        checkpoint,
        cfg_options={'model.backbone.init_cfg.checkpoint': absent})
    assert not osp.exists(absent)
    saved = torch.load(checkpoint, weights_only=True)['state_dict']
    loaded = model.state_dict()
    assert set(saved) == set(loaded)
    for key, value in saved.items():
        assert torch.equal(loaded[key], value), key
    assert not model.training
    # no meta in the checkpoint: the names come from the config
    assert tuple(model.dataset_meta['classes']) == CLASSES
    assert [tuple(c) for c in model.dataset_meta['palette']] == list(PALETTE)


def test_init_model_takes_class_names_from_the_checkpoint_meta(
        checkpoint, tmp_path):
    meta = dict(
        classes=[f'class {i}' for i in range(len(CLASSES))],
        palette=[[i, i, i] for i in range(len(CLASSES))])
    state = torch.load(checkpoint, weights_only=True)
    state['meta'] = dict(dataset_meta=meta)
    runner_style = str(tmp_path / 'with_meta.pth')
    save_checkpoint(state, runner_style)
    model = init_model(DPLNET_CONFIG, runner_style)
    assert model.dataset_meta == meta


def test_arrays_are_encoded_like_the_test_dataset(model, synthetic_root):
    """The adapted pipeline gives the very tensor the config's test
    dataloader gives (16-bit mm depth, /1000, clipped at 6 m)."""
    cfg = copy.deepcopy(model.cfg)
    cfg.test_dataloader.dataset.data_root = synthetic_root
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    modality, options = resolve_inference_aux_settings(model.cfg)
    pipeline = build_inference_pipeline(model.cfg, modality, options)
    for index in range(len(dataset)):
        rgb, depth = arrays_of(synthetic_root, index)
        expected = dataset[index]['inputs']
        assert expected.shape[0] == 4  # RGB + depth
        for aux in (depth, depth.astype(np.float64)):
            got = pipeline(dict(rgb=rgb, aux=aux))
            assert got['inputs'].dtype == expected.dtype
            assert torch.equal(got['inputs'], expected)
            assert got['data_samples'].aux_modality == 'depth'
    assert modality == 'depth'
    assert options == dict(aux_bit_depth=16, aux_max_value=6.0)


def test_hha_array_is_in_its_file_channel_order(model, synthetic_root,
                                                tmp_path):
    rgb, depth = arrays_of(synthetic_root)
    hha = np.dstack([(depth // 40).astype(np.uint8),
                     np.full(SIZE, 90, np.uint8),
                     np.tile(np.arange(SIZE[1], dtype=np.uint8),
                             (SIZE[0], 1))])
    hha_file = str(tmp_path / 'hha.png')
    cv2.imwrite(hha_file, hha[..., ::-1])  # stored as H, H, A in R, G, B
    modality, options = resolve_inference_aux_settings(
        model.cfg, aux_modality='hha', aux_bit_depth=8, aux_max_value=255.)
    pipeline = build_inference_pipeline(model.cfg, modality, options)
    from_file = pipeline(dict(rgb=rgb, aux=hha_file))
    from_array = pipeline(dict(rgb=rgb, aux=hha))
    assert torch.equal(from_file['inputs'], from_array['inputs'])
    torch.testing.assert_close(
        from_array['inputs'][3:],
        torch.from_numpy(hha / 255.).permute(2, 0, 1),
        check_dtype=False)


def test_arrays_and_paths_give_identical_predictions(model, synthetic_root):
    rgb_file, depth_file, _ = sample_files(synthetic_root)
    rgb, depth = arrays_of(synthetic_root)
    from_files = inference_multimodal(model, rgb_file, depth_file)
    from_arrays = inference_multimodal(model, rgb, depth)
    assert from_files.pred_sem_seg.shape == SIZE
    assert from_files.seg_logits.data.shape == (len(CLASSES), ) + SIZE
    assert_same_prediction(from_files, from_arrays)
    assert_same_prediction(from_files,
                           inference_multimodal(model, rgb_file, depth))
    assert from_files.img_path == rgb_file
    assert from_files.aux_path == depth_file
    assert from_arrays.img_path is None and from_arrays.aux_path is None


def test_depth16_array_file_and_float_array_agree(model, synthetic_root,
                                                  tmp_path):
    rgb, depth = arrays_of(synthetic_root)
    assert depth.dtype == np.uint16 and depth.max() > 255
    depth_file = str(tmp_path / 'depth16.png')
    cv2.imwrite(depth_file, depth)
    assert read_unchanged(depth_file).dtype == np.uint16
    reference = inference_multimodal(model, rgb, depth_file)
    assert_same_prediction(reference, inference_multimodal(model, rgb, depth))
    assert_same_prediction(
        reference, inference_multimodal(model, rgb, depth.astype(np.float32)))
    assert_same_prediction(reference,
                           inference_multimodal(model, rgb, depth[..., None]))
    # float holes as NaN read as the files' 0 = no reading
    with_nan = np.where(depth == 0, np.nan, depth.astype(np.float64))
    assert np.isnan(with_nan).any()
    assert_same_prediction(reference,
                           inference_multimodal(model, rgb, with_nan))


def test_rgbt_file_as_both_inputs(checkpoint, synthetic_root, tmp_path):
    model = init_model(
        DPLNET_CONFIG,
        checkpoint,
        cfg_options={'model.data_preprocessor.aux_modality': 'thermal'})
    rgb, depth = arrays_of(synthetic_root)
    thermal = (depth // 40).astype(np.uint8)
    rgbt_file = str(tmp_path / 'rgbt.png')
    cv2.imwrite(rgbt_file, np.dstack([rgb[..., ::-1], thermal]))
    options = dict(aux_bit_depth=8, aux_max_value=255.)
    from_file = inference_multimodal(model, rgbt_file, rgbt_file, **options)
    from_arrays = inference_multimodal(model, rgb, thermal, **options)
    assert_same_prediction(from_file, from_arrays)
    assert from_file.aux_modality == 'thermal'


def test_the_auxiliary_input_changes_the_prediction(model, synthetic_root):
    rgb, depth = arrays_of(synthetic_root)
    with_depth = inference_multimodal(model, rgb, depth)
    without = inference_multimodal(model, rgb, np.zeros_like(depth))
    assert not torch.allclose(with_depth.seg_logits.data,
                              without.seg_logits.data)


def test_prediction_has_the_input_size(model, synthetic_root):
    rgb, depth = arrays_of(synthetic_root)
    crop = (slice(10, 100), slice(20, 150))  # 90x130, not the config's size
    result = inference_multimodal(model, rgb[crop].copy(), depth[crop])
    assert result.pred_sem_seg.shape == (90, 130)
    assert result.seg_logits.data.shape == (len(CLASSES), 90, 130)


def test_prediction_is_resized_back_when_the_pipeline_resizes(
        checkpoint, synthetic_root):
    pipeline = [
        dict(type='LoadRGBXImageFromFile'),
        dict(type='Resize', scale=(160, 120), keep_ratio=False),
        dict(type='LoadCheckedAnnotations'),
        dict(
            type='PackSegInputs',
            meta_keys=('img_path', 'aux_path', 'aux_modality', 'ori_shape',
                       'img_shape', 'scale_factor'))
    ]
    model = init_model(
        DPLNET_CONFIG,
        checkpoint,
        cfg_options={'test_dataloader.dataset.pipeline': pipeline})
    rgb, depth = arrays_of(synthetic_root)
    result = inference_multimodal(model, rgb[:90, :130].copy(),
                                  depth[:90, :130])
    assert result.img_shape == (120, 160)  # the network saw the resized one
    assert result.ori_shape == (90, 130)
    assert result.pred_sem_seg.shape == (90, 130)
    assert result.seg_logits.data.shape == (len(CLASSES), 90, 130)


def test_batch_of_pairs_and_of_two_lists(model, synthetic_root):
    first_files = sample_files(synthetic_root, 0)[:2]
    rgb, depth = arrays_of(synthetic_root, 1)
    small = (rgb[:90, :130].copy(), depth[:90, :130])
    singles = [
        inference_multimodal(model, *first_files),
        inference_multimodal(model, rgb, depth),
        inference_multimodal(model, *small)
    ]
    pairs = [first_files, (rgb, depth), small]
    batch = inference_multimodal(model, pairs)
    assert isinstance(batch, list) and len(batch) == 3
    assert [r.pred_sem_seg.shape for r in batch] == [SIZE, SIZE, (90, 130)]
    for single, batched in zip(singles, batch):
        assert_same_prediction(single, batched)
    as_lists = inference_multimodal(model, [p[0] for p in pairs],
                                    [p[1] for p in pairs])
    for single, batched in zip(singles, as_lists):
        assert_same_prediction(single, batched)


def test_mismatched_sizes_name_both_sizes(model, synthetic_root, tmp_path):
    rgb, depth = arrays_of(synthetic_root)
    with pytest.raises(
            ValueError, match=r'RGB array is 90x130 .*depth '
            r'array is 120x160'):
        inference_multimodal(model, rgb[:90, :130].copy(), depth)
    rgb_file, _, _ = sample_files(synthetic_root)
    small_depth = str(tmp_path / 'small_depth.png')
    cv2.imwrite(small_depth, depth[:100])
    with pytest.raises(ValueError) as error:
        inference_multimodal(model, rgb_file, small_depth)
    message = str(error.value)
    assert rgb_file in message and small_depth in message
    assert '120x160' in message and '100x160' in message
    with pytest.raises(ValueError, match='120x160'):
        inference_multimodal(model, [(rgb, depth), (rgb, depth[:, :100])])


def test_bit_depth_is_checked_and_overridable(model, synthetic_root):
    rgb, depth = arrays_of(synthetic_root)
    depth8 = (depth // 40).astype(np.uint8)
    with pytest.raises(ValueError, match='aux_bit_depth=8'):
        inference_multimodal(model, rgb, depth8)  # the config says 16-bit
    result = inference_multimodal(model, rgb, depth8, aux_bit_depth=8)
    assert result.pred_sem_seg.shape == SIZE
    # the config's 6 m range belongs to its 16-bit millimetres: dropped
    _, options = resolve_inference_aux_settings(model.cfg, aux_bit_depth=8)
    assert options == dict(aux_bit_depth=8)
    _, options = resolve_inference_aux_settings(model.cfg, aux_bit_depth=16)
    assert options == dict(aux_bit_depth=16, aux_max_value=6.0)
    modality, options = resolve_inference_aux_settings(
        model.cfg, aux_bit_depth=8, aux_max_value=255.)
    assert options == dict(aux_bit_depth=8, aux_max_value=255.)
    # 8-bit over the full range is the plain /255 of the 8-bit loader
    inputs = build_inference_pipeline(model.cfg, modality, options)(dict(
        rgb=rgb, aux=depth8))['inputs']
    assert inputs.shape[0] == 4
    torch.testing.assert_close(
        inputs[3], torch.from_numpy(depth8.astype(np.float32) / 255))


def test_bad_inputs_are_refused_clearly(model, synthetic_root):
    rgb, depth = arrays_of(synthetic_root)
    with pytest.raises(ValueError, match='uint8'):
        inference_multimodal(model, rgb.astype(np.float32), depth)
    with pytest.raises(ValueError, match=r'\(H, W, 3\)'):
        inference_multimodal(model, rgb[..., 0], depth)
    with pytest.raises(ValueError, match='int32'):
        inference_multimodal(model, rgb, depth.astype(np.int32))
    with pytest.raises(ValueError, match='differ'):
        inference_multimodal(model, rgb, np.stack([depth, depth, depth + 1],
                                                  -1))
    with pytest.raises(ValueError, match='one aux input per RGB input'):
        inference_multimodal(model, [rgb, rgb], [depth])
    # a modality other than the model's (data_preprocessor.aux_modality)
    with pytest.raises(ValueError, match='comes with thermal but the model '
                       'takes depth'):
        inference_multimodal(model, rgb, depth, aux_modality='thermal')


def test_modality_follows_the_model():
    cfg = Config.fromfile(DPLNET_CONFIG)
    cfg.model.data_preprocessor.aux_modality = 'hha'
    assert resolve_inference_aux_settings(cfg)[0] == 'hha'
    cfg.model.data_preprocessor.aux_modality = None  # then the test set's
    cfg.test_dataloader.dataset.aux_modality = 'thermal'
    assert resolve_inference_aux_settings(cfg)[0] == 'thermal'
    del cfg.test_dataloader.dataset['aux_modality']  # then its class's
    assert resolve_inference_aux_settings(cfg)[0] == 'depth'


def test_contradicting_config_options_are_refused():
    cfg = Config.fromfile(DPLNET_CONFIG)
    cfg.test_dataloader.dataset.pipeline[0]['aux_bit_depth'] = 8
    with pytest.raises(ValueError, match='contradicts'):
        resolve_inference_aux_settings(cfg)
    # an explicit argument settles it
    _, options = resolve_inference_aux_settings(cfg, aux_bit_depth=8)
    assert options['aux_bit_depth'] == 8


def test_rgb_only_model_is_refused():
    model = nn.Module()
    model.cfg = Config.fromfile(SEGFORMER_CONFIG)
    with pytest.raises(ValueError, match='inference_model'):
        inference_multimodal(model, np.zeros(SIZE + (3, ), np.uint8),
                             np.zeros(SIZE, np.uint16))
