"""Read a cState (Hugo) status site: ``config.yml`` systems and categories,
and ``content/issues/*.md``.

An issue's body holds its updates as ``*Word* - text {{< track "time" >}}``
paragraphs, newest first. Known words (Investigating, Identified,
Monitoring, Resolved) keep their stage; any other word becomes Resolved
when the text says so, else the stage before it (Investigating at first),
and the guess is written into the file as a comment and reported. cState
writes times without a zone, in UTC (its documentation asks for UTC), so
they are read as UTC. An issue whose title says "maintenance" becomes a
maintenance window from ``date`` to ``resolvedWhen``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentErrors, ErrorCollector, SourceLocation, UsageError
from ..model import Impact, Kind, Severity, Stage
from .records import ImportBatch, ImportedComponent, ImportedGroup, ImportedItem, ImportedUpdate
from .text import markdown_body

_SEVERITY = {
    "down": (Impact.MAJOR_OUTAGE, Severity.SEV1),
    "disrupted": (Impact.PARTIAL_OUTAGE, Severity.SEV2),
    "notice": (Impact.DEGRADED_PERFORMANCE, Severity.SEV3),
}
_WORDS = {
    "investigating": Stage.INVESTIGATING,
    "identified": Stage.IDENTIFIED,
    "monitoring": Stage.MONITORING,
    "resolved": Stage.RESOLVED,
    "completed": Stage.RESOLVED,
}
_MARKER = re.compile(r"^\s*\*{1,2}([^*\n]{1,40}?)\*{1,2}\s*[-–—:]\s*", re.MULTILINE)
_TRACK = re.compile(r"\{\{<\s*track\s+\"([^\"]+)\"\s*>\}\}")
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}", re.DOTALL)
_SAYS_RESOLVED = re.compile(r"\b(resolved|fixed|back to normal|fully operational)\b", re.I)
_UNCATEGORIZED = "uncategorized"


def read_cstate(root: Path) -> ImportBatch:
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder; give the cState site's root (with config.yml)")
    errors = ErrorCollector()
    batch = ImportBatch(source_name="cstate", items=[], components=[])
    systems = _read_config(root, batch, errors)
    issues = root / "content" / "issues"
    if not issues.is_dir():
        raise UsageError(f"{issues}: no such folder; give the cState site's root")
    for path in sorted(issues.glob("*.md")):
        if path.name.startswith("_"):
            continue
        where = path.relative_to(root).as_posix()
        try:
            item = _read_issue(path, where, systems, batch, errors)
        except _Bad:
            continue
        if item is not None:
            batch.items.append(item)
    if errors.errors:
        raise ContentErrors(errors.errors)
    batch.items.sort(key=lambda i: (i.day, i.source_key))
    return batch


class _Bad(Exception):
    pass


def _read_config(root: Path, batch: ImportBatch, errors: ErrorCollector) -> set[str]:
    path = next((root / n for n in ("config.yml", "config.yaml") if (root / n).is_file()), None)
    if path is None:
        raise UsageError(f"{root}: no config.yml (cState's systems and categories are there)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        errors.error(
            SourceLocation(path.name, line + 1 if line is not None else None),
            f"cannot read the YAML: {exc}",
        )
        raise ContentErrors(errors.errors) from None
    params = data.get("params") or {}
    for category in params.get("categories") or []:
        name = str(category.get("name", "")).strip()
        if name and name.casefold() != _UNCATEGORIZED:
            batch.groups.append(
                ImportedGroup(source_id=name, name=name, description=category.get("description"))
            )
    groups = {g.source_id for g in batch.groups}
    for index, system in enumerate(params.get("systems") or []):
        name = str(system.get("name", "")).strip() if isinstance(system, dict) else ""
        if not name:
            errors.error(
                SourceLocation(path.name), f"params.systems[{index}]: a system without a name"
            )
            continue
        category = system.get("category")
        batch.components.append(
            ImportedComponent(
                source_id=name,
                name=name,
                description=system.get("description"),
                group=category if category in groups else None,
            )
        )
    return {c.source_id for c in batch.components}


def _time(value: Any, where: str, what: str, errors: ErrorCollector) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace(" ", "T", 1))
        except ValueError:
            errors.error(
                SourceLocation(where),
                f"{what}: cannot read {value!r} as a time",
                expected="2018-05-25 04:13:00 (UTC)",
            )
            raise _Bad() from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _read_issue(
    path: Path, where: str, systems: set[str], batch: ImportBatch, errors: ErrorCollector
) -> ImportedItem | None:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    match = re.match(r"^---\n(.*?)\n---\n?(.*)$", text, re.DOTALL)
    if not match:
        errors.error(
            SourceLocation(where, 1),
            "no front matter",
            expected="--- title, date, severity, affected ---",
        )
        return None
    try:
        front = yaml.safe_load(match[1]) or {}
    except yaml.YAMLError as exc:
        errors.error(SourceLocation(where, 2), f"cannot read the front matter: {exc}")
        return None
    if front.get("draft"):
        batch.report.lossy("draft issue skipped", where)
        return None
    for key in ("title", "date"):
        if not front.get(key):
            errors.error(SourceLocation(where, 1), f"missing field '{key}' in the front matter")
            raise _Bad()
    title = str(front["title"]).strip()
    start = _time(front["date"], where, "date", errors)
    impact, severity, affected = _impact(front, where, systems, errors)
    resolved_when = (
        _time(front["resolvedWhen"], where, "resolvedWhen", errors)
        if front.get("resolvedWhen")
        else None
    )
    updates = _updates(match[2], start, where, batch, errors)
    if front.get("resolved") and not any(u.stage is Stage.RESOLVED for u in updates):
        updates.append(_resolution(updates, start, resolved_when))
        batch.report.lossy("resolution added from resolved/resolvedWhen", where)
    if not updates:
        updates.append(
            ImportedUpdate(
                at=start, stage=Stage.INVESTIGATING, body="", notes=("cState issue without text",)
            )
        )
    if "maintenance" in title.casefold():
        return _maintenance(where, title, affected, updates, start, resolved_when, batch)
    return ImportedItem(
        source_key=f"cstate {where}",
        origin=where,
        kind=Kind.INCIDENT,
        title=title,
        severity=severity,
        components=dict.fromkeys(affected, impact),
        updates=tuple(updates),
        declared=start,
    )


def _impact(
    front: dict[str, Any], where: str, systems: set[str], errors: ErrorCollector
) -> tuple[Impact, Severity, list[str]]:
    """The impact and severity of an issue's ``severity``, and its systems."""
    word = str(front.get("severity", "notice")).strip().lower()
    if word not in _SEVERITY:
        errors.error(
            SourceLocation(where), f"severity: got {word!r}", expected="down, disrupted or notice"
        )
        raise _Bad()
    affected = [str(a) for a in front.get("affected") or []]
    for name in affected:
        if name not in systems:
            errors.error(
                SourceLocation(where),
                f"affected: unknown system {name!r}",
                expected="a system from config.yml params.systems: " + ", ".join(sorted(systems)),
                hint="add it to params.systems in config.yml (--map can then name a component)",
            )
            raise _Bad()
    impact, severity = _SEVERITY[word]
    return impact, severity, affected


