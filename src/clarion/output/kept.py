"""The deadline report's parts kept between builds, in ``.clarion-cache/``.

Each incident's part of the deadline report (its obligations and warnings,
:mod:`clarion.derive.incident_deadlines`) is kept as one line of JSON under
the digest of every input it was computed from; the next build reuses the
lines whose digest it computes again and derives only the others. The
digest holds ``now``, so a build at another time computes every part again.
What the parts of all incidents share goes into the digest through
:func:`rules_digest`: Clarion's version and the bytes of its own modules and
rule files (a development checkout changes without a new version), the
``holidays`` library's version (the rules' business-day calendars) and the
site's settings (the zone, the rulebook's overrides).

The file is text compressed with Zstandard (:mod:`clarion.output.compressed`),
one ``<digest> <TAB> <JSON>`` line per part after a head line; a build adds
the parts it computed as one more frame (a later line wins) and writes the
file afresh once most of its lines are of parts no longer current. A file
that does not read (another format, damaged, cut short by a killed build)
counts as empty: every part is computed again. Deleting it is always safe.

Each line also holds what the report's items show of the incident, the
part's warnings alone, the digest of what the metrics read of the
incident and a mark (whether the part has items, and the digest of its
text) before the text itself (:mod:`clarion.derive.deadline_report`):
functions of the same inputs. The file is read as a stream, a piece at a
time, and written as its lines are made, never held whole; a build reads
the lines of its parts' inputs alone, and without their texts (most of a
line, and rarely decoded), which it reads again from the file if it must
(:meth:`KeptParts.keep_only`).

Where the report's items are in the files the last build wrote is kept in a
file of its own (:func:`kept_rows`, :mod:`clarion.render.report.splice`), and
so are the metrics' months' parts (:func:`kept_metric_parts`), in the same
format.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Collection, Iterator, Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import BinaryIO

from .. import __version__
from ..config import SiteConfig
from .compressed import CompressedError, read_lines, write_compressed

_FILE = "deadlines.json.zst"
_FORMAT = "clarion-deadline-parts/3"
#: Where the deadline report's items are in the last build's files
#: (:mod:`clarion.render.report.splice`).
ROWS_FILE = "deadline-rows.json.zst"
#: The metrics' months' parts (:func:`kept_metric_parts`).
METRIC_PARTS_FILE = "metric-parts.json.zst"
#: A line to keep: its text, what writes it when saved, or ``None`` for the
#: file's own line, as it is (read again when the file is written afresh).
Line = str | Callable[[], str] | None


class KeptParts:
    """The lines the last build kept (:attr:`previous`), read on first use.

    ``name`` and ``format``: the file and the format named in its head line
    (the deadline report's parts by default; its rendered rows use another,
    :func:`kept_rows`); ``slack`` and ``spare``: how many lines the file may
    hold, per line kept and over, before it is written afresh."""

    def __init__(
        self,
        folder: Path,
        name: str = _FILE,
        format: str = _FORMAT,
        slack: float = 2,
        spare: int = 100,
    ) -> None:
        self.path = folder / name
        self.format = format
        self.slack = slack
        self.spare = spare
        self._lines: int | None = None  # lines in the file; None: write it afresh
        self._wanted: dict[str, str] | None = None  # keys read (keep_only); None: all
        self._cut = False  # lines read without their last field (keep_only)

    @functools.cached_property
    def previous(self) -> dict[str, str]:
        """The file's lines (those :meth:`keep_only` named), ``{}`` when it
        does not read. Read as a stream, in pieces: the file is never held
        whole, compressed or not."""
        previous: dict[str, str] = {}
        lines = 0
        head: bytes | None = None
        wanted, cut = self._wanted, self._cut
        try:
            for line in read_lines(self.path):
                if head is None:
                    head = line
                    if json.loads(head) != _head(self.format):
                        return {}
                    continue
                key, tab, text = line.partition(b"\t")
                name = key.decode("utf-8")
                if tab and wanted is None:
                    previous[name] = text.decode("utf-8")
                elif tab and wanted is not None and name in wanted:  # (the caller's key: held once)
                    previous[wanted[name]] = (text.rpartition(b"\t")[0] if cut else text).decode()
                lines += 1
        except (OSError, CompressedError, ValueError):
            return {}
        if head is None:
            return {}
        self._lines = lines
        return previous

    def lines(self) -> Mapping[str, str]:
        """:attr:`previous`, read when first looked into: the main process of
        a build with a background process for the private files never reads
        the file (that process reads it and keeps the parts itself)."""
        return _OnFirstUse(self)

    def keep_only(self, keys: Collection[str], cut: bool = False) -> None:
        """Read only the lines of ``keys`` (before the file is first read):
        the lines it holds for inputs no longer current (up to as many as
        the current ones) are not held. Lines of other keys are new, to
        :meth:`save`. With ``cut``, each line is read without its last
        field (and its tab): a caller that keeps such a line saves it as
        ``None``, the file's own line, and reads it whole with
        :meth:`whole_lines` if it must."""
        if "previous" not in self.__dict__:
            self._wanted = {key: key for key in keys}
            self._cut = cut

    def whole_lines(self, keys: Collection[str]) -> dict[str, str]:
        """The lines of ``keys``, whole, read from the file again (``{}``
        when it does not read)."""
        again = KeptParts(self.path.parent, self.path.name, self.format)
        again.keep_only(keys)
        return again.previous

    def save(self, kept: Mapping[str, Line]) -> None:
        """Keep ``kept`` (every current line: its text, what writes it, or
        ``None`` for the file's own line, as it is) for the
        next build: the new ones appended, or the whole file written afresh
        (best effort). The lines are compressed as they are written."""
        previous = self.previous
        new = {k: text for k, text in kept.items() if text is not None and previous.get(k) != text}
        held = self._lines
        try:
            if held is not None and held + len(new) <= self.slack * len(kept) + self.spare:
                if new:
                    with self.path.open("ab") as handle:
                        _write_lines(handle, new)
                    self._lines = held + len(new)
            else:
                self._write(kept)
        except OSError:
            return
        self.__dict__.pop("previous", None)  # read again if asked

    def _write(self, kept: Mapping[str, Line]) -> None:
        """Write the file afresh with the lines ``kept``."""
        taken = {key for key, text in kept.items() if text is None}
        again = self.whole_lines(taken) if taken else {}
        lines = {k: text if text is not None else again.get(k) for k, text in kept.items()}
        whole = {key: text for key, text in lines.items() if text is not None}
        self.path.parent.mkdir(exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        with temporary.open("wb") as handle:
            _write_lines(handle, whole, head=json.dumps(_head(self.format)))
        os.replace(temporary, self.path)
        self._lines = len(whole)


def kept_rows(folder: Path) -> KeptParts:
    """Where the deadline report's items are in the last build's files: its
    path (:attr:`KeptParts.path`) is where
    :func:`clarion.render.report.splice.save_places` keeps them, written
    whole by each build that puts the files together."""
    return KeptParts(folder, ROWS_FILE, "clarion-deadline-rows/2", slack=1.25)


def kept_metric_parts(folder: Path) -> KeptParts:
    """The metrics' months' parts (:mod:`clarion.derive.metric_parts`): one
    line per month of the window, a month's new part appended by an edit, the
    file written afresh once it holds a dozen lines no longer current."""
    return KeptParts(folder, METRIC_PARTS_FILE, "clarion-metric-parts/1", slack=1, spare=12)


def _head(format: str) -> dict[str, str]:
    return {"format": format, "version": __version__}


def _write_lines(handle: BinaryIO, lines: Mapping[str, Line], head: str | None = None) -> None:
    """One Zstandard frame with ``head`` and ``lines`` (by key), written to
    ``handle`` as each line is made."""

    def made() -> Iterator[bytes]:
        if head is not None:
            yield head.encode("utf-8") + b"\n"
        for key in sorted(lines):
            line = lines[key]
            text = line if isinstance(line, str) else line() if line is not None else ""
            yield f"{key}\t{text}\n".encode()

    write_compressed(handle, made())


class _OnFirstUse(Mapping[str, str]):
    """The lines of a :class:`KeptParts`, read on first use."""

    def __init__(self, kept: KeptParts) -> None:
        self._kept = kept

    def __getitem__(self, key: str) -> str:
        return self._kept.previous[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kept.previous)

    def __len__(self) -> int:
        return len(self._kept.previous)


def rules_digest(config: SiteConfig) -> str:
    """A digest of what every incident's part depends on besides the
    incident, its notices, the zone and ``now`` (see the module's text)."""
    digest = hashlib.sha256()
    for part in (__version__, _code_digest(), _holidays_version(), config.digest):
        digest.update(f"{part}\0".encode())
    return digest.hexdigest()


@functools.cache
def _code_digest() -> str:
    """Clarion's own modules and rule files, by name and bytes."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@functools.cache
def _holidays_version() -> str:
    """The installed ``holidays``' version (its business-day calendars), read
    from the name of its ``.dist-info`` folder beside the package, without
    importing either (``importlib.metadata`` alone costs an edit's build
    about 20 ms); as ``importlib.metadata`` says when there is not one."""
    spec = find_spec("holidays")
    if spec is not None and spec.origin is not None:
        found = list(Path(spec.origin).parent.parent.glob("holidays-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix("holidays-").removesuffix(".dist-info")
    from importlib import metadata

    try:
        return metadata.version("holidays")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        return ""
