"""Items made in a forked process, handed back through an unnamed file.

The process that renders the private files (:func:`clarion.build.render_all`)
makes them while the main process renders the pages; :class:`Spooled` runs
it and hands its outputs back, in order, each as soon as it is made. The
pieces of an output that are stretches of a file (:mod:`clarion.core.stretch`)
travel as such: copied after the item's pickle by the kernel, read back as
stretches of the spool, so neither process reads their bytes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any, Generic, TypeVar

from .parallel import Background, can_fork
from .stretch import dump_with_stretches, load_with_stretches

R = TypeVar("R")


#: What a :class:`Spooled` function yields once its items are done: what it
#: does after (keeping what the next build reuses) is its own, and the
#: parent, which has every item by then, waits for it in :meth:`Spooled.wait`.
ITEMS_DONE: Any = object()
_DONE_RECORD = (1 << 64) - 1  # the length a record of ITEMS_DONE says


def _items_of(func: Callable[[], Iterable[R]]) -> Iterator[R]:
    return (item for item in func() if item is not ITEMS_DONE)


class Spooled(Generic[R]):
    """The items of ``func()``, made now in a forked process that writes each
    to an unnamed temporary file as it is made; :meth:`items` reads them
    back one at a time, in order, each as soon as it is written (the parent
    takes the first items while the worker still makes the last). Neither
    process holds them all, and the worker never waits for the parent to
    take them (it finishes and exits while the parent does other work).
    Without ``fork`` (or with ``enabled=False``) ``func`` runs in-process
    when the items are asked for; if the worker fails, ``func`` runs again
    in-process from the first item not yet read, so the caller sees the real
    exception. The file has no name, so a killed build leaves nothing behind.

    The file holds one record per item: its length (8 bytes), its pickle,
    written as it is made (a large item is never copied whole), and the
    bytes of the stretches in it (:mod:`clarion.core.stretch`). After each
    record the worker writes the length of the file so far to a pipe, unless
    the pipe is full (the parent, not reading yet, learns it later); once
    the worker has exited and said it succeeded, every record is whole. The
    parent reads with ``pread``: the two processes share the file's offset,
    which only the worker moves.

    A ``func`` that yields :data:`ITEMS_DONE` says its items are done, and
    yields none after: :meth:`items` ends there, without waiting for the
    worker to finish, and :meth:`wait` waits for it.
    """

    def __init__(self, func: Callable[[], Iterable[R]], *, enabled: bool = True):
        self._func = func
        self._done: Background[bool] | None = None
        self._waiting = False  # the items ended before the worker did
        if enabled and can_fork():
            spool: IO[bytes] = tempfile.TemporaryFile()
            parent = os.getpid()
            written, told = os.pipe()

            def spool_all() -> bool:
                # run again in the parent when the worker failed: not here, in items()
                if os.getpid() == parent:
                    return False
                os.close(written)
                os.set_blocking(told, False)
                return _spool_items(func, spool, told)

            self._spool = spool
            self._written = written
            self._done = Background(spool_all)
            os.close(told)

    def items(self) -> Iterator[R]:
        if self._done is None:
            yield from _items_of(self._func)
            return
        taken = 0
        with self._spool as spool, os.fdopen(self._written, "rb", buffering=0) as told:
            records = _Records(spool.fileno())
            pending = b""
            while news := told.read(8 * 512):  # the sizes the worker told since
                pending += news
                whole = len(pending) - len(pending) % 8
                end = int.from_bytes(pending[whole - 8 : whole], "big") if whole else 0
                pending = pending[whole:]
                for item in records.upto(end):
                    yield item
                    taken += 1
                if records.done:  # the worker goes on with its own work
                    self._waiting = True
                    return
            # the worker has exited
            if self._done.result():  # every record is whole, told or not
                for item in records.upto(os.fstat(spool.fileno()).st_size):
                    yield item
                    taken += 1
            else:  # the worker failed: again here, from the first item not taken
                yield from islice(_items_of(self._func), taken, None)

    def wait(self) -> None:
        """Wait for the worker to finish once :meth:`items` ended at
        :data:`ITEMS_DONE`; if it failed, ``func`` runs again here (its items
        taken and let go of), so the caller sees the real exception."""
        if self._waiting and self._done is not None:
            self._waiting = False
            if not self._done.result():
                for _ in _items_of(self._func):
                    pass


class _Records:
    """The items of a spool file's records, read in order with ``pread``
    (each item's bytes read straight into the objects that hold them)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.offset = 0
        self.done = False  # the record of ITEMS_DONE read
        #: The spool again, held open by the stretches of it items hold.
        self.held: IO[bytes] = os.fdopen(os.dup(fd), "rb", buffering=0)

    def upto(self, end: int) -> Iterator[Any]:
        """The items of the whole records that end by ``end``."""
        while self.offset + 8 <= end and not self.done:
            length = int.from_bytes(os.pread(self.fd, 8, self.offset), "big")
            if length == _DONE_RECORD:
                self.offset += 8
                self.done = True
                return
            if self.offset + 8 + length > end:
                return
            item, ends = load_with_stretches(_ReadAt(self.fd, self.offset + 8), self.held)
            if ends != self.offset + 8 + length:
                raise ValueError("a spool's record is not as long as it says")
            self.offset += 8 + length
            yield item


class _ReadAt:
    """A file's bytes from ``offset`` on, read without moving the offset the
    file shares with the worker (what :func:`pickle.load` reads from)."""

    def __init__(self, fd: int, offset: int) -> None:
        self.fd = fd
        self.offset = offset

    def read(self, size: int = -1) -> bytes:
        data = os.pread(self.fd, size if size >= 0 else os.fstat(self.fd).st_size, self.offset)
        self.offset += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        done = os.preadv(self.fd, [buffer], self.offset)
        self.offset += done
        return done

    def readline(self) -> bytes:
        line = b""
        while not line.endswith(b"\n") and (byte := self.read(1)):
            line += byte
        return line


def _spool_items(func: Callable[[], Iterable[object]], spool: IO[bytes], told: int) -> bool:
    """Write each item as a record (its length, then its pickle, written to
    the file as it is made: a large item is never copied, then its
    stretches' bytes), then tell its end;
    :data:`ITEMS_DONE` is a record of its own length alone."""
    done = False
    for item in func():
        if done:
            raise RuntimeError("an item after ITEMS_DONE")
        done = item is ITEMS_DONE
        start = spool.tell()
        if done:
            spool.write(_DONE_RECORD.to_bytes(8, "big"))
        else:
            spool.write(bytes(8))  # its length, once known
            dump_with_stretches(item, spool)
        spool.flush()
        end = spool.tell()
        if not done:
            os.pwrite(spool.fileno(), (end - start - 8).to_bytes(8, "big"), start)
        try:
            os.write(told, end.to_bytes(8, "big"))
        except BlockingIOError:
            pass  # the parent reads nothing yet: it learns the size later
    return True
