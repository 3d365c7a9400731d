"""Bytes held in a file, not in memory: an output's piece that is a stretch of
an unnamed temporary file.

The deadline report's files are the largest a build makes (at 50,000
incidents ``deadlines.json`` is about 110 MB). Their items are written to an
unnamed temporary file as they are rendered (:class:`Spill`), and the output
carries the :class:`Stretch` of that file that holds them: no process holds
the file's bytes. The writer copies a stretch into its destination with
``sendfile`` (the kernel copies; no process reads the bytes), the hash reads
it a block at a time. Between the process that renders the private files and
the main process, a stretch travels in the spool (:mod:`clarion.core.spool`):
its bytes are copied after the item's pickle and read back as a stretch of
the spool file.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

#: How much of a stretch is read at a time (to hash it, or where the kernel
#: cannot copy it).
BLOCK = 1 << 20


class Stretch:
    """``length`` bytes of the open file ``file`` from ``offset`` on. The file
    stays open as long as a stretch of it is held, and is never written
    again where a stretch is."""

    __slots__ = ("file", "offset", "length")

    def __init__(self, file: IO[bytes], offset: int, length: int) -> None:
        self.file = file
        self.offset = offset
        self.length = length

    def __len__(self) -> int:
        return self.length

    def blocks(self) -> Iterator[bytes]:
        """The bytes, :data:`BLOCK` at a time."""
        fd, done = self.file.fileno(), 0
        while done < self.length:
            block = os.pread(fd, min(BLOCK, self.length - done), self.offset + done)
            if not block:
                raise OSError(f"a stretch of {self.length} bytes ends after {done}")
            done += len(block)
            yield block

    def read(self) -> bytes:
        return b"".join(self.blocks())

    def part(self, start: int, end: int) -> Stretch:
        """The bytes from ``start`` to ``end`` of this stretch."""
        if not 0 <= start <= end <= self.length:
            raise ValueError("a part outside its stretch")
        return Stretch(self.file, self.offset + start, end - start)

    def append_to(self, handle: IO[bytes]) -> None:
        """Write the bytes after what ``handle`` (a file open for writing)
        holds so far: by the kernel where it can (``sendfile``), else a
        block at a time."""
        handle.flush()
        fd, source, done = handle.fileno(), self.file.fileno(), 0
        try:
            while done < self.length:
                sent = os.sendfile(fd, source, self.offset + done, self.length - done)
                if not sent:
                    raise OSError(f"a stretch of {self.length} bytes ends after {done}")
                done += sent
        except OSError:
            if done:
                raise
            for block in self.blocks():  # (no sendfile between these files)
                handle.write(block)
        handle.seek(0, os.SEEK_END)  # (where the handle's buffer takes up again)

    def __reduce__(self) -> tuple[type[bytes], tuple[bytes]]:
        # pickled as its bytes where no spool carries it as a stretch
        return bytes, (self.read(),)


#: An output's piece: bytes, a view of a mapped file, or a stretch of a file.
Piece = bytes | memoryview | Stretch


def piece_size(piece: Piece) -> int:
    return piece.length if isinstance(piece, Stretch) else memoryview(piece).nbytes


def blocks_of(pieces: Iterable[Piece]) -> Iterator[bytes | memoryview]:
    """The bytes of ``pieces`` one after the other, stretches a block at a time."""
    for piece in pieces:
        if isinstance(piece, Stretch):
            yield from piece.blocks()
        else:
            yield piece


def write_pieces(handle: IO[bytes], pieces: Iterable[Piece]) -> None:
    """Write ``pieces`` one after the other to ``handle`` (a file opened for
    writing), stretches copied by the kernel."""
    for piece in pieces:
        if isinstance(piece, Stretch):
            piece.append_to(handle)
        else:
            handle.write(piece)


class Spill:
    """An unnamed temporary file that pieces are appended to: what is written
    is handed on as the :class:`Stretch` of it (:meth:`stretch`)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()
        self.size = 0

    def write(self, piece: Piece) -> None:
        write_pieces(self.file, (piece,))  # (a stretch copied by the kernel: never read here)
        self.size += piece_size(piece)

    def stretch(self) -> Stretch:
        """Everything written so far (the file is written no more)."""
        self.file.flush()
        return Stretch(self.file, 0, self.size)


# -- in a spool: a record's stretches follow its pickle ---------------------------


class _Pickler(pickle.Pickler):
    """Pickles an item with each stretch in it as a reference: its length,
    its bytes to follow the pickle."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.stretches: list[Stretch] = []

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, Stretch):
            self.stretches.append(obj)
            return ("stretch", obj.length)
        return None


def dump_with_stretches(item: object, spool: IO[bytes]) -> None:
    """Write ``item``'s pickle to ``spool``, then the bytes of each stretch in
    it, in order (copied by the kernel where it can)."""
    pickler = _Pickler(spool)
    pickler.dump(item)
    write_pieces(spool, pickler.stretches)


class _Unpickler(pickle.Unpickler):
    def __init__(self, source: Any, file: IO[bytes]) -> None:
        super().__init__(source)
        self.held = file
        self.references: list[Stretch] = []

    def persistent_load(self, pid: Any) -> Any:
        kind, length = pid
        if kind != "stretch" or not isinstance(length, int):
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        stretch = Stretch(self.held, 0, length)  # placed once the pickle has been read
        self.references.append(stretch)
        return stretch


def load_with_stretches(source: Any, file: IO[bytes]) -> tuple[Any, int]:
    """The item :func:`dump_with_stretches` wrote, read from ``source`` (a
    reader of the spool at the item's pickle, whose ``offset`` is where it
    has read to), each stretch in it a stretch of ``file`` (the spool, held
    open by its stretches); with where its record ends."""
    unpickler = _Unpickler(source, file)
    item = unpickler.load()
    offset = source.offset
    for stretch in unpickler.references:
        stretch.offset = offset
        offset += stretch.length
    return item, offset
