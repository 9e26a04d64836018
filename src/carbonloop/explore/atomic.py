"""Atomic file writes: a reader never sees half a file, and a full disk is one clear error.

The content goes to a temporary file in the destination's folder (so the final rename stays on one file
system and is atomic on POSIX), then replaces the destination. On any failure the temporary file is
removed and the destination keeps its previous content.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from carbonloop.errors import SpecError


def disk_error(path: str | Path, field: str, err: OSError) -> SpecError:
    """The one-line error for a failed write: says "disk full" when it is (ENOSPC, EDQUOT)."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return SpecError(str(path), field, "cannot write: the disk is full (no space left on device)")
    return SpecError(str(path), field, f"cannot write: {err.strerror or err}")


def write_atomically(path: str | Path, write: Callable[[Path], object], *, field: str = "<output>") -> Path:
    """Call ``write(tmp_path)`` and rename the temporary file to ``path``; OSErrors become SpecError."""
    dest = Path(path)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        os.close(fd)
    except OSError as err:
        raise disk_error(dest, field, err) from None
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, dest)
    except OSError as err:
        raise disk_error(dest, field, err) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return dest
