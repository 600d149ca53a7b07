"""Checkpoints shipped inside the package: `list_pretrained` names them, ``pretrained=name`` loads one.

Each is a folder ``checkpoints/<name>/`` written by `save_pretrained` (a JSON config and
safetensors weights: loading one executes no code) and installed with the package, so
it loads offline, with no model hub. Their recipe and evaluation: ``docs/pretrained.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKPOINTS = Path(__file__).parent / "checkpoints"


def list_pretrained() -> list[str]:
    """Names of the checkpoints shipped with the package.

    A name is what ``pretrained=`` and ``from_pretrained`` of the embedder class that
    saved it accept, e.g. ``HiMAEEmbedder.from_pretrained(name)``.

    Returns
    -------
    names : list of str
        Sorted; the class is the name's prefix (``"himae-..."``: `HiMAEEmbedder`).

    Examples
    --------
    >>> from sklearn_msae import list_pretrained
    >>> "himae-corpus-ci" in list_pretrained()
    True
    """
    return sorted(entry.name for entry in _CHECKPOINTS.iterdir() if (entry / "config.json").is_file())


def is_shipped(pretrained) -> bool:
    """Whether ``pretrained`` names a shipped checkpoint (a ``str``; a path object is always a folder)."""
    return isinstance(pretrained, str) and pretrained in list_pretrained()


def checkpoint_folder(name_or_path: str | os.PathLike) -> Path:
    """The folder of a shipped checkpoint's name, else ``name_or_path`` as a folder."""
    return _CHECKPOINTS / name_or_path if is_shipped(name_or_path) else Path(name_or_path)
