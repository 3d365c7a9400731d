"""The parsed sources' file of the build cache (``parsed.json.zst``) and the
atomic-write helpers the cache's files share.

One line per update file: its path, the SHA-256 of its bytes, the incident
as plain data (:mod:`clarion.core.plaindata`) and its warnings, after a head
line with the format, Clarion's version and the site's salt. Reading it never
runs code; a file that is not Clarion's, or does not fit the model, is
ignored with a one-line note.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .. import __version__
from ..core.plaindata import PlainDataError, from_plain, to_plain
from ..errors import ContentError
from ..model import Incident
from .compressed import CompressedError, decompress, write_compressed

FORMAT = "clarion-cache/1"


def parsed_line(
    relpath: str, digest: str, incident: Incident, warnings: tuple[ContentError, ...]
) -> bytes:
    entry = [relpath, digest, to_plain(incident), [to_plain(w) for w in warnings]]
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_parsed(
    path: Path,
    salt: str,
    parsed: dict[str, tuple[str, Incident, tuple[ContentError, ...]]],
    lines_read: dict[str, bytes],
) -> bool:
    """Write the parsed file afresh (best effort: ``False`` when it cannot be)."""
    try:
        atomic_write_compressed(path, dump_parsed(salt, parsed, lines_read))
    except OSError:
        return False
    return True


def dump_parsed(
    salt: str,
    parsed: dict[str, tuple[str, Incident, tuple[ContentError, ...]]],
    lines_read: dict[str, bytes],
) -> Iterator[bytes]:
    """The parsed file, line by line: entries read and not changed since are
    copied as they were."""
    head = {"format": FORMAT, "version": __version__, "salt": salt}
    yield json.dumps(head, sort_keys=True).encode("utf-8") + b"\n"
    for relpath, (digest, incident, warnings) in sorted(parsed.items()):
        line = lines_read.get(relpath)
        yield (parsed_line(relpath, digest, incident, warnings) if line is None else line) + b"\n"


def read_parsed(
    path: Path, salt: str, lines: dict[str, bytes]
) -> tuple[dict[str, tuple[str, Incident, tuple[ContentError, ...]]], int | None]:
    """The parsed sources of ``path`` (a later line for the same file wins) and
    the number of lines read; nothing and ``None`` when the file is missing, of
    another version or site, or not Clarion's (a note on stderr says so)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}, None
    try:
        raws = decompress(data).splitlines()  # (no copy of all but the head line)
        head = json.loads(raws[0]) if raws else None
    except (CompressedError, ValueError):
        head = None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        note_ignored(path, "not a cache this version of Clarion wrote")
        return {}, None
    if head.get("version") != __version__ or head.get("salt") != salt:
        return {}, None  # another Clarion or another site.toml: parsed again, silently
    parsed: dict[str, tuple[str, Incident, tuple[ContentError, ...]]] = {}
    try:
        for raw in raws[1:]:
            relpath, digest, incident, warnings = json.loads(raw)
            lines[str(relpath)] = raw
            parsed[str(relpath)] = (
                str(digest),
                from_plain(Incident, incident),
                tuple(from_plain(ContentError, w) for w in warnings),
            )
    except (ValueError, TypeError, KeyError, PlainDataError):
        note_ignored(path, "unreadable or damaged")
        lines.clear()
        return {}, None
    return parsed, len(raws)


def note_ignored(path: Path, why: str) -> None:
    print(
        f"note: ignoring the build cache {path.name} ({why}); parsing every file", file=sys.stderr
    )


def atomic_write_compressed(path: Path, chunks: Iterable[bytes]) -> None:
    """:func:`atomic_write` of the compressed concatenation of ``chunks``,
    compressed as they come (:func:`~clarion.output.compressed.write_compressed`)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    with open(temporary, "wb") as handle:
        write_compressed(handle, chunks)
    os.replace(temporary, path)


def atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)