def _resolution(
    updates: list[ImportedUpdate], start: datetime, resolved_when: datetime | None
) -> ImportedUpdate:
    """The Resolved update cState's ``resolved: true`` implies, with a note."""
    at = resolved_when or (updates[-1].at if updates else start)
    if updates:
        at = max(at, updates[-1].at)
    when = " at resolvedWhen" if resolved_when else ""
    note = f"cState marks this issue resolved{when}; no update said so"
    return ImportedUpdate(at=at, stage=Stage.RESOLVED, body="", notes=(note,))


def _maintenance(
    where: str,
    title: str,
    affected: list[str],
    updates: list[ImportedUpdate],
    start: datetime,
    end: datetime | None,
    batch: ImportBatch,
) -> ImportedItem:
    batch.report.lossy("issue read as maintenance (its title says so)", where)
    notes = ["cState issue read as maintenance: its title says so"]
    if end is None or end <= start:
        end = max([u.at for u in updates] + [start + timedelta(hours=1)])
        notes.append("no resolvedWhen: the window ends at the last update (or after an hour)")
        batch.report.lossy("maintenance window end guessed (no resolvedWhen)", where)
    staged = []
    for update in updates:
        if update.stage is Stage.RESOLVED:
            stage = Stage.COMPLETED
        elif update.at < start:
            stage = Stage.SCHEDULED
        else:
            stage = Stage.IN_PROGRESS
        renamed = tuple(re.sub(r"read as .*$", f"read as {stage.label}", n) for n in update.notes)
        staged.append(ImportedUpdate(at=update.at, stage=stage, body=update.body, notes=renamed))
    return ImportedItem(
        source_key=f"cstate {where}",
        origin=where,
        kind=Kind.MAINTENANCE,
        title=title,
        severity=None,
        components=dict.fromkeys(affected, Impact.UNDER_MAINTENANCE),
        updates=tuple(staged),
        window=(start, end),
        notes=tuple(notes),
    )


def _updates(
    body: str, start: datetime, where: str, batch: ImportBatch, errors: ErrorCollector
) -> list[ImportedUpdate]:
    """The body's updates, oldest first, with their stages and times."""
    marks = list(_MARKER.finditer(body))
    if not marks:
        text = body.strip()
        return [_one(None, text, None, start, where, batch, errors)] if text else []
    parts = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(body)
        parts.append((mark[1].strip(), body[mark.end() : end].strip()))
    lead = body[: marks[0].start()].strip()
    if lead:
        parts[-1] = (parts[-1][0], lead + "\n\n" + parts[-1][1])
        batch.report.lossy("text before the first update joined to the oldest update", where)
    parts.reverse()  # cState lists updates newest first
    result: list[ImportedUpdate] = []
    previous: Stage | None = None
    last_time = start
    for word, text in parts:
        update = _one(word, text, previous, last_time, where, batch, errors)
        previous, last_time = update.stage, update.at
        result.append(update)
    result.sort(key=lambda u: u.at)
    return result


def _one(
    word: str | None,
    text: str,
    previous: Stage | None,
    fallback: datetime,
    where: str,
    batch: ImportBatch,
    errors: ErrorCollector,
) -> ImportedUpdate:
    notes = []
    track = _TRACK.search(text)
    if track:
        at = _time(track[1], where, "track", errors)
    else:
        at = fallback
        if word is not None:
            notes.append("cState gives no time for this update: dated at the update before it")
            batch.report.lossy("update without a time (dated at the update before it)", where)
    text = _TRACK.sub("", text).strip()
    if _SHORTCODE.search(text):
        batch.report.lossy("Hugo shortcode kept as text", where)
    stage = _WORDS.get((word or "").strip().lower())
    if stage is None:
        stage = Stage.RESOLVED if _SAYS_RESOLVED.search(text) else (previous or Stage.INVESTIGATING)
        if word is not None:
            notes.append(f'cState update "{word}" read as {stage.label}')
            batch.report.lossy("free-text update word read as a stage", where)
    return ImportedUpdate(at=at, stage=stage, body=markdown_body(text), notes=tuple(notes))
