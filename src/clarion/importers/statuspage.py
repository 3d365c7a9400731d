"""Read a Statuspage page's public API v2 documents.

``components.json`` (or ``summary.json``) gives components and groups;
``incidents.json`` and ``scheduled-maintenances.json`` give the history
(an incident with ``scheduled_for`` or impact ``maintenance`` is a
maintenance, wherever it is listed). Each update keeps its ``display_at``
time, its stage and the component statuses it set (``affected_components``);
postmortems become a ``Postmortem`` update. Shapes:
``reference/statuspage-api.md`` and Statuspage's public API documentation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.parallel import default_workers, fork_map
from ..errors import ErrorCollector, SourceLocation
from ..model import (
    CLOSING_STAGES,
    INCIDENT_STAGES,
    MAINTENANCE_STAGES,
    Impact,
    Kind,
    Severity,
    Stage,
)
from .records import (
    ImportBatch,
    ImportedComponent,
    ImportedGroup,
    ImportedItem,
    ImportedUpdate,
    Report,
)
from .text import body_markdown

_SEVERITY = {
    "critical": Severity.SEV0,
    "major": Severity.SEV1,
    "minor": Severity.SEV2,
    "none": Severity.SEV3,
}
_IMPACT_OF_STATUS = {i.value: i for i in Impact}
_DERIVED_IMPACT = {
    Impact.MAJOR_OUTAGE: "critical",
    Impact.PARTIAL_OUTAGE: "major",
    Impact.DEGRADED_PERFORMANCE: "minor",
}


class _Bad(Exception):
    """A record that cannot be imported (already reported)."""


def read_statuspage(documents: Mapping[str, tuple[str, bytes]]) -> ImportBatch:
    """Everything in the documents, or :class:`ContentErrors` naming each bad record."""
    reader = _Reader()
    parsed = {name: reader.load(where, raw) for name, (where, raw) in documents.items()}
    reader.errors.raise_if_any()
    components_doc = parsed.get("components.json") or parsed.get("summary.json") or {}
    where = (documents.get("components.json") or documents.get("summary.json") or ("", b""))[0]
    groups, components = reader.components(components_doc, where)
    records: list[tuple[str, str, Any]] = []
    for name, key in (
        ("incidents.json", "incidents"),
        ("scheduled-maintenances.json", "scheduled_maintenances"),
    ):
        if name in parsed:
            path = documents[name][0]
            try:
                listed = reader.field(parsed[name], key, list, path, "the document")
            except _Bad:
                continue
            records.extend((path, f"{key}[{n}]", record) for n, record in enumerate(listed))
    known = {c.source_id for c in components}
    chunks = fork_map(_read_records, (known, records), range(len(records)), default_workers())
    items: dict[str, ImportedItem] = {}
    for chunk_items, chunk_errors, chunk_report, chunk_names in chunks:
        reader.errors.extend(chunk_errors)
        reader.report.merge(chunk_report)
        for cid, component_name in chunk_names.items():
            reader.names.setdefault(cid, component_name)
        for item in chunk_items:
            items.setdefault(item.statuspage_id or item.origin, item)
    reader.errors.raise_if_any()
    if len(parsed.get("incidents.json", {}).get("incidents", [])) == 50:
        reader.report.lossy(
            "the public API lists only the 50 most recent incidents; older ones are not in it",
            documents["incidents.json"][0],
        )
    if not components:
        components = [
            ImportedComponent(source_id=cid, name=name, statuspage_id=cid)
            for cid, name in reader.names.items()
        ]
    return ImportBatch(
        source_name="statuspage",
        items=sorted(items.values(), key=lambda i: (i.day, i.source_key)),
        components=components,
        groups=groups,
        report=reader.report,
    )


_Chunk = tuple[list[ImportedItem], ErrorCollector, Report, dict[str, str]]
#: The page being read: its component ids and its records as (file, "incidents[3]",
#: record). Worker processes inherit it; only indices travel.
_Records = tuple[set[str], Sequence[tuple[str, str, Any]]]


def _read_records(inputs: _Records, indices: Sequence[int]) -> list[_Chunk]:
    """Read a chunk of incident records (in a worker process for large pages)."""
    known, records = inputs
    reader = _Reader()
    items = []
    for index in indices:
        path, origin, record = records[index]
        try:
            items.append(reader.item(record, path, origin, known))
        except _Bad:
            continue
    return [(items, reader.errors, reader.report, reader.names)]


class _Reader:
    """Reads records, reporting each problem with the file and the record."""

    def __init__(self) -> None:
        self.errors = ErrorCollector()
        self.report = Report()
        self.names: dict[str, str] = {}  # component id -> name, as incidents name them

    def load(self, where: str, raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            self.errors.error(
                SourceLocation(where), f"not UTF-8 ({exc.reason} at byte {exc.start})"
            )
            return {}
        except json.JSONDecodeError as exc:
            self.errors.error(
                SourceLocation(where, exc.lineno),
                f"cannot read the JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                expected="a complete Statuspage API v2 document",
                hint="the file may be truncated: save it again from the page's api/v2/",
            )
            return {}
        if not isinstance(data, dict):
            self.errors.error(SourceLocation(where), "expected a JSON object at the top")
            return {}
        return data

    def fail(self, where: str, origin: str, message: str, expected: str | None = None) -> _Bad:
        self.errors.error(SourceLocation(where), f"{origin}: {message}", expected=expected)
        return _Bad()

    def field(
        self,
        record: Any,
        key: str,
        kind: type | tuple[type, ...],
        where: str,
        origin: str,
        *,
        required: bool = True,
    ) -> Any:
        if not isinstance(record, dict):
            raise self.fail(where, origin, f"expected an object, got {type(record).__name__}")
        value = record.get(key)
        if value is None:
            if required:
                raise self.fail(where, origin, f"missing field '{key}'")
            return None
        if not isinstance(value, kind):
            raise self.fail(
                where,
                origin,
                f"'{key}': got {value!r}",
                expected=getattr(kind, "__name__", str(kind)),
            )
        return value

    def time(
        self, record: Any, key: str, where: str, origin: str, *, required: bool = True
    ) -> datetime | None:
        text = self.field(record, key, str, where, origin, required=required)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(
                where, origin, f"'{key}': cannot read {text!r} as a time", "ISO 8601 with an offset"
            ) from None
        if moment.tzinfo is None:
            raise self.fail(
                where, origin, f"'{key}': {text!r} has no offset", "ISO 8601 with an offset"
            )
        return moment

    # -- components ----------------------------------------------------------

    def components(
        self, doc: Mapping[str, Any], where: str
    ) -> tuple[list[ImportedGroup], list[ImportedComponent]]:
        groups: list[ImportedGroup] = []
        components: list[ImportedComponent] = []
        try:
            records = self.field(doc, "components", list, where, "the document") if doc else []
        except _Bad:
            return [], []
        for index, record in enumerate(records):
            origin = f"components[{index}]"
            try:
                cid = self.field(record, "id", str, where, origin)
                name = self.field(record, "name", str, where, origin)
                description = self.field(record, "description", str, where, origin, required=False)
                if record.get("group"):
                    groups.append(
                        ImportedGroup(source_id=cid, name=name, description=description or None)
                    )
                else:
                    group = self.field(record, "group_id", str, where, origin, required=False)
                    components.append(
                        ImportedComponent(
                            source_id=cid,
                            name=name,
                            description=description or None,
                            group=group,
                            statuspage_id=cid,
                        )
                    )
            except _Bad:
                continue
        return groups, components

    # -- incidents ----------------------------------------------------------

    def item(self, record: Any, where: str, origin: str, known: set[str]) -> ImportedItem:
        incident_id = self.field(record, "id", str, where, origin)
        origin = f"{origin} (id '{incident_id}')"
        name = self.field(record, "name", str, where, origin)
        impact = self.field(record, "impact", str, where, origin, required=False) or "none"
        scheduled_for = self.time(record, "scheduled_for", where, origin, required=False)
        kind = (
            Kind.MAINTENANCE
            if scheduled_for is not None or impact == "maintenance"
            else Kind.INCIDENT
        )
        created = self.time(record, "created_at", where, origin)
        assert created is not None
        started = self.time(record, "started_at", where, origin, required=False) or created
        raw_updates = self.field(record, "incident_updates", list, where, origin)
        place = f"{Path(where).name}: {origin}"
        updates = self.updates(raw_updates, kind, where, origin, place)
        component_ids = self.component_refs(record, raw_updates, where, origin, known)
        window = None
        if kind is Kind.MAINTENANCE:
            until = self.time(record, "scheduled_until", where, origin)
            if scheduled_for is None:
                raise self.fail(where, origin, "missing field 'scheduled_for'")
            assert until is not None
            window = (scheduled_for, until)
            started_update = next((u for u in updates if u.stage is Stage.IN_PROGRESS), None)
            if started_update is not None and started_update.at > scheduled_for:
                self.report.lossy(
                    "maintenance went in progress after its scheduled start"
                    " (the window counts from the scheduled start)",
                    place,
                )
        elif impact not in _SEVERITY:
            raise self.fail(
                where, origin, f"'impact': got {impact!r}", "none, minor, major or critical"
            )
        updates = self.postmortem(record, updates, where, origin, place)
        if not updates and kind is Kind.INCIDENT:
            raise self.fail(where, origin, "the incident has no incident_updates")
        if updates and created != updates[0].at:
            self.report.lossy(
                "incident created_at differs from its first update"
                " (Clarion's created_at is the first update)",
                place,
            )
        front = {cid: Impact.OPERATIONAL for cid in component_ids}
        if kind is Kind.MAINTENANCE:
            # The window sets the status; the updates' own statuses are not needed.
            front = {cid: Impact.UNDER_MAINTENANCE for cid in component_ids}
            updates = [replace(u, impact=None) for u in updates]
        else:
            updates = self.impact_lines(updates, front, place)
            worst = max(
                (i for u in updates for i in (u.impact or {}).values()),
                key=lambda i: i.rank,
                default=Impact.OPERATIONAL,
            )
            if _DERIVED_IMPACT.get(worst, "none") != impact:
                self.report.lossy(
                    "incident impact set by hand differs from its worst component status"
                    " (Clarion derives it; the severity keeps it)",
                    place,
                )
        return ImportedItem(
            source_key=f"statuspage {kind.value} {incident_id}",
            origin=place,
            kind=kind,
            title=name,
            severity=_SEVERITY.get(impact) if kind is Kind.INCIDENT else None,
            components=front,
            updates=tuple(updates),
            declared=started if kind is Kind.INCIDENT else None,
            window=window,
            statuspage_id=incident_id,
        )

    def component_refs(
        self, record: Any, raw_updates: list[Any], where: str, origin: str, known: set[str]
    ) -> list[str]:
        ids: dict[str, None] = {}
        for index, component in enumerate(
            self.field(record, "components", list, where, origin, required=False) or []
        ):
            cid = self.field(component, "id", str, where, f"{origin} components[{index}]")
            ids[cid] = None
            self.names.setdefault(cid, str(component.get("name") or cid))
        for update in raw_updates:
            for change in (
                (update.get("affected_components") or []) if isinstance(update, dict) else []
            ):
                code = change.get("code") if isinstance(change, dict) else None
                if isinstance(code, str):
                    ids[code] = None
                    self.names.setdefault(code, str(change.get("name") or code))
        for cid in ids:
            if known and cid not in known:
                raise self.fail(
                    where,
                    origin,
                    f"unknown component '{cid}'",
                    "a component listed in components.json"
                    " (save components.json from the same page, at the same time)",
                )
        return list(ids)

    def updates(
        self, raw: list[Any], kind: Kind, where: str, origin: str, place: str
    ) -> list[ImportedUpdate]:
        allowed = {
            s.value: s
            for s in (MAINTENANCE_STAGES if kind is Kind.MAINTENANCE else INCIDENT_STAGES)
        }
        result: list[tuple[datetime, datetime, int, ImportedUpdate]] = []
        for index, update in enumerate(raw):
            at_origin = f"{origin} incident_updates[{index}]"
            status = self.field(update, "status", str, where, at_origin)
            stage = allowed.get(status)
            if stage is None:
                raise self.fail(
                    where, at_origin, f"'status': got {status!r}", "one of: " + ", ".join(allowed)
                )
            created = self.time(update, "created_at", where, at_origin)
            assert created is not None
            display = self.time(update, "display_at", where, at_origin, required=False) or created
            if display != created:
                self.report.lossy(
                    "update created_at differs from display_at (display_at is kept)", place
                )
            body, was_html = body_markdown(
                self.field(update, "body", str, where, at_origin, required=False)
            )
            if was_html:
                self.report.lossy("HTML body sanitised and converted to Markdown", place)
            impact = self.affected(update, where, at_origin, place)
            result.append(
                (
                    display,
                    created,
                    index,
                    ImportedUpdate(at=display, stage=stage, body=body, impact=impact),
                )
            )
        # Statuspage lists updates newest first; equal times keep the later-created last.
        result.sort(key=lambda r: (r[0], r[1], -r[2]))
        return [r[3] for r in result]

    def affected(
        self, update: Any, where: str, origin: str, place: str
    ) -> dict[str, Impact] | None:
        changes = self.field(update, "affected_components", list, where, origin, required=False)
        if not changes:
            return None
        impact: dict[str, Impact] = {}
        for index, change in enumerate(changes):
            at = f"{origin} affected_components[{index}]"
            code = self.field(change, "code", str, where, at)
            new = _IMPACT_OF_STATUS.get(self.field(change, "new_status", str, where, at))
            if new is None:
                raise self.fail(
                    where,
                    at,
                    f"'new_status': got {change.get('new_status')!r}",
                    ", ".join(_IMPACT_OF_STATUS),
                )
            if change.get("old_status") == change.get("new_status"):
                self.report.lossy(
                    "affected component listed without a status change (not kept)", place
                )
            impact[code] = new
        return impact

    def postmortem(
        self, record: Any, updates: list[ImportedUpdate], where: str, origin: str, place: str
    ) -> list[ImportedUpdate]:
        text = self.field(record, "postmortem_body", str, where, origin, required=False)
        if not text or not text.strip():
            if record.get("status") == "postmortem":
                self.report.lossy(
                    "status postmortem without a postmortem_body (published as resolved)", place
                )
            return updates
        at = self.time(record, "postmortem_published_at", where, origin, required=False)
        if at is None:
            at = updates[-1].at if updates else self.time(record, "created_at", where, origin)
            self.report.lossy(
                "postmortem without postmortem_published_at (dated at the last update)", place
            )
        body, was_html = body_markdown(text)
        if was_html:
            self.report.lossy("HTML body sanitised and converted to Markdown", place)
        assert at is not None
        merged = [*updates, ImportedUpdate(at=at, stage=Stage.POSTMORTEM, body=body)]
        merged.sort(key=lambda u: u.at)
        return merged

    def impact_lines(
        self, updates: list[ImportedUpdate], front: dict[str, Impact], place: str
    ) -> list[ImportedUpdate]:
        """Report where Clarion's rules fill a gap: a closing update returns
        every component it does not name to operational (on Statuspage that
        is a separate component change, which the API does not list)."""
        current = dict(front)
        for update in updates:
            if update.stage is Stage.POSTMORTEM:
                continue
            if update.stage in CLOSING_STAGES:
                named = update.impact or {}
                if any(i is not Impact.OPERATIONAL and c not in named for c, i in current.items()):
                    self.report.lossy(
                        "resolved update leaves a component's status unnamed"
                        " (it returns to operational)",
                        place,
                    )
                current = {cid: Impact.OPERATIONAL for cid in current}
            current.update(update.impact or {})
        return updates
