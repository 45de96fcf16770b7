from .mit_formats import (FORMAT_NAMES, convert_to_dual_prompt_mit,
                          detect_format, split_backbone)
from .official_dplnet import OfficialCheckpointError, convert_official_dplnet
from .pretrained import (PretrainedWeightsError, extract_state_dict,
                         is_prompt_key, load_pretrained_mit)

__all__ = [
    'FORMAT_NAMES', 'convert_to_dual_prompt_mit', 'detect_format',
    'split_backbone', 'OfficialCheckpointError', 'convert_official_dplnet',
    'PretrainedWeightsError', 'extract_state_dict', 'is_prompt_key',
    'load_pretrained_mit'
]
