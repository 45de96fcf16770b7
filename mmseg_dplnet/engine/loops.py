"""mmengine's loops, with datasets that follow the model's modality.

The model states its auxiliary modality once, in
``model.data_preprocessor.aux_modality``; each loop gives it to the dataset
it builds (train, val, test and the ``--tta`` test set alike), so a config
switches modality with one edit (see
:mod:`mmseg_dplnet.utils.channel_split`); a ``pipeline`` set on a
``ConcatDataset`` (``--tta`` on a multi-set test) goes to the datasets it
concatenates. Loops own their dataloaders, and
mmseg's own ``tools/test.py`` builds them from the config like ours does.
The val / test loops' ``fp16=True`` (``tools/test.py --amp``) is bf16
autocast on a CPU without CUDA (mmengine's ``autocast`` there), and fp32
with a log line where the CPU has no native bf16
(:mod:`mmseg_dplnet.utils.cpu_bf16`). Nothing else differs from mmengine's
loops.
"""
import copy
from typing import Optional, Union

import torch
from mmengine.dataset import ConcatDataset
from mmengine.runner import (EpochBasedTrainLoop, IterBasedTrainLoop,
                             TestLoop, ValLoop)
from torch.utils.data import DataLoader

from mmseg.models import SegDataPreProcessor
from mmseg.registry import DATASETS, LOOPS, MODELS, TRANSFORMS
from mmseg_dplnet.datasets.transforms import LoadRGBXImageFromFile
from mmseg_dplnet.utils.channel_split import (AUX_MODALITY_CHANNELS,
                                              RGB_CHANNELS, apply_aux_modality,
                                              dataset_aux_modality,
                                              model_aux_modality,
                                              preprocessor_cfg,
                                              registered_class)
from mmseg_dplnet.utils.cpu_bf16 import amp_dtype


def _loads_rgbx(dataset_cfg: dict) -> bool:
    """Whether a dataset's pipeline stacks RGB-X images (directly or in a
    ``TestTimeAug``)."""
    steps = list(dataset_cfg.get('pipeline') or [])
    while steps:
        step = steps.pop()
        if not isinstance(step, dict):
            continue
        cls = registered_class(TRANSFORMS, step)
        if isinstance(cls, type) and issubclass(cls, LoadRGBXImageFromFile):
            return True
        for group in step.get('transforms') or []:
            steps += group if isinstance(group, list) else [group]
    return False


def _check_stock_preprocessor(model_cfg: Optional[dict], dataset_cfg: dict,
                              where: str) -> None:
    """Refuse a stock ``SegDataPreProcessor`` whose statistics cannot fit
    the stacked images of a dataset (it would fail with a broadcasting
    error on the first batch)."""
    preprocessor = preprocessor_cfg(model_cfg)
    if (preprocessor.get('mean') is None or registered_class(
            MODELS, preprocessor) is not SegDataPreProcessor
            or not _loads_rgbx(dataset_cfg)):
        return
    modality = dataset_aux_modality(dataset_cfg)
    channels = RGB_CHANNELS + AUX_MODALITY_CHANNELS[modality]
    if len(preprocessor['mean']) != channels:
        raise ValueError(
            f'model.data_preprocessor is a SegDataPreProcessor with '
            f'{len(preprocessor["mean"])} mean values, but the {modality} '
            f'samples of {where} have {channels} channels ({RGB_CHANNELS} '
            f'RGB + {channels - RGB_CHANNELS} {modality}). Use '
            f'type=\'RGBXDataPreProcessor\' (mean / std of R, G, B and '
            f'aux_mean / aux_std for every auxiliary channel), or give '
            f'{channels} values.')


