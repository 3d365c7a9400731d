"""The deadline report's files made from the last build's, item by item.

Each item of the report has its share of the three private files: its entry
in ``deadlines.json``, its row of ``deadlines.html`` and, when the calendar
holds it, its ``VEVENT`` in ``deadlines.ics`` (:mod:`clarion.render.report.rows`:
what they show of an item is a function of its incident's rows key). A build
keeps, in ``.clarion-cache/deadline-rows.json.zst``, where each item's share
is in the files it wrote (their render key, each item's key and place, and
each incident's rows key). The next build puts the files together in the
report's order from runs of the last build's bytes, copied as they are for
the items whose incident's rows key is unchanged, and the rows it renders
for the others: the work is the size of the change and one copy of the
files, not one step per item. The last build's files are read only where
an item is checked; each run of them is copied by the kernel, and each new
row written, as it comes, to an unnamed temporary file, which the new
file's output carries as a stretch of it (:mod:`clarion.core.stretch`): no
process holds a file's items, old or new.

What no item holds is rendered each time: the JSON around its list of items
(the summary and the lint), the page around its rows, the calendar's head
and tail (:func:`frames`). The last build's files are used only while the
build cache says they are still there as written under the kept render key
(:meth:`clarion.output.cache.BuildCache.previous_file`); a kept file that does
not read, or whose places do not fit those files, is ignored and every row
rendered.
"""

from __future__ import annotations

import json
import os
from array import array
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ... import __version__
from ...core.stretch import Piece, Spill, Stretch
from ...derive.deadline_report import ReportParts, sort_key
from ...derive.deadlines import DeadlineReport, Obligation
from ...derive.owed import STATE_ORDER, ObligationState
from ...output.cache import BuildCache
from ...output.compressed import CompressedError, decompress, json_chunks, write_compressed
from ..ical import is_event_bytes
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
    offsets: dict[str, array[int]]  # by file, two per item
    sizes: dict[str, int]  # by file
    parts: dict[str, str]  # rows key, by slug
    ranks: list[int]  # each item's state, by rank (its place in the report's order)
    dues: list[float | None]  # each item's due time (a timestamp; None: none)
    #: A digest of everything the files show around their items (the
    #: counts, the lint, the settings and templates): unchanged, a build
    #: copies it from the last build's files too.
    frames: str
    #: What every row shares (:func:`~clarion.render.report.rows.rows_base`)
    #: and the digest of each incident's inputs its rows key was made from:
    #: while both are the same, so is its rows key.
    base: str
    inputs: dict[str, str]


def read_places(path: Path) -> Places | None:
    """The places a build kept, ``None`` when the file does not read."""
    try:
        data = json.loads(decompress(path.read_bytes()))
        if data.get("format") != _FORMAT or data.get("version") != __version__:
            return None
        places = Places(
            str(data["key"]),
            data["items"],
            {name: array("q", data["offsets"][name]) for name in FILES},
            data["sizes"],
            data["parts"],
            data["ranks"],
            data["dues"],
            str(data["frames"]),
            str(data["base"]),
            data["inputs"],
        )
    except (OSError, CompressedError, ValueError, TypeError, KeyError, AttributeError):
        return None
    except OverflowError:  # an offset too large for the file
        return None
    count = len(places.items)
    shapes_fit = (
        isinstance(places.items, list)
        and isinstance(places.parts, dict)
        and isinstance(places.inputs, dict)
        and isinstance(places.offsets, dict)
        and isinstance(places.sizes, dict)
        and all(len(places.offsets[f]) == 2 * count for f in FILES)
        and isinstance(places.ranks, list)
        and isinstance(places.dues, list)
        and len(places.ranks) == len(places.dues) == count
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
        "ranks": places.ranks,
        "dues": places.dues,
        "frames": places.frames,
        "base": places.base,
        "inputs": places.inputs,
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(exist_ok=True)
        with temporary.open("wb") as handle:  # (never held whole: long lists in runs)
            write_compressed(handle, json_chunks(data))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def previous_files(
    cache: BuildCache | None, places: Places | None, names: Sequence[str]
) -> dict[str, Stretch] | None:
    """The last build's files ``names`` as ``places`` describes them, each
    open (the published files, which a build never changes in place): read
    only where an item is checked, copied by the kernel. ``None`` when one
    is no longer there as written under its key."""
    if cache is None or places is None:
        return None
    files: dict[str, Stretch] = {}
    for name in names:
        found = cache.previous_file("private", name, places.key)
        if found is None:
            return None
        try:
            handle = open(found[1], "rb")  # (closed with the last stretch of it)
            size = os.fstat(handle.fileno()).st_size
        except OSError:
            return None
        if size != places.sizes[name] or not size:
            handle.close()
            return None
        files[name] = Stretch(handle, 0, size)
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
    REPORT_ICS: lambda piece, key: is_event_bytes(piece),
}


