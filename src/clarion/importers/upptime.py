"""Read an Upptime repository: ``history/*.yml`` (one file per monitored
site; the file name is the site's slug) and its incidents as GitHub issues,
saved with ``gh issue list --state all --json
number,title,body,createdAt,closedAt,labels,comments``.

Each site becomes a component (named from ``.upptimerc.yml`` when it is
there). Each issue becomes an incident on the site its label names: "is
down" is a major outage, "has degraded performance" a degraded one; the
issue opens it (Investigating), comments are updates, and closing it
resolves it. Issues labelled ``maintenance`` are maintenance windows, read
from the ``start:``/``end:``/``expectedDown:`` comment Upptime documents.
Response times and Upptime's uptime summaries are not imported: Clarion
computes uptime from the incidents.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ..authoring import slugify
from ..errors import ContentErrors, ErrorCollector, SourceLocation, UsageError
from ..model import Impact, Kind, Severity, Stage
from .records import ImportBatch, ImportedComponent, ImportedItem, ImportedUpdate
from .text import markdown_body

_MAINTENANCE_FIELD = re.compile(
    r"^\s*(start|end|expectedDown|expectedDegraded)\s*:\s*(.+?)\s*$", re.M
)
_SAYS_RESOLVED = re.compile(r"\b(resolved|is back up|back to normal)\b", re.I)


class _Bad(Exception):
    pass


def read_upptime(root: Path, issues: Path | None) -> ImportBatch:
    history = root / "history"
    if not history.is_dir():
        raise UsageError(f"{root}: no history/ folder; give the Upptime repository's root")
    issues = issues or root / "issues.json"
    if not issues.is_file():
        raise UsageError(
            f"{issues}: no such file; save the issues with `gh issue list --state all"
            " --limit 10000 "
            "--json number,title,body,createdAt,closedAt,labels,comments > issues.json`"
        )
    batch = ImportBatch(source_name="upptime", items=[], components=[])
    names = _site_names(root)
    for path in sorted(history.glob("*.yml")):
        if path.stem == "summary":
            continue
        batch.components.append(
            ImportedComponent(source_id=path.stem, name=names.get(path.stem, path.stem))
        )
    known = {c.source_id for c in batch.components}
    by_name = {c.name.casefold(): c.source_id for c in batch.components}
    errors = ErrorCollector()
    where = issues.name
    try:
        records = json.loads(issues.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        errors.error(
            SourceLocation(where, exc.lineno),
            f"cannot read the JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            expected="the output of `gh issue list --json ...` (a JSON list)",
        )
        raise ContentErrors(errors.errors) from None
    if not isinstance(records, list):
        errors.error(SourceLocation(where), "expected a JSON list of issues")
        raise ContentErrors(errors.errors)
    for index, record in enumerate(records):
        try:
            item = _issue(record, f"[{index}]", where, known, by_name, batch, errors)
        except _Bad:
            continue
        if item is not None:
            batch.items.append(item)
    if errors.errors:
        raise ContentErrors(errors.errors)
    batch.report.lossy(
        "response times and uptime summaries not imported (Clarion computes uptime)", "history/"
    )
    batch.items.sort(key=lambda i: (i.day, i.source_key))
    return batch


def _site_names(root: Path) -> dict[str, str]:
    path = root / ".upptimerc.yml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return {}
    names = {}
    for site in data.get("sites") or []:
        if isinstance(site, dict) and site.get("name"):
            names[str(site.get("slug") or slugify(str(site["name"])))] = str(site["name"])
    return names


def _field(
    record: Any,
    key: str,
    kind: type,
    where: str,
    origin: str,
    errors: ErrorCollector,
    *,
    required: bool = True,
) -> Any:
    value = record.get(key) if isinstance(record, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, kind):
        errors.error(
            SourceLocation(where),
            f"issue {origin}: "
            + (f"missing field '{key}'" if value is None else f"'{key}': got {value!r}"),
            expected="gh issue list --json number,title,body,createdAt,closedAt,labels,comments",
        )
        raise _Bad()
    return value


def _time(
    record: Any, key: str, where: str, origin: str, errors: ErrorCollector, *, required: bool = True
) -> datetime | None:
    text = _field(record, key, str, where, origin, errors, required=required)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.error(
            SourceLocation(where), f"issue {origin}: '{key}': cannot read {text!r} as a time"
        )
        raise _Bad()
    return moment


def _issue(
    record: Any,
    origin: str,
    where: str,
    known: set[str],
    by_name: dict[str, str],
    batch: ImportBatch,
    errors: ErrorCollector,
) -> ImportedItem | None:
    number = _field(record, "number", int, where, origin, errors)
    origin = f"{origin} (#{number})"
    title = _field(record, "title", str, where, origin, errors).strip()
    body = _field(record, "body", str, where, origin, errors, required=False) or ""
    opened = _time(record, "createdAt", where, origin, errors)
    closed = _time(record, "closedAt", where, origin, errors, required=False)
    labels = [
        str(label.get("name")) for label in record.get("labels") or [] if isinstance(label, dict)
    ]
    place = f"{where} {origin}"
    assert opened is not None
    if "maintenance" in labels:
        return _maintenance(
            record, number, title, body, opened, closed, known, where, origin, place, batch, errors
        )
    sites = [label for label in labels if label in known]
    if not sites:
        named = re.sub(r"^\W+\s*", "", title).split(" is down")[0].split(" has degraded")[0].strip()
        site = by_name.get(named.casefold())
        if site is None:
            errors.error(
                SourceLocation(where),
                f"issue {origin}: unknown site (labels {labels}, title {title!r})",
                expected="a label naming a site in history/: " + ", ".join(sorted(known)),
                hint="label the issue with its site's slug, or add the site's history/<slug>.yml",
            )
            raise _Bad()
        sites = [site]
    degraded = "degraded" in title.casefold()
    impact = Impact.DEGRADED_PERFORMANCE if degraded else Impact.MAJOR_OUTAGE
    updates = [ImportedUpdate(at=opened, stage=Stage.INVESTIGATING, body=markdown_body(body))]
    for index, comment in enumerate(record.get("comments") or []):
        at = _time(comment, "createdAt", where, f"{origin} comments[{index}]", errors)
        text = str(comment.get("body") or "") if isinstance(comment, dict) else ""
        stage = Stage.RESOLVED if _SAYS_RESOLVED.search(text) else Stage.INVESTIGATING
        assert at is not None
        updates.append(ImportedUpdate(at=at, stage=stage, body=markdown_body(text)))
    updates.sort(key=lambda u: u.at)
    if closed is not None and not any(u.stage is Stage.RESOLVED for u in updates):
        note = "the GitHub issue was closed then; no comment said it was resolved"
        updates.append(
            ImportedUpdate(
                at=max(closed, updates[-1].at), stage=Stage.RESOLVED, body="", notes=(note,)
            )
        )
        batch.report.lossy("resolution taken from the issue's closing time", place)
    return ImportedItem(
        source_key=f"upptime issue {number}",
        origin=place,
        kind=Kind.INCIDENT,
        title=title,
        severity=Severity.SEV3 if degraded else Severity.SEV1,
        components=dict.fromkeys(sites, impact),
        updates=tuple(updates),
        declared=opened,
    )


def _maintenance(
    record: Any,
    number: int,
    title: str,
    body: str,
    opened: datetime,
    closed: datetime | None,
    known: set[str],
    where: str,
    origin: str,
    place: str,
    batch: ImportBatch,
    errors: ErrorCollector,
) -> ImportedItem:
    fields = {m[1]: m[2] for m in _MAINTENANCE_FIELD.finditer(body)}
    try:
        start = datetime.fromisoformat(fields["start"])
        end = datetime.fromisoformat(fields["end"])
    except (KeyError, ValueError):
        errors.error(
            SourceLocation(where),
            f"issue {origin}: a maintenance issue without a readable start and end",
            expected="<!--\nstart: 2021-08-24T13:00:00.220Z\nend: 2021-08-24T14:00:00.220Z\n"
            "expectedDown: api\n-->",
        )
        raise _Bad() from None
    sites = [
        s.strip()
        for key in ("expectedDown", "expectedDegraded")
        for s in fields.get(key, "").split(",")
        if s.strip()
    ]
    for site in sites:
        if site not in known:
            errors.error(
                SourceLocation(where),
                f"issue {origin}: unknown site {site!r}",
                expected=", ".join(sorted(known)),
            )
            raise _Bad()
    text = re.sub(r"<!--.*?-->", "", body, flags=re.S).strip()
    updates = [
        ImportedUpdate(at=min(opened, start), stage=Stage.SCHEDULED, body=markdown_body(text))
    ]
    if closed is not None:
        updates.append(
            ImportedUpdate(at=max(closed, updates[0].at), stage=Stage.COMPLETED, body="")
        )
    return ImportedItem(
        source_key=f"upptime issue {number}",
        origin=place,
        kind=Kind.MAINTENANCE,
        title=title,
        severity=None,
        components=dict.fromkeys(sites, Impact.UNDER_MAINTENANCE),
        updates=tuple(updates),
        window=(start, end),
    )
