"""Test-time augmentation of one-channel (sigmoid) segmentors."""
from typing import List

import torch
from mmengine.structures import PixelData

from mmseg.models import SegTTAModel
from mmseg.registry import MODELS
from mmseg.utils import SampleList


@MODELS.register_module()
class BinarySegTTAModel(SegTTAModel):
    """``SegTTAModel`` that averages the probabilities of a binary model.

    For a model with ``decode_head.out_channels=1`` (mmseg's binary mode,
    e.g. saliency), each augmented view's ``seg_logits`` are already the
    sigmoid probabilities at the original size (``postprocess_result``
    applies the sigmoid). mmseg 1.2.2's ``SegTTAModel.merge_preds`` applies
    the sigmoid a second time and keeps the LAST view's ``seg_logits`` in
    the merged sample, so a metric on the continuous map (``SODMetric``)
    would score one view. This one stores the mean probability of the views
    as ``seg_logits`` and its thresholded map as ``pred_sem_seg``; models
    with several output channels are merged as ``SegTTAModel`` does.
    """

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        """Merge the augmented views of each image.

        Args:
            data_samples_list (list[list[SegDataSample]]): For each image,
                the predictions of its augmented views.

        Returns:
            list[SegDataSample]: One prediction per image.
        """
        if self.module.out_channels > 1:
            return super().merge_preds(data_samples_list)
        threshold = self.module.decode_head.threshold
        predictions = []
        for views in data_samples_list:
            prob = torch.stack([view.seg_logits.data
                                for view in views]).mean(0)
            merged = views[0]
            merged.set_data({
                'seg_logits': PixelData(data=prob),
                'pred_sem_seg': PixelData(data=(prob > threshold).to(prob))
            })
            predictions.append(merged)
        return predictions
