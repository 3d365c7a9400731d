"""The deadline report's files made from the last build's, item by item.

Each item of the report has its share of the three private files: its entry
in ``deadlines.json``, its row of ``deadlines.html`` and, when the calendar
holds it, its ``VEVENT`` in ``deadlines.ics`` (:mod:`clarion.render.report.rows`:
what they show of an item is a function of its incident's rows key). A build
keeps, in ``.clarion-cache/deadline-rows.json.gz``, where each item's share
is in the files it wrote (their render key, each item's key and place, and
each incident's rows key). The next build puts the files together in the
report's order from runs of the last build's bytes, copied as they are for
the items whose incident's rows key is unchanged, and the rows it renders
for the others: the work is the size of the change and one copy of the
files, not one step per item.

What no item holds is rendered each time: the JSON around its list of items
(the summary and the lint), the page around its rows, the calendar's head
and tail (:func:`frames`). The last build's files are used only while the
build cache says they are still there as written under the kept render key
(:meth:`clarion.output.cache.BuildCache.previous_file`); a kept file that does
not read, or whose places do not fit those files, is ignored and every row
rendered.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ... import __version__
from ...derive.deadlines import DeadlineReport, Obligation
from ...output.cache import BuildCache
from .common import REPORT_HTML, REPORT_ICS, REPORT_JSON
from .rows import Row

FILES = (REPORT_JSON, REPORT_HTML, REPORT_ICS)
#: What separates two items in each file (a file's items are written one
#: after the other with this between them: :func:`frames`).
SEPARATORS = {REPORT_JSON: b",\n    ", REPORT_HTML: b"\n", REPORT_ICS: b""}
#: What :func:`frames` renders in the place of the items: no text of the
#: report holds it (a NUL is escaped in JSON, HTML and calendar text alike).
MARK = "\x00clarion-report-items\x00"
_FORMAT = "clarion-deadline-files/1"


@dataclass(frozen=True)
class Places:
    """Where each item is in the files written under ``key``: its key in the
    files' order, and per file the start and end of each item's bytes
    (``-1, -1`` where the file has none of it); each incident's rows key."""

    key: str
    items: list[str]
    offsets: dict[str, list[int]]  # by file, two per item
    sizes: dict[str, int]  # by file
    parts: dict[str, str]  # rows key, by slug


def read_places(path: Path) -> Places | None:
    """The places a build kept, ``None`` when the file does not read."""
    try:
        data = json.loads(gzip.decompress(path.read_bytes()))
        if data.get("format") != _FORMAT or data.get("version") != __version__:
            return None
        places = Places(
            str(data["key"]), data["items"], data["offsets"], data["sizes"], data["parts"]
        )
    except (OSError, EOFError, zlib.error, ValueError, TypeError, KeyError, AttributeError):
        return None
    count = len(places.items)
    shapes_fit = (
        isinstance(places.items, list)
        and isinstance(places.parts, dict)
        and isinstance(places.offsets, dict)
        and isinstance(places.sizes, dict)
        and all(isinstance(places.offsets.get(f), list) for f in FILES)
        and all(len(places.offsets[f]) == 2 * count for f in FILES)
        and all(isinstance(places.sizes.get(f), int) for f in FILES)
    )
    return places if shapes_fit else None


def save_places(path: Path, places: Places) -> None:
    """Keep ``places`` for the next build (written afresh; best effort)."""
    data = {
        "format": _FORMAT,
        "version": __version__,
        "key": places.key,
        "items": places.items,
        "offsets": places.offsets,
        "sizes": places.sizes,
        "parts": places.parts,
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(exist_ok=True)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        temporary.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=1, mtime=0))
        os.replace(temporary, path)
    except OSError:
        return