def pipeline_to_concatenated(dataset_cfg: Optional[dict]) -> None:
    """Give a ``pipeline`` set on a ``ConcatDataset`` config to each of the
    datasets it concatenates.

    mmseg's ``--tta`` (our ``tools/test.py`` and mmseg's) replaces
    ``test_dataloader.dataset.pipeline`` by the TTA pipeline; on a test set
    made of several datasets (the SOD configs' ``ConcatDataset``) that key
    belongs to the wrapped datasets, since mmengine's ``ConcatDataset``
    takes no pipeline.

    Args:
        dataset_cfg (dict, optional): A dataset config, modified in place.
    """
    if not isinstance(dataset_cfg, dict) or 'pipeline' not in dataset_cfg:
        return
    cls = registered_class(DATASETS, dataset_cfg)
    if isinstance(cls, type) and issubclass(cls, ConcatDataset):
        pipeline = dataset_cfg.pop('pipeline')
        for inner in dataset_cfg.get('datasets') or []:
            inner['pipeline'] = copy.deepcopy(pipeline)


def follow_model_modality(runner, dataloader: Union[DataLoader, dict],
                          name: str) -> Union[DataLoader, dict]:
    """A dataloader config whose dataset takes the model's modality (and
    whose concatenated datasets take a pipeline given to their
    ``ConcatDataset``).

    A stock ``SegDataPreProcessor`` whose statistics cannot fit the
    dataset's channels is refused here, before its first batch.

    Args:
        runner (Runner): The runner building the loop (its ``cfg.model``).
        dataloader (DataLoader | dict): The loop's dataloader; a built one
            is returned as it is.
        name (str): The config key of the dataloader, for messages.

    Returns:
        DataLoader | dict: The dataloader, or a modified copy of its config.
    """
    if not isinstance(dataloader, dict):
        return dataloader
    dataloader = copy.deepcopy(dataloader)
    pipeline_to_concatenated(dataloader.get('dataset'))
    model_cfg = runner.cfg.get('model')
    apply_aux_modality(
        dataloader.get('dataset'), model_aux_modality(model_cfg),
        f'{name}.dataset')
    dataset = dataloader.get('dataset')
    if isinstance(dataset, dict):
        # each set of a multi-set test (ConcatDataset) on its own
        inner = dataset.get('datasets')
        for index, dataset_cfg in enumerate(inner or [dataset]):
            where = f'{name}.dataset' + (f'.datasets[{index}]'
                                         if inner else '')
            _check_stock_preprocessor(model_cfg, dataset_cfg, where)
    return dataloader


class _FollowsModelModality:
    """Mixin of the loops below: the loop's dataloader config is adapted by
    :func:`follow_model_modality` before mmengine's loop builds it."""

    #: The config key of the loop's dataloader, for messages.
    DATALOADER = ''

    def __init__(self, runner, dataloader, *args, **kwargs) -> None:
        super().__init__(runner,
                         follow_model_modality(runner, dataloader,
                                               self.DATALOADER), *args,
                         **kwargs)


@LOOPS.register_module()
class RGBXIterBasedTrainLoop(_FollowsModelModality, IterBasedTrainLoop):
    """``IterBasedTrainLoop`` whose dataset takes the model's modality."""
    DATALOADER = 'train_dataloader'


@LOOPS.register_module()
class RGBXEpochBasedTrainLoop(_FollowsModelModality, EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` whose dataset takes the model's modality."""
    DATALOADER = 'train_dataloader'


class _MixedPrecisionOnCPU:
    """Mixin of the val / test loops: ``fp16`` (mixed precision) stays on
    only where it runs natively (CUDA, or a CPU with bf16)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.fp16 and not torch.cuda.is_available():
            self.fp16 = amp_dtype('cpu') is not None


@LOOPS.register_module()
class RGBXValLoop(_MixedPrecisionOnCPU, _FollowsModelModality, ValLoop):
    """``ValLoop`` whose dataset takes the model's modality."""
    DATALOADER = 'val_dataloader'


@LOOPS.register_module()
class RGBXTestLoop(_MixedPrecisionOnCPU, _FollowsModelModality, TestLoop):
    """``TestLoop`` whose dataset takes the model's modality."""
    DATALOADER = 'test_dataloader'
