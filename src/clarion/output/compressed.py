"""The build cache's compressed files: Zstandard frames (``zstd -dc`` shows them).

A cache file is one frame, or several: a build that adds entries to a file
appends them as one more frame, and a reader takes every frame in order.
Zstandard, not gzip: at 10,000 incidents the parsed sources are about 40 MB
of JSON, which gzip takes 0.13 s to decompress and Zstandard 0.05 s, in the
part of an edit's build that nothing runs beside; its files are smaller too.

A file cut short (a build killed while it appended a frame) or that is not
Zstandard raises :data:`CompressedError` when read: the reader treats the
file as missing, never as holding what it could decode of it.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import zstandard

#: The compression level: the library's default, which compresses faster
#: than gzip's fastest level and as well as its best.
LEVEL = 3
#: What reading a damaged, cut-short or foreign file raises.
CompressedError = zstandard.ZstdError


def compress(data: bytes) -> bytes:
    """``data`` as one frame (to write, or to append to a file)."""
    return zstandard.ZstdCompressor(level=LEVEL).compress(data)


def decompress(data: bytes) -> bytes:
    """The concatenated contents of every frame of ``data``."""
    parts = []
    while data:
        frame = zstandard.ZstdDecompressor().decompressobj()
        parts.append(frame.decompress(data))
        if not frame.eof:
            raise CompressedError("the file is cut short")
        data = frame.unused_data
    return b"".join(parts)


def read_lines(path: Path) -> Iterator[bytes]:
    """The lines of the file of frames at ``path``, decompressed 4 KB of it
    at a time: the file is never held whole, compressed or not, nor are its
    lines all at once (``OSError`` when it cannot be read,
    :data:`CompressedError` when it is damaged, cut short or not Zstandard)."""
    frame = zstandard.ZstdDecompressor().decompressobj()
    pending: list[bytes] = []  # the start of a line the next pieces end (joined once)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 12):
            data = frame.decompress(chunk)
            while frame.eof and frame.unused_data:  # the next frame
                unused = frame.unused_data
                frame = zstandard.ZstdDecompressor().decompressobj()
                data += frame.decompress(unused)
            start = 0
            while (end := data.find(b"\n", start)) >= 0:
                if pending:
                    pending.append(data[start:end])
                    yield b"".join(pending)
                    pending = []
                else:
                    yield data[start:end]
                start = end + 1
            if start < len(data):
                pending.append(data[start:])
    if not frame.eof or pending:
        raise CompressedError("the file is cut short")


def write_compressed(handle: BinaryIO, chunks: Iterable[bytes]) -> None:
    """Write the concatenation of ``chunks`` to ``handle`` as one frame,
    compressed as they come: it is never held whole, plain or compressed."""
    with zstandard.ZstdCompressor(level=LEVEL).stream_writer(handle, closefd=False) as out:
        batch: list[bytes] = []
        size = 0
        for chunk in chunks:
            batch.append(chunk)
            size += len(chunk)
            if size >= 1 << 20:
                out.write(b"".join(batch))
                batch, size = [], 0
        out.write(b"".join(batch))


#: How many items of a long list :func:`json_chunks` makes text of at a time.
_RUN = 8192


def json_chunks(value: object) -> Iterator[bytes]:
    """The compact JSON of ``value`` (as ``json.dumps`` with ``","`` and
    ``":"`` and ``ensure_ascii=False`` writes it; an ``array`` as a list), in
    pieces: a long list a run of items at a time, so that a large value is
    never text whole."""
    if isinstance(value, dict):
        yield b"{"
        for number, (key, item) in enumerate(value.items()):
            yield b"%s%s:" % (b"," if number else b"", _dumps(key))
            yield from json_chunks(item)
        yield b"}"
    elif isinstance(value, list | array) and len(value) > _RUN:
        yield b"["
        for start in range(0, len(value), _RUN):
            run = _dumps(list(value[start : start + _RUN]))[1:-1]
            yield b"," + run if start else run
        yield b"]"
    else:
        yield _dumps(value.tolist() if isinstance(value, array) else value)


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
