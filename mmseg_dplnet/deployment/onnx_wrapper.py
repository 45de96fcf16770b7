"""A segmentor's whole-image inference as one traceable tensor function.

:class:`WholeInferenceWrapper` is what ``tools/deployment/pytorch2onnx.py``
exports: stacked RGB-X images in, logits at the input's size out, the data
preprocessor's normalisation baked in.

mmseg's own inference path does not serve for an exported graph:
``model.predict(inputs, data_samples)`` and ``model.encode_decode(inputs,
batch_img_metas)`` take the resize target of the logits from Python-side
image metas (``img_shape`` / ``pad_shape`` / ``ori_shape``). When the model
is traced, those are constants of the graph: an input of another size would
still be resized to the size seen at export. The wrapper takes the target
from the input tensor's own shape, which the exporter keeps symbolic, so
the graph follows a dynamic input size. (The preprocessor's normalisation
is likewise a Python loop over a list of images, outside the traced part.)
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmseg_dplnet.utils.channel_split import RGB_CHANNELS


class WholeInferenceWrapper(nn.Module):
    """Normalise, encode, decode and resize: mmseg's 'whole' inference.

    ``forward(inputs)`` takes ONE float32 tensor (N, 3 + C, H, W): R, G, B
    in 0..255 (in this order), then the C auxiliary channels as the dataset
    loader encodes them (in [0, 1]). It returns the logits (N, num_classes,
    H, W): ``decode_head(backbone((inputs - mean) / std))`` resized
    bilinearly to (H, W) with the head's ``align_corners``, as
    ``model.predict`` computes ``seg_logits`` for an unpadded, unflipped
    image in 'whole' mode.

    Args:
        segmentor (nn.Module): An ``EncoderDecoder`` in eval mode.
        aux_channels (int): The auxiliary channels C of the inputs (1 for
            depth and thermal, 3 for HHA).

    Raises:
        ValueError: If ``aux_channels`` < 1, or the preprocessor's
            statistics do not fit 3 + ``aux_channels`` channels.
    """

    def __init__(self, segmentor: nn.Module, aux_channels: int) -> None:
        super().__init__()
        if aux_channels < 1:
            raise ValueError(f'aux_channels must be >= 1, got {aux_channels}')
        self.segmentor = segmentor
        self.channels = RGB_CHANNELS + aux_channels
        self.align_corners = bool(segmentor.decode_head.align_corners)
        preprocessor = segmentor.data_preprocessor
        self.normalize = bool(getattr(preprocessor, '_enable_normalize',
                                      False))
        mean = std = None
        if self.normalize:
            mean, std = self._preprocessor_statistics(preprocessor)
        # the preprocessor's own buffers (copied: a later batch of another
        # layout must not change the exported statistics)
        self.register_buffer('mean', mean, persistent=False)
        self.register_buffer('std', std, persistent=False)

    def _preprocessor_statistics(self, preprocessor: nn.Module):
        """The preprocessor's mean / std buffers, (1, 3 + C, 1, 1)."""
        # RGBXDataPreProcessor sizes its buffers for the batch's auxiliary
        # channels (RGB statistics, then aux_mean / aux_std per channel)
        set_statistics = getattr(preprocessor, '_set_statistics', None)
        if set_statistics is not None:
            set_statistics(self.channels - RGB_CHANNELS)
        mean = preprocessor.mean.detach().clone().float().view(1, -1, 1, 1)
        std = preprocessor.std.detach().clone().float().view(1, -1, 1, 1)
        if mean.shape[1] != self.channels or std.shape[1] != self.channels:
            raise ValueError(
                f'the data preprocessor normalises {mean.shape[1]} channels '
                f'but the inputs have {self.channels} ({RGB_CHANNELS} RGB + '
                f'{self.channels - RGB_CHANNELS} auxiliary)')
        return mean, std

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Logits at the input's size.

        Args:
            inputs (Tensor): (N, 3 + C, H, W) float32, see the class.

        Returns:
            Tensor: (N, num_classes, H, W).
        """
        x = inputs
        if self.normalize:
            x = (x - self.mean) / self.std
        logits = self.segmentor.decode_head(self.segmentor.extract_feat(x))
        # the target size comes from the tensor: symbolic in the export
        return F.interpolate(
            logits,
            size=inputs.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
