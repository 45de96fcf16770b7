"""Installation script of mmseg-dplnet.

torch is deliberately not a requirement: GPU users keep the CUDA build they
already have. ``make setup`` installs the standard torch 2.13.0 build into
``.venv`` for a bare machine.

As OpenMMLab packages do, the configs, the tools, the demo and
``model-index.yml`` are shipped inside the package, under
``mmseg_dplnet/.mim/`` (copies in a wheel, links in an editable install):
mmengine's ``mmseg_dplnet::dplnet/nyuv2_b5.py`` config paths and ``mim
train / test mmseg_dplnet ...`` find them there.
"""
import os
import os.path as osp
import re
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
#: What ``.mim`` holds, relative to the repository root.
MIM_FILES = ('configs', 'tools', 'demo', 'model-index.yml')


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


def add_mim_extension() -> None:
    """Fill ``mmseg_dplnet/.mim`` with :data:`MIM_FILES`: symbolic links for
    an editable install (edits show at once), copies for anything that
    builds a distribution. Other commands (e.g. ``egg_info``) leave it."""
    if {'develop', 'editable_wheel'} & set(sys.argv):
        mode = 'link'
    elif {'install', 'build', 'bdist_wheel', 'sdist'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    mim_dir = osp.join(HERE, 'mmseg_dplnet', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        source, target = osp.join(HERE, name), osp.join(mim_dir, name)
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        if mode == 'link':
            os.symlink(osp.relpath(source, mim_dir), target)
        elif osp.isdir(source):
            shutil.copytree(
                source,
                target,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(source, target)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmseg-dplnet',
        version=read_version(),
        description='DPLNet (dual-prompt learning) for multimodal semantic '
        'segmentation as an MMSegmentation 1.x plugin',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        packages=find_packages(
            exclude=('configs', 'tools', 'tests', 'demo')),
        package_data={'mmseg_dplnet': ['.mim/**/*']},
        python_requires='>=3.8',
        install_requires=(parse_requirements('runtime') +
                          parse_requirements('mminstall')),
        extras_require=dict(
            tests=parse_requirements('tests'),
            deploy=parse_requirements('deploy')),
        zip_safe=False,
    )
