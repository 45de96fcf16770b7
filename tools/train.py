"""Train a segmentor: mmseg's own ``tools/train.py``, run as it is.

The configs of this package select their runner themselves
(``runner_type = 'PortableRunner'``: the same config on GPU and CPU-only
machines), so mmseg's training script needs nothing else; this file keeps
the repository's command and runs mmseg's installed script with the same
arguments (``python tools/train.py -h`` lists them). It imports
``mmseg_dplnet`` first, so that a config may inherit an installed recipe by
its package path (``_base_ = ['mmseg_dplnet::dplnet/nyuv2_b5.py']``), which
mmseg's script alone cannot parse.

Example:
    python tools/train.py configs/dplnet/nyuv2_b5.py --amp
"""
import os.path as osp
import runpy
import sys

import mmseg

import mmseg_dplnet  # noqa: F401  (configs may name `mmseg_dplnet::` bases)

MMSEG_TRAIN = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools',
                       'train.py')

if __name__ == '__main__':
    if not osp.isfile(MMSEG_TRAIN):
        sys.exit(f'mmseg\'s tools/train.py is not installed at {MMSEG_TRAIN}; '
                 f'install mmsegmentation from its wheel (pip install '
                 f'mmsegmentation==1.2.2)')
    runpy.run_path(MMSEG_TRAIN, run_name='__main__')
