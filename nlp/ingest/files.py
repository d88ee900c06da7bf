"""Read a policy file safely: only a regular file, its size checked before a byte is read.

A path may name a named pipe (reading blocks forever), a device (``/dev/zero`` never ends) or a
sparse file of a terabyte; ``read_policy_file`` opens it without blocking, checks what it is and
its size on the open file, and reads no more than the limit allows.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from nlp.config import IngestSettings
from nlp.errors import InputError
from nlp.ingest.decode import check_size

__all__ = ["read_policy_file"]

_KINDS = (
    (stat.S_ISDIR, "a folder; give the path of a policy file"),
    (stat.S_ISFIFO, "a named pipe (FIFO), not a regular file"),
    (stat.S_ISCHR, "a character device, not a regular file"),
    (stat.S_ISBLK, "a block device, not a regular file"),
    (stat.S_ISSOCK, "a socket, not a regular file"),
)


def read_policy_file(path: str | Path, settings: IngestSettings | None = None) -> bytes:
    """The bytes of a regular file of at most ``settings.max_bytes``; ``InputError`` otherwise.

    Symbolic links are followed; what they point to must be a regular file too.

    Example:
        >>> read_policy_file("/dev/null")
        Traceback (most recent call last):
        ...
        nlp.errors.InputError: cannot read '/dev/null': it is a character device, not a regular file
    """
    settings = settings or IngestSettings()
    p = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _open_error(p, exc) from exc
    try:
        st = os.fstat(fd)
        for is_kind, what in _KINDS:
            if is_kind(st.st_mode):
                raise InputError(f"cannot read {str(p)!r}: it is {what}")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"cannot read {str(p)!r}: it is not a regular file")
        check_size(st.st_size, p.name, settings)
        with os.fdopen(fd, "rb", closefd=False) as f:
            # One byte more than the limit tells a file that grew since fstat.
            data = f.read(settings.max_bytes + 1)
    except OSError as exc:
        raise _open_error(p, exc) from exc
    finally:
        os.close(fd)
    check_size(len(data), p.name, settings)
    return data


def _open_error(p: Path, exc: OSError) -> InputError:
    if exc.errno == errno.ENOENT:
        return InputError(f"cannot read {str(p)!r}: no such file; check the path")
    if exc.errno == errno.EISDIR:
        return InputError(f"cannot read {str(p)!r}: it is a folder; give the path of a policy file")
    why = exc.strerror or type(exc).__name__
    return InputError(f"cannot read {str(p)!r}: {why}; check its permissions")