class _Region:
    """One file's items, as written: runs of the last build's bytes and new
    rows, each written to an unnamed temporary file as it comes (no process
    holds a file's items: :mod:`clarion.core.stretch`)."""

    def __init__(self, separator: bytes, looks: Callable[[bytes, str], bool]) -> None:
        self.separator = separator
        self.looks = looks
        self.spill = Spill()
        self.offsets = array("q")  # (8 bytes an offset: at 50,000 incidents a million of them)

    @property
    def size(self) -> int:
        return self.spill.size

    def pieces(self) -> list[Piece]:
        return [self.spill.stretch()] if self.spill.size else []

    def _add(self, piece: Piece) -> int:
        if self.spill.size and self.separator:
            self.spill.write(self.separator)
        start = self.spill.size
        self.spill.write(piece)
        return start

    def new(self, text: str | None) -> None:
        if text is None:
            self.offsets.extend((-1, -1))
            return
        piece = text.encode("utf-8")
        start = self._add(piece)
        self.offsets.extend((start, start + len(piece)))

    def run(
        self, data: Stretch, old: Sequence[int], keys: Sequence[str], first: int, last: int
    ) -> None:
        """The last build's items ``first`` to ``last`` (consecutive there;
        ``keys``: the items' keys there), copied from ``data``."""
        spans = old[2 * first : 2 * last + 2]
        held = [n for n in range(len(spans) // 2) if spans[2 * n] >= 0]
        if not held:
            self.offsets.extend(spans)
            return
        begin, end = spans[2 * held[0]], spans[2 * held[-1] + 1]
        if not 0 <= begin < end <= len(data):
            raise ValueError("a kept place outside its file")
        for n in {held[0], held[-1]}:
            piece = data.part(spans[2 * n], spans[2 * n + 1]).read()
            if not self.looks(piece, keys[first + n]):
                raise ValueError("a kept place that does not hold its item")
        shift = self._add(data.part(begin, end)) - begin
        self.offsets.extend(x + shift if x >= 0 else -1 for x in spans)


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


#: An item of the files: its index in the last build's, or the item itself
#: (its rows rendered now).
Entry = int | Obligation


def previous_frames(
    places: Places, previous: Mapping[str, Stretch], around: tuple[bytes, bytes]
) -> dict[str, Frame] | None:
    """Each file around its items as the last build wrote it (``None``: a
    file's first or last item is not where its places say)."""
    found = {REPORT_ICS: Frame(*around)}
    for name in (REPORT_JSON, REPORT_HTML):
        data, offsets = previous.get(name), places.offsets[name]
        if data is None or not offsets:
            return None
        start, end = offsets[0], offsets[-1]
        if not isinstance(start, int) or not isinstance(end, int) or not 0 < start < end:
            return None
        if end > len(data) or not _LOOKS[name](
            data.part(start, offsets[1]).read(), places.items[0]
        ):
            return None
        found[name] = Frame(data.part(0, start).read(), data.part(end, len(data)).read())
    return found


def spliced(
    order: Sequence[Entry],
    places: Places | None,
    previous: Mapping[str, Stretch] | None,
    render: Callable[[Obligation], Row | None],
    names: Sequence[str] = FILES,
) -> tuple[dict[str, list[Piece]], dict[str, array[int]]] | None:
    """The items of each of the files ``names``, in the report's order
    (``order``), as the pieces that make them up once joined: runs of
    ``previous`` (the files ``places`` describes) for the last build's
    items, rows ``render`` makes for the others. With each item's place in
    them, two per item. ``None`` when an item cannot be rendered, or a kept
    place does not fit its file."""
    regions = {name: _Region(SEPARATORS[name], _LOOKS[name]) for name in names}
    first = last = -1

    def close() -> None:
        if first >= 0:
            assert places is not None and previous is not None
            for name, region in regions.items():
                region.run(previous[name], places.offsets[name], places.items, first, last)

    try:
        for entry in order:
            if isinstance(entry, int):
                if first >= 0 and entry == last + 1:
                    last = entry
                    continue
                close()
                first = last = entry
                continue
            close()
            first = last = -1
            row = render(entry)
            if row is None:
                return None
            texts = {REPORT_JSON: row.json, REPORT_HTML: row.html, REPORT_ICS: row.event}
            for name, region in regions.items():
                region.new(texts[name])
        close()
    except (ValueError, TypeError, IndexError):
        return None
    pieces = {name: region.pieces() for name, region in regions.items()}
    return pieces, {name: region.offsets for name, region in regions.items()}


@dataclass(frozen=True)
class Plan:
    """The report's items in its order, and how many there are in each state."""

    order: list[Entry]
    counts: dict[ObligationState, int]


def full_plan(report: DeadlineReport, places: Places | None, rows_keys: Mapping[str, str]) -> Plan:
    """The order of ``report``, with the last build's index of each item
    whose incident's rows key (``rows_keys``, by slug) is unchanged."""
    known: dict[str, int] = {}
    if places is not None:
        known = {key: index for index, key in enumerate(places.items)}
    order: list[Entry] = []
    for o in report.obligations:
        slug = o.incident.slug
        index = known.get(o.key, -1)
        same = places is not None and places.parts.get(slug) == rows_keys[slug]
        order.append(index if index >= 0 and same else o)
    return Plan(order, report.counts)


def plan(parts: ReportParts, places: Places, rows_keys: Mapping[str, str]) -> Plan | None:
    """The report's order without reading the parts of incidents whose rows
    are unchanged: their items in the last build's order (``places``), with
    the items of the others (read now) put in by :func:`sort_key`. ``None``
    when a kept state or time does not read."""
    unchanged = {slug for slug, key in rows_keys.items() if places.parts.get(slug) == key}
    new: list[Obligation] = []
    for slug in rows_keys:
        if slug not in unchanged:
            part = parts.part(slug)
            new.extend(part.obligations if part is not None else ())
    new.sort(key=sort_key)
    by_rank = {state.rank: state for state in STATE_ORDER}
    counts = dict.fromkeys(STATE_ORDER, 0)
    kept: list[int] = []
    try:
        for index, key in enumerate(places.items):
            if key.partition("/")[0] in unchanged:
                kept.append(index)
                counts[by_rank[places.ranks[index]]] += 1

        def kept_key(index: int) -> tuple[object, ...]:
            key = places.items[index]
            slug, due = key.partition("/")[0], places.dues[index]
            if due is not None and not isinstance(due, int | float):
                raise TypeError("not a time")
            at = float("inf") if due is None else due
            return (places.ranks[index], at, parts.parts[slug].incident.started_at, slug, key)

        order: list[Entry] = []
        at = 0
        for o in new:
            counts[o.state] += 1
            position = bisect_left(kept, sort_key(o), lo=at, key=kept_key)
            order.extend(kept[at:position])
            order.append(o)
            at = position
        order.extend(kept[at:])
    except (KeyError, TypeError, IndexError):
        return None
    return Plan(order, counts)


@dataclass(frozen=True, eq=False)
class CountedReport(DeadlineReport):
    """The report around its items, for the files made from a :class:`Plan`:
    its lint and how many items are in each state, not the items (they are
    in the files already, or rendered one by one)."""

    counted: Mapping[ObligationState, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[ObligationState, int]:
        return dict(self.counted)


def places_of(
    order: Sequence[Entry],
    previous: Places | None,
    key: str,
    before: dict[str, int],
    offsets: dict[str, array[int]],
    sizes: dict[str, int],
    rows_keys: Mapping[str, str],
    frames: str,
    base: str,
    inputs: Mapping[str, str],
) -> Places:
    """The places of the files just made (in the order ``order``, entries of
    the last build's ``previous``), for the next build (``before``: the size
    of what comes before the items in each file; a file not made of its
    items has no places)."""
    count = len(order)
    absolute = {
        name: array("q", (x + before[name] if x >= 0 else -1 for x in offsets[name]))
        if name in offsets and name in before
        else array("q", (-1,)) * (2 * count)
        for name in FILES
    }
    items: list[str] = []
    ranks: list[int] = []
    dues: list[float | None] = []
    for entry in order:
        if isinstance(entry, int):
            assert previous is not None
            items.append(previous.items[entry])
            ranks.append(previous.ranks[entry])
            dues.append(previous.dues[entry])
        else:
            items.append(entry.key)
            ranks.append(entry.state.rank)
            dues.append(entry.due_at.timestamp() if entry.due_at else None)
    made_from = {slug: inputs[slug] for slug in rows_keys if slug in inputs}
    return Places(
        key, items, absolute, sizes, dict(rows_keys), ranks, dues, frames, base, made_from
    )
