"""Worker results handed to the caller in memory files, not through a pipe.

A chunk of :func:`clarion.core.parallel.fork_map` done by a worker comes back
pickled (as does the value of :class:`clarion.core.parallel.Forked`).
Through the pool's pipe (64 KiB at a time) a few megabytes take the
caller's thread that reads them dozens of turns at the interpreter's lock,
which the caller holds while it parses its own share, and the worker waits
on its write all that while: at 10,000 update files a worker stood idle for
a fifth of the parse. Instead the caller makes one anonymous memory file per
chunk (``memfd_create``, Linux) before the workers are forked, so they
inherit them; a worker writes its chunk's pickled results into the chunk's
file and returns only their length, and the caller reads them in one call
when it takes the chunk. Nothing is named, so nothing is left behind by a
killed build.

Where memory files cannot be made (another system, too many chunks for the
process's files) the results come back through the pipe as before, and so
does a chunk whose file the worker could not write.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

#: More chunks than this come back through the pipe (one file each).
MAX_FILES = 256


def open_result_files(count: int) -> list[int] | None:
    """``count`` new memory files (their descriptors, closed on ``exec``),
    or ``None`` where they cannot be made."""
    create = getattr(os, "memfd_create", None)
    if create is None or count > MAX_FILES:
        return None
    files: list[int] = []
    try:
        for _ in range(count):
            files.append(create("clarion-results", getattr(os, "MFD_CLOEXEC", 0)))
    except OSError:
        _close(files)
        return None
    return files


@contextmanager
def result_files_closed(files: Sequence[int] | None) -> Iterator[None]:
    """Close ``files`` (if any) when the block ends."""
    try:
        yield
    finally:
        _close(files or ())


def _close(files: Sequence[int]) -> None:
    for fd in files:
        try:
            os.close(fd)
        except OSError:
            pass


def handed_over(results: list[Any], fd: int) -> int | list[Any]:
    """In a worker: ``results`` written into the memory file ``fd``; their
    length in bytes, or ``results`` themselves if the file cannot take them."""
    data = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(data)
    try:
        while view:  # at its start: the file's offset is shared with the caller
            written = os.pwrite(fd, view, len(data) - len(view))
            view = view[written:]
    except OSError:
        return results
    return len(data)


def taken(value: int | list[Any], fd: int | None) -> list[Any]:
    """In the caller: the results a worker handed over (``value``, what
    :func:`handed_over` returned), read from ``fd`` when they are there."""
    if not isinstance(value, int):
        return value
    assert fd is not None
    data = bytearray(value)
    view = memoryview(data)
    while view:
        read = os.preadv(fd, [view], value - len(view))
        if read <= 0:
            raise EOFError("a worker's results are shorter than it said")
        view = view[read:]
    results: list[Any] = pickle.loads(data)
    return results