def previous_files(
    cache: BuildCache | None, places: Places | None, names: Sequence[str]
) -> dict[str, bytes] | None:
    """The last build's files ``names`` as ``places`` describes them, ``None``
    when one is no longer there as written under its key."""
    if cache is None or places is None:
        return None
    files: dict[str, bytes] = {}
    for name in names:
        found = cache.previous_file("private", name, places.key)
        if found is None:
            return None
        try:
            with open(found[1], "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        if len(data) != places.sizes[name]:
            return None
        files[name] = data
    return files


def _json_item(piece: bytes, key: str) -> bool:
    return (
        piece.startswith(b"{")
        and piece.endswith(b"}")
        and b'"key": ' + json.dumps(key, ensure_ascii=False).encode("utf-8") in piece
    )


#: What an item's bytes look like in each file: the first and last item of
#: every run copied from the last build's files are checked, so that places
#: that do not describe them are not used.
_LOOKS: dict[str, Callable[[bytes, str], bool]] = {
    REPORT_JSON: _json_item,
    REPORT_HTML: lambda piece, key: piece.startswith(b"<") and piece.endswith(b">"),
    REPORT_ICS: lambda piece, key: (
        piece.startswith(b"BEGIN:VEVENT\r\n") and piece.endswith(b"END:VEVENT\r\n")
    ),
}


class _Region:
    """One file's items, as written: runs of the last build's bytes and new rows."""

    def __init__(self, separator: bytes, looks: Callable[[bytes, str], bool]) -> None:
        self.separator = separator
        self.looks = looks
        self.pieces: list[bytes] = []
        self.size = 0
        self.offsets: list[int] = []

    def _add(self, piece: bytes) -> int:
        if self.pieces and self.separator:
            self.pieces.append(self.separator)
            self.size += len(self.separator)
        start = self.size
        self.pieces.append(piece)
        self.size += len(piece)
        return start

    def new(self, text: str | None) -> None:
        if text is None:
            self.offsets += (-1, -1)
            return
        piece = text.encode("utf-8")
        start = self._add(piece)
        self.offsets += (start, start + len(piece))

    def run(
        self, data: bytes, old: Sequence[int], keys: Sequence[str], first: int, last: int
    ) -> None:
        """The last build's items ``first`` to ``last`` (consecutive there;
        ``keys``: the items' keys there)."""
        spans = old[2 * first : 2 * last + 2]
        held = [n for n in range(len(spans) // 2) if spans[2 * n] >= 0]
        if not held:
            self.offsets += spans
            return
        begin, end = spans[2 * held[0]], spans[2 * held[-1] + 1]
        if not 0 <= begin < end <= len(data):
            raise ValueError("a kept place outside its file")
        for n in {held[0], held[-1]}:
            piece = data[spans[2 * n] : spans[2 * n + 1]]
            if not self.looks(piece, keys[first + n]):
                raise ValueError("a kept place that does not hold its item")
        shift = self._add(data[begin:end]) - begin
        self.offsets += [x + shift if x >= 0 else -1 for x in spans]


@dataclass(frozen=True)
class Frame:
    """A file around its items: what comes before them and after."""

    before: bytes
    after: bytes


def frames(json_text: str, html: str, around: tuple[bytes, bytes]) -> dict[str, Frame] | None:
    """Each file around its items: ``json_text`` and ``html`` rendered with
    :data:`MARK` for the items, ``around`` the calendar's head and tail
    (``None`` when a file holds the mark other than once)."""
    found: dict[str, Frame] = {}
    for name, text, tail in ((REPORT_JSON, json_text, ""), (REPORT_HTML, html, "\n")):
        if text.count(MARK) != 1:
            return None
        before, _, after = text.partition(MARK)
        found[name] = Frame(before.encode("utf-8"), (tail + after).encode("utf-8"))
    found[REPORT_ICS] = Frame(*around)
    return found


def spliced(
    report: DeadlineReport,
    rows_keys: dict[str, str],
    places: Places | None,
    previous: dict[str, bytes] | None,
    render: Callable[[Obligation], Row | None],
    names: Sequence[str] = FILES,
) -> tuple[dict[str, bytes], dict[str, list[int]]] | None:
    """Each file's items (of the files ``names``), in the report's order (``rows_keys``: each
    incident's rows key, by slug): runs of ``previous`` (the files
    ``places`` describes) for items whose incident's rows key is unchanged,
    rows ``render`` makes for the others. With each item's place in them,
    two per item. ``None`` when an item cannot be rendered, or a kept place
    does not fit its file."""
    regions = {name: _Region(SEPARATORS[name], _LOOKS[name]) for name in names}
    known: dict[str, int] = {}
    if places is not None and previous is not None:
        known = {key: index for index, key in enumerate(places.items)}
    first = last = -1

    def close() -> None:
        if first >= 0:
            assert places is not None and previous is not None
            for name, region in regions.items():
                region.run(previous[name], places.offsets[name], places.items, first, last)

    try:
        for o in report.obligations:
            slug = o.incident.slug
            index = known.get(o.key, -1)
            if index >= 0 and places is not None and places.parts.get(slug) != rows_keys[slug]:
                index = -1
            if index >= 0 and index == last + 1 and first >= 0:
                last = index
                continue
            close()
            first = last = index
            if index >= 0:
                continue
            row = render(o)
            if row is None:
                return None
            for name, text in (
                (REPORT_JSON, row.json),
                (REPORT_HTML, row.html),
                (REPORT_ICS, row.event),
            ):
                if name in regions:
                    regions[name].new(text)
        close()
    except (ValueError, TypeError, IndexError):
        return None
    items = {name: b"".join(region.pieces) for name, region in regions.items()}
    return items, {name: region.offsets for name, region in regions.items()}


def places_of(
    report: DeadlineReport,
    key: str,
    before: dict[str, int],
    offsets: dict[str, list[int]],
    sizes: dict[str, int],
    rows_keys: dict[str, str],
) -> Places:
    """The places of the files just made, for the next build (``before``:
    the size of what comes before the items in each file; a file not made
    of its items has no places)."""
    count = len(report.obligations)
    absolute = {
        name: [x + before[name] if x >= 0 else -1 for x in offsets[name]]
        if name in offsets and name in before
        else [-1] * (2 * count)
        for name in FILES
    }
    return Places(key, [o.key for o in report.obligations], absolute, sizes, dict(rows_keys))
