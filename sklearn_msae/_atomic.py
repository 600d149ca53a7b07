"""Files that are either wholly written or not there: a write goes to a temporary file
beside its destination and is renamed onto it only once complete.

``os.replace`` within one folder is atomic on POSIX and Windows, so a reader of the
destination sees the previous file or the new one, never a part of it, whatever stops
the writer (a full disk, an error, a killed process, another process writing the same
file at the same moment).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path


@contextlib.contextmanager
def staged(path):
    """Open a temporary file beside ``path`` for writing (binary); on leaving the block without
    an error it is flushed to disk and renamed onto ``path``, on an error it is removed.

    Nest two blocks to replace two files only once both are written: the inner one is
    renamed first.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> with staged(folder / "a.txt") as file:
    ...     _ = file.write(b"complete")
    >>> (folder / "a.txt").read_bytes(), sorted(path.name for path in folder.iterdir())
    (b'complete', ['a.txt'])
    """
    path = Path(path)
    # unique per writer: two processes (or threads) saving the same file never share one;
    # "x" creates it with the permissions of the umask, as the destination would get
    partial = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.partial")
    try:
        with open(partial, "xb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # on disk before the rename makes it visible
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
