"""Finding the files of RGB-X samples: split files and folder indexes."""
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import mmengine
import mmengine.fileio as fileio

Suffixes = Union[str, Sequence[str]]


def as_suffixes(suffix: Suffixes) -> Tuple[str, ...]:
    """Return ``suffix`` as a tuple of candidates, in order of preference."""
    return (suffix, ) if isinstance(suffix, str) else tuple(suffix)


@dataclass(frozen=True)
class SampleEntry:
    """One sample named by a split file or a folder listing.

    Args:
        name (str): Sample name: the file name without folder and extension.
        img_file (str, optional): RGB file name when the split file gives it
            (``RGB/2.jpg`` -> ``2.jpg``).
        seg_map_file (str, optional): Label file name when the split file
            gives it (``Label/2.png`` -> ``2.png``).
        source (str): Where the sample was listed, for error messages.
    """
    name: str
    img_file: Optional[str] = None
    seg_map_file: Optional[str] = None
    source: str = ''


def read_split_file(path: str,
                    backend_args: Optional[dict] = None) -> List[SampleEntry]:
    """Parse a split file of the community RGB-X layouts.

    Each non-empty line (``#`` starts a comment) is one of::

        2
        RGB/2.jpg
        RGB/2.jpg<TAB or spaces>Label/2.png

    Only the file names are used; the folders come from the layout, so a
    moved dataset root keeps working.

    Args:
        path (str): The split file.
        backend_args (dict, optional): Arguments of the mmengine file backend.

    Returns:
        list[SampleEntry]: The samples in file order.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If it lists no sample or has a malformed line.
    """
    if not fileio.exists(path, backend_args=backend_args):
        folder = osp.dirname(path) or '.'
        raise FileNotFoundError(
            f'split file {path} does not exist; put the split list '
            f'({osp.basename(path)}) into {folder} or choose another split')
    entries = []
    for number, line in enumerate(
            mmengine.list_from_file(path, backend_args=backend_args), 1):
        fields = line.split('#', 1)[0].split()
        if not fields:
            continue
        if len(fields) > 2:
            raise ValueError(
                f'{path}, line {number}: {line.strip()!r} has {len(fields)} '
                f'fields; expected "name", "RGB/name.jpg" or "RGB/name.jpg '
                f'Label/name.png"')
        img_file = osp.basename(fields[0])
        name, ext = osp.splitext(img_file)
        entries.append(
            SampleEntry(
                name=name,
                img_file=img_file if ext else None,
                seg_map_file=osp.basename(fields[1])
                if len(fields) == 2 else None,
                source=f'line {number} of {path}'))
    if not entries:
        raise ValueError(f'split file {path} lists no sample; regenerate it '
                         f'(one sample name per line)')
    return entries


class FolderIndex:
    """The files of one folder, looked up by sample name.

    Listing a folder once is much faster than probing each candidate file,
    and lets a missing file be reported with the exact path expected.

    Args:
        folder (str): The folder.
        suffixes (str | Sequence[str]): Candidate extensions, preferred first
            (e.g. ``('.jpg', '.png')``).
        role (str): What the folder holds, for error messages (``'RGB'``,
            ``'depth'``, ``'label'``).
        backend_args (dict, optional): Arguments of the mmengine file backend.

    Raises:
        FileNotFoundError: If the folder does not exist.
    """

    def __init__(self,
                 folder: str,
                 suffixes: Suffixes,
                 role: str,
                 backend_args: Optional[dict] = None) -> None:
        self.folder = folder
        self.suffixes = as_suffixes(suffixes)
        self.role = role
        if not fileio.isdir(folder, backend_args=backend_args):
            raise FileNotFoundError(
                f'{role} folder {folder} does not exist; see data/README.md '
                f'for the accepted layouts')
        self.files = frozenset(
            fileio.list_dir_or_file(
                folder, list_dir=False, backend_args=backend_args))

    def names(self) -> List[str]:
        """Sorted names of the files with one of the suffixes."""
        names = set()
        for file in self.files:
            name, ext = osp.splitext(file)
            if ext in self.suffixes:
                names.add(name)
        return sorted(names)

    def find(self, name: str, file: Optional[str] = None) -> Optional[str]:
        """Path of sample ``name`` (or of exactly ``file``), None if absent."""
        candidates = [file] if file else [name + s for s in self.suffixes]
        for candidate in candidates:
            if candidate in self.files:
                return fileio.join_path(self.folder, candidate)
        return None

    def expected(self, name: str, file: Optional[str] = None) -> str:
        """Describe the path(s) ``find`` looked for, for error messages."""
        if file:
            return fileio.join_path(self.folder, file)
        path = fileio.join_path(self.folder, name + self.suffixes[0])
        if len(self.suffixes) > 1:
            path += f' (or {", ".join(self.suffixes[1:])})'
        return path
