"""Train a segmentor: mmseg's own ``tools/train.py``, run as it is.

The configs of this package select their runner themselves
(``runner_type = 'PortableRunner'``: the same config on GPU and CPU-only
machines), so mmseg's training script needs nothing else; this file keeps
the repository's command and runs mmseg's installed script with the same
arguments (``python tools/train.py -h`` lists them). Before, it

1. imports ``mmseg_dplnet``, so that a config may inherit an installed
   recipe by its package path (``_base_ = ['mmseg_dplnet::dplnet/...']``),
   which mmseg's script alone cannot parse;
2. honours ``resume = True`` set in the config or by ``--cfg-options``:
   mmseg's script overwrites it with its ``--resume`` flag, so that such a
   run would silently start again from iteration 1; here it resumes (as
   ``--resume`` does), with a log line.

Example:
    python tools/train.py configs/dplnet/nyuv2_b5.py --amp
"""
import runpy
import sys

from mmengine.config import Config
from mmengine.logging import print_log

from mmseg_dplnet.utils import mmseg_tool_script  # imports the package (1.)

if __name__ == '__main__':
    # mmseg's script: its functions, its main not run yet
    mmseg_train = runpy.run_path(mmseg_tool_script('train.py'))
    args = mmseg_train['parse_args']()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.get('resume') and not args.resume:  # 2.
        print_log('resume=True in the config: resuming as with --resume',
                  logger='current')
        sys.argv.append('--resume')
    mmseg_train['main']()
