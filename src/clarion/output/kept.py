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

The file is gzip-compressed text, one ``<digest> <TAB> <JSON>`` line per part
after a head line; a build adds the parts it computed as one more gzip
member (a later line wins) and writes the file afresh once most of its lines
are of parts no longer current. A file that does not read (another format,
damaged, cut short by a killed build) counts as empty: every part is
computed again. Deleting it is always safe.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import zlib
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..config import SiteConfig

_FILE = "deadlines.json.gz"
_FORMAT = "clarion-deadline-parts/1"
#: The deadline report's rendered rows (:mod:`clarion.render.report.rows`).
ROWS_FILE = "deadline-rows.json.gz"


class KeptParts:
    """The lines the last build kept (:attr:`previous`), read on first use.

    ``name`` and ``format``: the file and the format named in its head line
    (the deadline report's parts by default; its rendered rows use another,
    :func:`kept_rows`); ``slack``: how many lines the file may hold, per line
    kept, before it is written afresh."""

    def __init__(
        self, folder: Path, name: str = _FILE, format: str = _FORMAT, slack: float = 2
    ) -> None:
        self.path = folder / name
        self.format = format
        self.slack = slack
        self._lines: int | None = None  # lines in the file; None: write it afresh

    @functools.cached_property
    def previous(self) -> dict[str, str]:
        """The file's lines, ``{}`` when it does not read."""
        previous: dict[str, str] = {}
        try:
            first, _, rest = gzip.decompress(self.path.read_bytes()).partition(b"\n")
            head = json.loads(first)
            if head != _head(self.format):
                return previous
            lines = rest.decode("utf-8").splitlines()
        except (OSError, EOFError, zlib.error, ValueError):
            return previous
        for line in lines:
            key, tab, text = line.partition("\t")
            if tab:
                previous[key] = text
        self._lines = len(lines)
        return previous

    def save(self, kept: Mapping[str, str]) -> None:
        """Keep ``kept`` (every current line) for the next build: the new ones
        appended, or the whole file written afresh (best effort)."""
        previous = self.previous
        new = {key: text for key, text in kept.items() if previous.get(key) != text}
        held = self._lines
        try:
            if held is not None and held + len(new) <= self.slack * len(kept) + 100:
                if new:
                    with self.path.open("ab") as handle:
                        handle.write(_zip(_lines(new)))
                    self._lines = held + len(new)
            else:
                self.path.parent.mkdir(exist_ok=True)
                head = json.dumps(_head(self.format)).encode("utf-8")
                temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
                temporary.write_bytes(_zip(head + b"\n" + _lines(kept)))
                os.replace(temporary, self.path)
                self._lines = len(kept)
        except OSError:
            return
        self.previous = dict(kept)


def kept_rows(folder: Path) -> KeptParts:
    """The deadline report's rendered rows the last build kept: written
    afresh once a fifth of the file is of rows no longer current (its lines
    are long, and every edit that changes the report reads them all)."""
    return KeptParts(folder, ROWS_FILE, "clarion-deadline-rows/1", slack=1.25)


def _head(format: str) -> dict[str, str]:
    return {"format": format, "version": __version__}


def _lines(parts: Mapping[str, str]) -> bytes:
    return "".join(f"{key}\t{text}\n" for key, text in sorted(parts.items())).encode("utf-8")


def _zip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1, mtime=0)


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


def _holidays_version() -> str:
    try:
        return metadata.version("holidays")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        return ""
