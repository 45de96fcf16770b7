"""What the command-line tools share: the ``--cfg-options`` convention and
the scripts mmseg ships, which ``tools/train.py`` and ``tools/test.py``
run."""
import argparse
import os.path as osp
from typing import Optional

import mmseg

from mmengine.config import Config, DictAction


def add_cfg_options_argument(parser: argparse.ArgumentParser) -> None:
    """Add mmseg's ``--cfg-options key=value ...`` argument to ``parser``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, as key=value pairs; lists as '
        'key="[a,b]" or key=a,b, nested as key="[(a,b),(c,d)]" (quotes '
        'needed, no white space)')


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and apply the ``--cfg-options`` overrides.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): Parsed ``--cfg-options``.

    Returns:
        Config: The config with the overrides merged in.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def mmseg_tool_script(name: str) -> str:
    """Path of a script mmseg ships in ``mmseg/.mim/tools``.

    Args:
        name (str): Relative to ``tools/``, e.g. ``'train.py'``.

    Returns:
        str: The script.

    Raises:
        FileNotFoundError: If mmseg was installed without it.
    """
    path = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools', name)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'mmseg\'s tools/{name} is not installed at {path}; install '
            f'mmsegmentation from its wheel (pip install '
            f'mmsegmentation==1.2.2)')
    return path
