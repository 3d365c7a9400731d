"""The parsed sources' file of the build cache (``parsed.json.zst``) and the
atomic-write helpers the cache's files share.

One line per update file: the JSON of its path, the SHA-256 of its bytes,
the incident as plain data (:mod:`clarion.core.plaindata`), its warnings and
the outline of its updates (:class:`~clarion.model.Outline`), then a tab and
the JSON of its updates, then a tab and where the incident's texts are in the
file that holds them (:mod:`clarion.output.parsed_texts`), named in the head
line with the format, Clarion's version and the site's salt. In a line, the
incident's updates, its summary and the updates' bodies are empty: the
updates and the texts are decoded when first read, and the passes over every
incident read the outline. Reading it never runs code; a file that is not
Clarion's, or does not fit the model, is ignored with a one-line note (and
updates or texts that do not read stop the build with a clear error).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from zstandard import ZstdCompressor

from .. import __version__
from ..core.plaindata import PlainDataError, from_plain, to_plain
from ..errors import ContentError
from ..model import Incident, Outline
from .compressed import CompressedError, compress, read_lines, write_compressed
from .parsed_texts import (
    HeldTexts,
    IncidentTexts,
    append_frames,
    compressor,
    defer_texts,
    new_texts_name,
    read_texts,
    remove_other_texts,
    texts_frame,
)

FORMAT = "clarion-cache/3"
_DECODER = json.JSONDecoder()
T = TypeVar("T")
Parsed = dict[str, tuple[str, Incident, tuple[ContentError, ...]]]

# where the texts are in an incident's plain data (left empty in a line)
_UPDATES = [f.name for f in dataclasses.fields(Incident)].index("updates")


def parsed_line(
    relpath: str, digest: str, incident: Incident, warnings: tuple[ContentError, ...]
) -> bytes:
    """The JSON of an entry, a tab, the JSON of its updates: its texts left
    out (never decoded, where they are held as their frame)."""
    blank = _with(incident, summary="", updates=tuple(_with(u, body="") for u in incident.updates))
    plain: list[Any] = to_plain(blank)
    updates, plain[_UPDATES] = plain[_UPDATES], []
    entry = [relpath, digest, plain, [to_plain(w) for w in warnings], to_plain(incident.outline)]
    return b"%s\t%s" % (_json(entry), _json(updates))


def _with(item: T, **values: object) -> T:
    """A copy of the model object ``item`` with ``values`` instead of its own
    (a copy of its fields as they are: none is decoded)."""
    copy = object.__new__(type(item))
    copy.__dict__.update(item.__dict__, **values)
    return copy


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _placed(line: bytes, place: tuple[int, int]) -> bytes:
    return b"%s\t%d\t%d\n" % (line, *place)


def _frame(digest: str, incident: Incident, compressing: ZstdCompressor) -> bytes:
    """The frame of an incident's texts: as read, when they were (not decoded
    and encoded again), else made."""
    texts = getattr(incident, "_texts", None)
    if isinstance(texts, IncidentTexts | HeldTexts) and texts.digest == digest:
        return texts.frame
    return texts_frame(digest, incident, compressing)


def write_parsed(path: Path, salt: str, parsed: Parsed, unchanged: set[str], texts: str) -> bool:
    """Write the parsed file afresh, with its texts in a new file named
    ``texts`` (best effort: ``False`` when it cannot be); the lines of the
    entries ``unchanged`` since the file was read are copied from it."""
    try:
        places: dict[str, tuple[int, int]] = {}
        compressing, at = compressor(), 0
        with open(path.parent / texts, "wb") as handle:
            for relpath, (digest, incident, _) in sorted(parsed.items()):
                frame = _frame(digest, incident, compressing)
                handle.write(frame)
                places[relpath] = (at, at + len(frame))
                at += len(frame)
        lines = _lines_of(path, salt, {r: parsed[r][0] for r in unchanged if r in parsed})
        atomic_write_compressed(path, dump_parsed(salt, parsed, lines, texts, places))
    except OSError:
        (path.parent / texts).unlink(missing_ok=True)
        return False
    remove_other_texts(path.parent, texts)
    return True


def dump_parsed(
    salt: str,
    parsed: Parsed,
    lines: dict[str, bytes],
    texts: str,
    places: dict[str, tuple[int, int]],
) -> Iterator[bytes]:
    """The parsed file, line by line: an entry's line in ``lines`` (as read,
    when it is not changed since) is copied, the others' are made;
    ``places``: where each entry's texts are in ``texts``."""
    head = {"format": FORMAT, "version": __version__, "salt": salt, "texts": texts}
    yield json.dumps(head, sort_keys=True).encode("utf-8") + b"\n"
    for relpath, (digest, incident, warnings) in sorted(parsed.items()):
        line = lines.pop(relpath, None)
        if line is None:
            line = parsed_line(relpath, digest, incident, warnings)
        yield _placed(line, places[relpath])


