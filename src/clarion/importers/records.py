"""What every importer returns: the source's items, components and groups in
Clarion's terms, still named by the source's ids, plus the report of every
step that lost or guessed something.

Importers read; :mod:`clarion.importers.plan` maps ids and renders files;
:mod:`clarion.importers.apply` writes them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from ..model import Impact, Kind, Severity, Stage


@dataclass(frozen=True, kw_only=True)
class ImportedUpdate:
    """One update: its time (aware), stage, Markdown body and the component
    impacts it sets (by source component id), with notes written above it."""

    at: datetime
    stage: Stage
    body: str
    impact: dict[str, Impact] | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ImportedItem:
    """An incident or maintenance read from the source.

    ``source_key`` identifies the record in the source (``statuspage
    incident abc123``); it is written into the file as a comment, so a
    re-import finds the file again. Times keep the zone they were given in.
    """

    source_key: str
    origin: str  # where the record is, for messages: "incidents.json: incidents[3]"
    kind: Kind
    title: str
    severity: Severity | None
    components: dict[str, Impact]  # source component id -> impact at the start
    updates: tuple[ImportedUpdate, ...]
    declared: datetime | None = None
    window: tuple[datetime, datetime] | None = None
    statuspage_id: str | None = None
    notes: tuple[str, ...] = ()  # written as comments at the top of the file

    @property
    def day(self) -> datetime:
        if self.window is not None:
            return self.window[0]
        if self.declared is not None:
            return self.declared
        return self.updates[0].at


@dataclass(frozen=True, kw_only=True)
class ImportedGroup:
    source_id: str
    name: str
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class ImportedComponent:
    source_id: str
    name: str
    description: str | None = None
    group: str | None = None  # a source group id
    statuspage_id: str | None = None


@dataclass
class Report:
    """Every lossy or guessed step of an import, counted by kind, with the
    first few places it happened, so nothing is dropped silently."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    limit: int = 3

    def lossy(self, what: str, where: str) -> None:
        self.counts[what] += 1
        places = self.examples.setdefault(what, [])
        if len(places) < self.limit and where not in places:
            places.append(where)

    def merge(self, other: Report) -> None:
        for what, count in other.counts.items():
            self.counts[what] += count
            places = self.examples.setdefault(what, [])
            for where in other.examples.get(what, []):
                if len(places) < self.limit and where not in places:
                    places.append(where)

    def lines(self) -> list[str]:
        result = []
        for what in sorted(self.counts):
            count = self.counts[what]
            places = ", ".join(self.examples.get(what, []))
            more = ", ..." if count > len(self.examples.get(what, [])) else ""
            result.append(f"{what}: {count} time{'s' if count != 1 else ''} ({places}{more})")
        return result


@dataclass
class ImportBatch:
    """Everything one importer read."""

    source_name: str  # "statuspage", "cstate", "upptime"
    items: list[ImportedItem]
    components: list[ImportedComponent]
    groups: list[ImportedGroup] = field(default_factory=list)
    report: Report = field(default_factory=Report)
