"""After the incident: the facts a postmortem starts from, and the lint that
keeps postmortems and runbooks honest.

Pure: the functions take the model, the site's settings and ``now``, and the
source lines of the files they point into (read by the caller); nothing here
reads a file or the clock.

Postmortem lint (incidents whose severity ``[postmortem] lint`` names, SEV0
and SEV1 by default), each a warning at a file and line:

* every section of :data:`POSTMORTEM_SECTIONS` present (a ``###`` heading in
  the ``Postmortem`` update; the accepted headings are listed there) and not
  left empty or as its prompt;
* at least one action item, each with an owner (``@handle``) and, while open,
  a due date;
* blame-shaped language (:data:`BLAME_PHRASES`, and a ``@handle`` named as the
  cause), as a suggestion in the blameless spirit.

Runbook lint: the front-matter facts set, the four sections present, steps
with a command to copy, and ``last_updated`` within ``[runbooks]
stale_after_days``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..config import SiteConfig
from ..core.text import code_lines
from ..documents import Runbook
from ..errors import ContentError, SourceLocation
from ..model import Impact, Incident, Severity, Stage, Update
from .action_items import ActionItem, items_of_update, source_line
from .timeline import impact_intervals

#: The sections of a postmortem, each with the headings that count as it
#: (case-insensitive; a heading counts when it starts with one of them).
POSTMORTEM_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Summary", ("summary",)),
    ("Timeline", ("timeline",)),
    ("Root cause", ("root cause", "cause", "why it happened")),
    ("Impact", ("impact",)),
    ("What went well", ("what went well",)),
    ("What went wrong", ("what went wrong", "what went badly")),
    ("Action items", ("action items", "what we are changing", "follow-up", "follow up")),
)

#: Phrases that put a person where a cause should be (matched as whole words,
#: case-insensitive).
BLAME_PHRASES: tuple[str, ...] = (
    "human error",
    "operator error",
    "should have",
    "should not have",
    "shouldn't have",
    "careless",
    "carelessness",
    "negligent",
    "negligence",
    "sloppy",
    "incompetent",
    "lazy",
    "forgot to",
    "at fault",
    "fault of",
    "to blame",
)
_BLAME_RE = re.compile(
    r"\b(" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in BLAME_PHRASES) + r")\b",
    re.IGNORECASE,
)
_HANDLE = r"@[A-Za-z0-9][A-Za-z0-9_.-]*"
_PERSON_CAUSE_RE = re.compile(
    rf"\b(?:caused\s+by|because\s+of|due\s+to|blamed?\s+on)\s+(?P<a>{_HANDLE})"
    rf"|(?P<b>{_HANDLE})\s+(?:caused|broke|forgot|missed|ignored|deleted|pushed)\b",
    re.IGNORECASE,
)
_H2_RE = re.compile(r"^##(?!#)\s")
_H3_RE = re.compile(r"^###(?!#)\s+(?P<title>.+?)\s*#*\s*$")
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_FENCE_RE = re.compile(r"^\s*(```|~~~)")

RUNBOOK_FIELDS = ("title", "trigger", "severity", "owner", "last_updated")
RUNBOOK_SECTIONS = ("Prerequisites", "Steps", "Verification", "Rollback")


# -- the facts a postmortem starts from -------------------------------------------


@dataclass(frozen=True, slots=True)
class ComponentImpact:
    """One component's part in an incident: its worst impact and the minutes
    spent at each impact level."""

    component: str
    worst: Impact
    minutes: Mapping[Impact, int]


@dataclass(frozen=True, slots=True)
class PostmortemFacts:
    incident: Incident
    timeline: tuple[tuple[datetime, str], ...]  # (time, what happened), in time order
    started_at: datetime
    resolved_at: datetime | None
    components: tuple[ComponentImpact, ...]

    @property
    def duration(self) -> timedelta | None:
        return None if self.resolved_at is None else self.resolved_at - self.started_at


def postmortem_facts(incident: Incident, now: datetime) -> PostmortemFacts:
    """What the incident file already says, at ``now``: the timeline (detected,
    acknowledged, declared, every update) and each component's impact."""
    events: list[tuple[datetime, str]] = []
    for label, moment in (
        ("Detected", incident.detected_at),
        ("Acknowledged", incident.acknowledged_at),
        ("Declared", incident.declared_at),
    ):
        if moment is not None and moment <= now:
            events.append((moment, label))
    for update in incident.updates:
        if update.at <= now and update.stage is not Stage.POSTMORTEM:
            events.append((update.at, f"{update.stage.label}: {_first_sentence(update.body)}"))
    events.sort(key=lambda event: event[0])
    resolved = (
        incident.resolved_at if incident.resolved_at and incident.resolved_at <= now else None
    )
    end = resolved or now
    minutes: dict[str, dict[Impact, int]] = {}
    for interval in impact_intervals(incident):
        stop = min(interval.end or end, end)
        if stop <= interval.start:
            continue
        per = minutes.setdefault(interval.component, {})
        per[interval.impact] = per.get(interval.impact, 0) + _minutes(stop - interval.start)
    named = list(incident.components)  # components in the order the file first names them
    for update in incident.updates:
        named += [cid for cid in update.impact or () if cid not in named]
    components = tuple(
        ComponentImpact(
            cid,
            max(per, key=lambda i: i.rank),
            dict(sorted(per.items(), key=lambda kv: -kv[0].rank)),
        )
        for cid, per in sorted(minutes.items(), key=lambda kv: named.index(kv[0]))
    )
    return PostmortemFacts(
        incident=incident,
        timeline=tuple(events),
        started_at=incident.started_at,
        resolved_at=resolved,
        components=components,
    )


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _first_sentence(body: str) -> str:
    text = " ".join(_COMMENT_RE.sub("", body).split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match[1] if match else text
    return sentence if len(sentence) <= 160 else sentence[:157].rstrip() + "..."


# -- postmortem lint ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Section:
    title: str
    line: int  # 1-based line of its ### heading
    lines: tuple[str, ...]  # the raw lines below it, comments included


def postmortem_lint(
    config: SiteConfig, incidents: Iterable[Incident], sources: Mapping[str, Sequence[str]]
) -> tuple[ContentError, ...]:
    """Warnings for the postmortems of the incidents ``[postmortem] lint``
    names; ``sources`` maps an incident's source path to its lines."""
    out: list[ContentError] = []
    for incident in incidents:
        if incident.is_maintenance or incident.imported:
            continue  # an imported postmortem was written to another tool's shape
        if incident.severity not in config.postmortem.lint:
            continue
        source = sources.get(incident.source_path)
        if source is None:
            continue
        for update in incident.updates:
            if update.stage is Stage.POSTMORTEM:
                out.extend(_lint_postmortem(incident, update, source))
    return tuple(out)


def _lint_postmortem(
    incident: Incident, update: Update, source: Sequence[str]
) -> list[ContentError]:
    path = incident.source_path
    sections = _sections_of(update, source)
    out: list[ContentError] = []

    def warn(line: int, message: str, hint: str) -> None:
        out.append(
            ContentError(
                location=SourceLocation(path, line),
                message=message,
                hint=hint,
                severity="warning",
            )
        )

    for name, headings in POSTMORTEM_SECTIONS:
        found = [s for s in sections if s.title.casefold().startswith(headings)]
        if not found:
            warn(
                update.line,
                f"postmortem: no '{name}' section",
                f"add a '### {name}' heading to this postmortem (a "
                f"{incident.severity.value if incident.severity else 'SEV'} incident)",
            )
        elif not any(_visible(s.lines) for s in found):
            warn(
                found[0].line,
                f"postmortem: the '{name}' section is empty or still its prompt",
                "replace the prompt with what the team found",
            )
    items = items_of_update(incident, update)
    if not items:
        warn(
            update.line,
            "postmortem: no action items",
            "add a task list: - [ ] Add a canary stage — @team-deploy, due 2026-12-15",
        )
    for item in items:
        line = source_line(item, list(source))
        if item.owner is None:
            warn(line, f"action item without an owner: {item.text}", "name one: — @team-or-person")
        if item.due is None and not item.done:
            warn(line, f"action item without a due date: {item.text}", "add: due YYYY-MM-DD")
    for offset, text in _body_lines(update, source):
        for match in _BLAME_RE.finditer(text):
            warn(
                offset,
                f"postmortem: '{' '.join(match[0].split())}' puts a person where a cause should be",
                "blameless: describe what in the system let it happen, and what will stop "
                "it next time",
            )
        for match in _PERSON_CAUSE_RE.finditer(text):
            handle = match["a"] or match["b"]
            warn(
                offset,
                f"postmortem: {handle} is named as a cause",
                "blameless: name the condition or the gap in the process, not the person",
            )
    return out


def _body_lines(update: Update, source: Sequence[str]) -> list[tuple[int, str]]:
    """(1-based line, text) of the update's lines, comments and code left out."""
    end = _update_end(update, source)
    raw = list(source[update.line : end])
    text = _COMMENT_RE.sub(lambda m: "\n" * m[0].count("\n"), "\n".join(raw)).split("\n")
    in_code = code_lines(text)
    return [
        (update.line + 1 + index, line)
        for index, line in enumerate(text)
        if not in_code[index] and line.strip()
    ]


def _update_end(update: Update, source: Sequence[str]) -> int:
    """The 0-based index of the line after the update (the next ``##`` or the end)."""
    fenced = code_lines(list(source))
    for index in range(update.line, len(source)):
        if not fenced[index] and _H2_RE.match(source[index]):
            return index
    return len(source)


def _sections_of(update: Update, source: Sequence[str]) -> list[_Section]:
    end = _update_end(update, source)
    lines = list(source[update.line : end])
    fenced = code_lines(lines)
    sections: list[_Section] = []
    current: tuple[str, int, list[str]] | None = None
    for index, line in enumerate(lines):
        heading = None if fenced[index] else _H3_RE.match(line)
        if heading:
            if current is not None:
                sections.append(_Section(current[0], current[1], tuple(current[2])))
            current = (heading["title"], update.line + 1 + index, [])
        elif current is not None:
            current[2].append(line)
    if current is not None:
        sections.append(_Section(current[0], current[1], tuple(current[2])))
    return sections


def _visible(lines: Sequence[str]) -> bool:
    return bool(_COMMENT_RE.sub("", "\n".join(lines)).strip())


# -- runbook lint ---------------------------------------------------------------------


def runbook_lint(
    config: SiteConfig, runbooks: Iterable[Runbook], now: datetime
) -> tuple[ContentError, ...]:
    """Warnings for runbooks that are incomplete or stale at ``now``."""
    today = now.astimezone(config.timezone).date()
    limit = config.runbooks.stale_after_days
    out: list[ContentError] = []
    for book in runbooks:

        def warn(line: int, message: str, hint: str, book: Runbook = book) -> None:
            out.append(
                ContentError(
                    location=SourceLocation(book.source_path, line),
                    message=f"runbook {book.id}: {message}",
                    hint=hint,
                    severity="warning",
                )
            )

        for key in RUNBOOK_FIELDS:
            if not _has_field(book, key):
                warn(
                    book.lines.get(key, 1),
                    "no owner set" if key == "owner" else f"'{key}' is not set",
                    f"set '{key}:' in the front matter",
                )
        for name in RUNBOOK_SECTIONS:
            section = book.section(name)
            if section is None or not _visible(section.body.split("\n")):
                where = section.line if section is not None else 1
                what = "no rollback" if name == "Rollback" else f"no '{name}' section"
                if section is not None:
                    what = f"the '{name}' section is empty"
                warn(where, what, f"write the '## {name}' section")
        steps = book.section("Steps")
        if steps is not None and _visible(steps.body.split("\n")):
            if not any(_FENCE_RE.match(line) for line in steps.body.split("\n")):
                warn(
                    steps.line,
                    "the steps have no command to copy",
                    "put each step's command in a fenced code block",
                )
        if book.last_updated is not None and _stale(book.last_updated, today, limit):
            age = (today - book.last_updated).days
            warn(
                book.lines.get("last_updated", 1),
                f"last updated {book.last_updated.isoformat()}, {age} days ago "
                f"(stale after {limit} days)",
                "walk through it, fix what changed, and set last_updated to today",
            )
    return tuple(out)


def _has_field(book: Runbook, key: str) -> bool:
    if key == "title":
        return "title" in book.lines
    value = getattr(book, key)
    return value is not None and value != ""


def _stale(updated: date, today: date, limit: int) -> bool:
    return (today - updated).days > limit


# -- the review views of the private metrics page ----------------------------------------


@dataclass(frozen=True, slots=True)
class OwnerLoad:
    owner: str  # without "@"; "" for items without an owner
    overdue: int
    oldest_due: date


@dataclass(frozen=True, slots=True)
class QuarterRow:
    label: str  # "2026 Q4"
    counts: Mapping[Severity, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class RunbookRow:
    runbook: Runbook
    age_days: int | None  # since last_updated; None when not set
    stale: bool
    incidents: tuple[Incident, ...]  # that name it, newest first


@dataclass(frozen=True, slots=True)
class Review:
    """What the quarterly review looks at: overdue action items by owner, the
    incident trend by severity over the last four quarters, and the runbooks."""

    overdue_by_owner: tuple[OwnerLoad, ...]
    quarters: tuple[QuarterRow, ...]
    runbooks: tuple[RunbookRow, ...]


def review(
    config: SiteConfig,
    incidents: Sequence[Incident],
    runbooks: Sequence[Runbook],
    items: Iterable[ActionItem],
    now: datetime,
) -> Review:
    zone = config.timezone
    late: dict[str, list[ActionItem]] = {}
    for item in items:
        if item.is_overdue(now, zone):
            late.setdefault(item.owner or "", []).append(item)
    by_owner = sorted(
        (
            OwnerLoad(owner, len(group), min(i.due for i in group if i.due is not None))
            for owner, group in late.items()
        ),
        key=lambda row: (-row.overdue, row.oldest_due, row.owner),
    )
    today = now.astimezone(zone).date()
    quarters = [_quarter_back(today, back) for back in range(3, -1, -1)]
    counts: dict[tuple[int, int], dict[Severity, int]] = {q: {} for q in quarters}
    year, quarter = quarters[0]
    # (a day early: whatever the zone's clock does at midnight, none is left out)
    earliest = datetime.combine(date(year, 3 * quarter - 2, 1), time(), zone) - timedelta(days=1)
    earliest = earliest.astimezone(UTC)  # (compared with each start: UTC compares fastest)
    used: dict[str, list[Incident]] = {}
    for incident in incidents:  # (one pass: each incident is read once)
        for ident in incident.runbooks:
            used.setdefault(ident, []).append(incident)
        started = incident.started_at
        if started < earliest or started > now:
            continue
        if incident.is_maintenance or incident.severity is None:
            continue
        start = started.astimezone(zone).date()
        key = (start.year, (start.month - 1) // 3 + 1)
        if key in counts:
            counts[key][incident.severity] = counts[key].get(incident.severity, 0) + 1
    limit = config.runbooks.stale_after_days
    rows = []
    for book in runbooks:
        age = (today - book.last_updated).days if book.last_updated else None
        users = sorted(used.get(book.id, []), key=lambda i: i.started_at, reverse=True)
        rows.append(RunbookRow(book, age, age is not None and age > limit, tuple(users)))
    return Review(
        overdue_by_owner=tuple(by_owner),
        quarters=tuple(
            QuarterRow(
                f"{year} Q{quarter}", {s: counts[(year, quarter)].get(s, 0) for s in Severity}
            )
            for year, quarter in quarters
        ),
        runbooks=tuple(rows),
    )


def _quarter_back(today: date, back: int) -> tuple[int, int]:
    index = today.year * 4 + (today.month - 1) // 3 - back
    return index // 4, index % 4 + 1
