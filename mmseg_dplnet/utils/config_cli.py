"""The ``--cfg-options`` convention shared by the command-line tools."""
import argparse
from typing import Optional

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
