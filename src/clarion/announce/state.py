"""The public state of a built site, read back from its output: a folder
(``public/``, or a saved copy) or the live site's URL.

Only public files are read: ``api/v2/incidents.json``,
``api/v2/scheduled-maintenances.json``, ``api/v2/status.json``,
``maintenance.ics`` (the only output that tells a cancelled maintenance from
a completed one) and ``announced.json`` (the record of earlier runs). So an
announcement can only ever say what the page itself says: a private incident
or a private field never reaches it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from icalendar import Calendar

from .. import __version__
from ..errors import ClarionError
from .record import RECORD_PATH, Record

INCIDENTS_PATH = "api/v2/incidents.json"
MAINTENANCE_PATH = "api/v2/scheduled-maintenances.json"
STATUS_PATH = "api/v2/status.json"
CALENDAR_PATH = "maintenance.ics"
#: Every file :func:`read_state` reads, in the order it reads them.
STATE_PATHS = (INCIDENTS_PATH, MAINTENANCE_PATH, STATUS_PATH, CALENDAR_PATH, RECORD_PATH)
FETCH_TIMEOUT = 20.0

Json = dict[str, Any]


class StateError(ClarionError):
    """A previous or new state that cannot be read."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """An incident or a maintenance window as the API publishes it."""

    data: Mapping[str, Any]
    maintenance: bool
    cancelled: bool = False

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def updates(self) -> list[Json]:
        """Oldest first (the API lists them newest first)."""
        return list(reversed(self.data.get("incident_updates") or []))

    @property
    def component_codes(self) -> tuple[str, ...]:
        return tuple(str(c["id"]) for c in self.data.get("components") or [])


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteState:
    """What a published site shows; ``found`` is False when there is no site
    there yet (its first publication)."""

    where: str
    found: bool
    items: tuple[Item, ...] = ()
    page: Mapping[str, Any] = field(default_factory=dict)
    status: Mapping[str, Any] = field(default_factory=dict)
    record: Record = field(default_factory=Record)
    files: Mapping[str, bytes] = field(default_factory=dict)

    def item(self, item_id: str) -> Item | None:
        for item in self.items:
            if item.id == item_id:
                return item
        return None


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def read_state(source: str | Path, *, timeout: float = FETCH_TIMEOUT) -> SiteState:
    """The state published at ``source``: a folder or an ``http(s)://`` base URL."""
    text = str(source)
    files: dict[str, bytes] = {}
    for relpath, data in _read_files(text, timeout):
        files[relpath] = data
    if INCIDENTS_PATH not in files:
        return SiteState(where=text, found=False, files=files)
    incidents = _json(files, INCIDENTS_PATH, text)
    maintenance = _json(files, MAINTENANCE_PATH, text) if MAINTENANCE_PATH in files else {}
    status = _json(files, STATUS_PATH, text) if STATUS_PATH in files else {}
    cancelled = _cancelled_urls(files.get(CALENDAR_PATH))
    items = [Item(data=d, maintenance=False) for d in _list(incidents, "incidents", text)]
    items += [
        Item(data=d, maintenance=True, cancelled=d.get("shortlink") in cancelled)
        for d in _list(maintenance, "scheduled_maintenances", text)
    ]
    record = (
        Record.parse(files[RECORD_PATH], f"{text}/{RECORD_PATH}")
        if RECORD_PATH in files
        else Record()
    )
    return SiteState(
        where=text,
        found=True,
        items=tuple(items),
        page=incidents.get("page") or {},
        status=status.get("status") or {},
        record=record,
        files=files,
    )


MARKER_PATH = "previous.json"


def save_state(state: SiteState, folder: Path) -> list[Path]:
    """Write the files ``state`` was read from under ``folder`` (for a later
    ``--previous folder``), and ``previous.json`` saying where they came from
    (so the folder exists even before the first publication); returns the
    paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER_PATH
    marker.write_text(json.dumps({"found": state.found, "source": state.where}, indent=2) + "\n")
    written = [marker]
    for relpath, data in state.files.items():
        path = folder / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def _read_files(source: str, timeout: float) -> Iterator[tuple[str, bytes]]:
    if is_url(source):
        base = source if source.endswith("/") else source + "/"
        for relpath in STATE_PATHS:
            data = _fetch(base + relpath, timeout)
            if data is not None:
                yield relpath, data
        return
    folder = Path(source)
    if not folder.is_dir():
        raise StateError(
            f"--previous {source}: no such folder\n"
            "  hint: pass the folder of the last published site, or its base URL"
        )
    for relpath in STATE_PATHS:
        path = folder / relpath
        if path.is_file():
            yield relpath, path.read_bytes()


def _fetch(url: str, timeout: float) -> bytes | None:
    """The file at ``url``; ``None`` when the site has none (404)."""
    request = urllib.request.Request(
        url,
        headers={"User-Agent": f"Clarion/{__version__} (+announce)", "Cache-Control": "no-cache"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            return None
        raise StateError(f"{url}: HTTP {exc.code}; the previous state cannot be read") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StateError(f"{url}: {reason}; the previous state cannot be read") from None


def _json(files: Mapping[str, bytes], relpath: str, where: str) -> Json:
    try:
        data = json.loads(files[relpath].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"{where}/{relpath}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise StateError(f"{where}/{relpath}: expected a JSON object")
    return data


def _list(document: Json, key: str, where: str) -> list[Json]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) and "id" in v for v in value):
        raise StateError(f"{where}: '{key}' is not a list of items with ids")
    return value


def _cancelled_urls(calendar: bytes | None) -> frozenset[str]:
    """Pages of the maintenance windows the calendar marks ``CANCELLED``."""
    if calendar is None:
        return frozenset()
    try:
        parsed = Calendar.from_ical(calendar)
    except ValueError:
        return frozenset()
    return frozenset(
        str(event.get("url"))
        for event in parsed.walk("VEVENT")
        if str(event.get("status", "")).upper() == "CANCELLED" and event.get("url")
    )
