"""mmseg's data preprocessor for stacked RGB-X images."""
from numbers import Number
from typing import Any, Dict, List, Optional, Sequence, Union

import torch

from mmseg.models import SegDataPreProcessor
from mmseg.registry import MODELS
from mmseg_dplnet.utils.channel_split import RGB_CHANNELS

Statistic = Union[Number, Sequence[Number]]


def _as_list(value: Statistic) -> List[float]:
    return [float(v) for v in value] if isinstance(
        value, Sequence) else [float(value)]


@MODELS.register_module()
class RGBXDataPreProcessor(SegDataPreProcessor):
    """:class:`SegDataPreProcessor` whose statistics follow the channel split.

    A stacked image has 3 RGB channels, then the auxiliary modality in its
    own channels (1 for depth and thermal, 3 for HHA). The RGB channels are
    normalised with ``mean`` / ``std``, every auxiliary channel with
    ``aux_mean`` / ``aux_std``, so the same config serves 4- and 6-channel
    inputs (the stock preprocessor needs one value per channel, written for
    one modality). Padding, stacking and batch augmentations are the stock
    ones.

    ``aux_modality`` is the model's modality, stated once: the datasets of
    the train / val / test loops take it (see
    :mod:`mmseg_dplnet.utils.channel_split`), and every batch is checked
    against it and against the channel layout, with an error that names the
    settings (the stock preprocessor fails with a broadcasting error).

    Args:
        mean (Sequence[Number]): Mean of R, G, B (in this order; the loader
            stacks RGB). Defaults to ImageNet's, in 0..255.
        std (Sequence[Number]): Standard deviation of R, G, B.
        aux_mean (Number | Sequence[Number]): Mean of the auxiliary channels
            (in [0, 1]): one value for all, or one per channel. Defaults to
            0.449, the paper's.
        aux_std (Number | Sequence[Number]): Their standard deviation.
            Defaults to 0.226, the paper's.
        aux_modality (str, optional): ``'depth'``, ``'hha'`` or ``'thermal'``;
            None accepts any modality.
        **kwargs: ``size``, ``size_divisor``, ``pad_val``, ``seg_pad_val``,
            ``batch_augments`` and ``test_cfg`` of
            :class:`SegDataPreProcessor`.
    """

    def __init__(self,
                 mean: Sequence[Number] = (123.675, 116.28, 103.53),
                 std: Sequence[Number] = (58.395, 57.12, 57.375),
                 aux_mean: Statistic = 0.449,
                 aux_std: Statistic = 0.226,
                 aux_modality: Optional[str] = None,
                 **kwargs) -> None:
        for name in ('bgr_to_rgb', 'rgb_to_bgr'):
            if kwargs.pop(name, False):
                raise ValueError(
                    f'{type(self).__name__}: {name}=True is not supported; '
                    f'the RGB-X loaders stack R, G, B in this order')
        if len(mean) != RGB_CHANNELS or len(std) != RGB_CHANNELS:
            raise ValueError(
                f'{type(self).__name__}: mean and std are the statistics of '
                f'R, G, B ({RGB_CHANNELS} values each, got {len(mean)} and '
                f'{len(std)}); the auxiliary channels take aux_mean / aux_std')
        self.aux_mean, self.aux_std = _as_list(aux_mean), _as_list(aux_std)
        if len(self.aux_mean) != len(self.aux_std):
            raise ValueError(
                f'{type(self).__name__}: aux_mean has {len(self.aux_mean)} '
                f'values but aux_std {len(self.aux_std)}')
        self.aux_modality = aux_modality
        self.rgb_mean, self.rgb_std = list(mean), list(std)
        # statistics of one auxiliary channel; set per batch layout
        super().__init__(
            mean=self.rgb_mean + self.aux_mean[:1],
            std=self.rgb_std + self.aux_std[:1],
            **kwargs)

    def _check_batch(self, inputs: List[torch.Tensor],
                     data_samples: Optional[list]) -> int:
        """The auxiliary channels of a batch, after checking its layout.

        Raises:
            ValueError: Naming the settings that disagree.
        """
        name = type(self).__name__
        channels = {int(image.shape[0]) for image in inputs}
        if len(channels) > 1:
            raise ValueError(f'{name}: the images of a batch have '
                             f'{sorted(channels)} channels; they must share '
                             f'one channel split')
        total = channels.pop()
        aux_channels = total - RGB_CHANNELS
        if aux_channels < 1:
            raise ValueError(
                f'{name} normalises stacked RGB-X images ({RGB_CHANNELS} RGB '
                f'channels, then the auxiliary modality) but got {total} '
                f'channel(s): load the samples with LoadRGBXImageFromFile, or '
                f'use SegDataPreProcessor for an RGB-only model')
        if len(self.aux_mean) > 1 and len(self.aux_mean) != aux_channels:
            raise ValueError(
                f'{name}: aux_mean / aux_std give {len(self.aux_mean)} values '
                f'but the images have {aux_channels} auxiliary channel(s) '
                f'({total} in all); give one value (for every auxiliary '
                f'channel) or one per channel')
        if self.aux_modality is not None:
            for sample in data_samples or []:
                found = sample.metainfo.get('aux_modality')
                if found is not None and found != self.aux_modality:
                    raise ValueError(
                        f'{name}: {sample.metainfo.get("img_path")} comes '
                        f'with {found} but the model takes '
                        f'{self.aux_modality} (model.data_preprocessor.'
                        f'aux_modality). The datasets follow the model in '
                        f'the loops of mmseg_dplnet\'s schedules; a dataset '
                        f'built elsewhere needs aux_modality='
                        f'{self.aux_modality!r}.')
        return aux_channels

    def _set_statistics(self, aux_channels: int) -> None:
        """Make the mean / std buffers fit ``aux_channels``."""
        if self.mean.shape[0] == RGB_CHANNELS + aux_channels:
            return
        repeat = aux_channels if len(self.aux_mean) == 1 else 1
        for buffer, rgb, aux in (('mean', self.rgb_mean, self.aux_mean),
                                 ('std', self.rgb_std, self.aux_std)):
            values = torch.tensor(rgb + aux * repeat,
                                  device=getattr(self, buffer).device)
            self.register_buffer(buffer, values.view(-1, 1, 1), False)

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Check the batch's channel split, then preprocess as mmseg does.

        Args:
            data (dict): Data from the dataloader.
            training (bool): Training-time augmentation and padding.

        Returns:
            dict: ``inputs`` (B, 3 + C, H, W) and ``data_samples``.
        """
        inputs = data['inputs']
        if isinstance(inputs, torch.Tensor):
            inputs = list(inputs)
        self._set_statistics(
            self._check_batch(inputs, data.get('data_samples')))
        return super().forward(data, training)