def _lines_of(path: Path, salt: str, wanted: dict[str, str]) -> dict[str, bytes]:
    """The lines of the parsed file at ``path`` (without their texts'
    places) of the entries ``wanted`` (path -> digest), as it holds them
    (the last line of each wins): copied when the file is written afresh,
    so a build need not hold them from when it read the file (48 MB at
    50,000 incidents). An entry whose line is missing or for another digest
    (the file changed meanwhile) is left out, and made again."""
    found: dict[str, bytes] = {}
    if not wanted:
        return found
    try:
        lines = read_lines(path)
        head = json.loads(next(lines, b"null"))
        if not isinstance(head, dict) or head.get("salt") != salt:
            return found
        for raw in lines:
            line = raw.rsplit(b"\t", 2)[0]
            try:  # (the entry's path and digest, its first two values)
                text = line[:1024].decode("utf-8", "replace")
                relpath, end = _DECODER.raw_decode(text, 1)
                digest, _ = _DECODER.raw_decode(text, end + 1)
            except ValueError:
                continue
            if wanted.get(relpath) == digest:
                found[relpath] = line
    except (OSError, CompressedError, ValueError):
        return {}
    return found


def append_parsed(path: Path, texts: str, new: Parsed) -> None:
    """Add the entries ``new``: their texts to the file ``texts``, then their
    lines to the parsed file, as one more compressed frame."""
    entries = sorted(new.items())
    compressing = compressor()
    frames = [_frame(digest, incident, compressing) for _, (digest, incident, _) in entries]
    with open(path.parent / texts, "ab") as handle:
        places = append_frames(handle, frames)
    lines = [_placed(parsed_line(r, *e), p) for (r, e), p in zip(entries, places, strict=True)]
    with open(path, "ab") as handle:
        handle.write(compress(b"".join(lines)))


def save_parsed(
    path: Path,
    salt: str,
    parsed: Parsed,
    unchanged: set[str],
    held: int | None,
    texts: str | None,
    removed: bool,
) -> tuple[int, str]:
    """Write the parsed sources back: the entries parsed again appended (a
    later line wins when the file is read) to the file of ``held`` lines with
    its ``texts``, or, once entries were ``removed`` or the file holds many
    superseded lines, the whole file afresh. The lines the file then holds
    and the name of its texts file; ``OSError`` when it cannot be written."""
    new = {relpath: entry for relpath, entry in parsed.items() if relpath not in unchanged}
    if removed or held is None or texts is None or held + len(new) > 2 * len(parsed) + 100:
        texts = new_texts_name()
        if not write_parsed(path, salt, parsed, unchanged, texts):
            raise OSError(f"cannot write {path}")
        return len(parsed) + 1, texts
    if new:
        append_parsed(path, texts, new)
    return held + len(new), texts


class ReadingStopped(Exception):
    """:func:`read_parsed` was asked to stop (its ``stop`` was set); ``read``
    holds what it had read (whoever stopped it decides when to let it go)."""

    def __init__(self, read: Parsed) -> None:
        super().__init__("stopped")
        self.read = read


def read_parsed(
    path: Path,
    salt: str,
    unchanged: set[str],
    stop: threading.Event | None = None,
    note: Callable[[Path, str], None] | None = None,
) -> tuple[Parsed, int | None, str | None]:
    """The parsed sources of ``path`` (a later line for the same file wins),
    the number of lines read and the name of their texts file; nothing and
    ``None`` when the file is missing, of another version or site, or not
    Clarion's (``note``, by default a note on stderr, says so). Each
    incident's texts are decoded when first read
    (:mod:`clarion.output.parsed_texts`). Once ``stop`` is set it raises
    :class:`ReadingStopped` (it is looked at every 256 lines)."""
    say = note_ignored if note is None else note
    lines = read_lines(path)  # (one line held at a time)
    try:
        head = json.loads(next(lines, b"null"))
    except OSError:
        return {}, None, None
    except (CompressedError, ValueError):
        head = None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        say(path, "not a cache this version of Clarion wrote")
        return {}, None, None
    if head.get("version") != __version__ or head.get("salt") != salt:
        return {}, None, None  # another Clarion or another site.toml: parsed again, silently
    name = head.get("texts")
    blob = read_texts(path.parent, name)
    if blob is None:
        say(path, "its texts file is missing")
        return {}, None, None
    parsed: Parsed = {}
    number = -1
    try:
        for number, raw in enumerate(lines):
            if stop is not None and not number % 256 and stop.is_set():
                raise ReadingStopped(parsed)
            line, start, end = raw.rsplit(b"\t", 2)
            data, tab, updates = line.partition(b"\t")  # (JSON has no tab in it)
            text = data.decode("utf-8")
            entry, decoded = _DECODER.raw_decode(text)  # (a line has no whitespace around it)
            if decoded != len(text) or not tab:
                raise ValueError("more than one value")
            relpath, digest, plain, warnings, outline = entry
            begins, ends = int(start), int(end)
            if not 0 <= begins < ends <= len(blob) or type(digest) is not str:
                raise ValueError("no such texts")
            incident = from_plain(Incident, plain)
            if incident.source_path == relpath and incident.digest == digest:
                # (the entry's path and digest are the incident's own: held once)
                object.__setattr__(incident, "source_path", relpath)
                object.__setattr__(incident, "digest", digest)
            object.__setattr__(incident, "outline", from_plain(Outline, outline))
            defer_texts(incident, IncidentTexts(blob, begins, ends, digest, path, updates))
            unchanged.add(str(relpath))
            parsed[str(relpath)] = (
                digest,
                incident,
                tuple(from_plain(ContentError, w) for w in warnings),
            )
    except (OSError, CompressedError, ValueError, TypeError, KeyError, PlainDataError):
        say(path, "unreadable or damaged")
        unchanged.clear()
        return {}, None, None
    return parsed, number + 2, str(name)  # (the head line and the entries)


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
