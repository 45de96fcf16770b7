"""Registries of the ``mmseg_dplnet`` scope: children of mmseg's, empty.

The package registers its modules in mmseg's registries, so that configs
with ``default_scope = 'mmseg'`` (ours, and mmseg's tools) find them beside
mmseg's own. A config that inherits an installed recipe by its package path
(``_base_ = ['mmseg_dplnet::dplnet/nyuv2_b5.py']``) gets its inherited
parts tagged with the scope ``mmseg_dplnet`` by mmengine, which then builds
them from the registries of that scope, found as ``mmseg_dplnet.registry``.
These registries hold nothing: a name is looked up in their parent, mmseg's
registry, so both kinds of configs build the very same modules.
"""
from mmengine.registry import Registry

import mmseg.registry as mmseg_registry

#: One child of each of mmseg's registries, by the name mmseg gives it;
#: importing the package (the location) registers its modules.
_REGISTRIES = {
    name: Registry(
        parent.name,
        parent=parent,
        scope='mmseg_dplnet',
        locations=['mmseg_dplnet'])
    for name, parent in vars(mmseg_registry).items()
    if isinstance(parent, Registry)
}
globals().update(_REGISTRIES)

__all__ = sorted(_REGISTRIES)
