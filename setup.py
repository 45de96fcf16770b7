"""Installation script of mmseg-dplnet.

torch is deliberately not a requirement: GPU users keep the CUDA build they
already have. ``make setup`` installs the standard torch 2.13.0 build into
``.venv`` for a bare machine.
"""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    """Return ``__version__`` from ``mmseg_dplnet/version.py``."""
    with open(osp.join(HERE, 'mmseg_dplnet', 'version.py')) as f:
        match = re.search(r"__version__ = '([^']+)'", f.read())
    assert match, 'mmseg_dplnet/version.py must define __version__'
    return match.group(1)


def parse_requirements(name: str) -> list:
    """Return the requirement lines of ``requirements/<name>.txt``."""
    with open(osp.join(HERE, 'requirements', name + '.txt')) as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


setup(
    name='mmseg-dplnet',
    version=read_version(),
    description='DPLNet (dual-prompt learning) for multimodal semantic '
    'segmentation as an MMSegmentation 1.x plugin',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'demo')),
    python_requires='>=3.8',
    install_requires=(parse_requirements('runtime') +
                      parse_requirements('mminstall')),
    extras_require=dict(tests=parse_requirements('tests')),
    zip_safe=False,
)
