"""Deadline reminder issues: which incidents need one, what it says, when it closes.

``clarion check --format reminders`` turns a deadline report and the open
reminder issues of the repository (``gh issue list --json number,title,body``)
into a list of actions: ``create``, ``update``, ``comment`` and ``close``. The
``deadlines.yml`` workflow only carries them out with ``gh issue``; every
decision is made here, so it is tested here.

The rules:

* An incident **gets** a reminder issue when one of its items is overdue or
  due within the warning window (``--warn-within``).
* While the issue is open it lists every item of the incident that still
  needs action, and is **updated** when that table changes (never for the
  time left alone, so an unchanged state edits nothing).
* When an item becomes due soon, or overdue, after the issue was written, a
  **comment** says so: edits do not notify anyone, comments do.
* The issue is **closed** when nothing of the incident needs action any more
  (every item met, met late or not required), or when the incident left the
  site (renamed or deleted). A second open issue for the same incident is closed as a duplicate.
* In a **public** repository no reminder is written at all: the text names
  incidents, regulators and deadlines. The workflow's annotations remain.

Issues are recognised by a hidden marker in their body, never by title.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC

from ..derive.deadlines import OPEN_STATES, DeadlineReport, Obligation, ObligationState
from ..errors import UsageError
from ..model import Incident
from ..rules.duration import format_seconds

#: The label every reminder issue carries (the workflow lists issues by it).
REMINDER_LABEL = "clarion-deadlines"
_MARKER = "clarion-reminder"
_MARKER_RE = re.compile(r"<!--\s*clarion-reminder\s+incident=(?P<slug>[^\s>]+)\s*-->")
_STATE_RE = re.compile(r"<!--\s*clarion-reminder-state\s+(?P<keys>[^>]*?)\s*-->")
_LEVELS = {"soon": 1, "overdue": 2}


@dataclass(frozen=True, slots=True)
class OpenIssue:
    """An open issue of the repository carrying the reminder label."""

    number: int
    title: str
    body: str

    @property
    def incident(self) -> str | None:
        """The incident slug of a reminder issue (``None``: not one of ours)."""
        match = _MARKER_RE.search(self.body)
        return match["slug"] if match else None

    @property
    def alerted(self) -> dict[str, str]:
        """What the body last said needs attention: item key -> ``overdue`` or ``soon``."""
        match = _STATE_RE.search(self.body)
        if not match:
            return {}
        pairs = (item.rpartition(":") for item in re.split(r"[\s,]+", match["keys"]) if item)
        return {key: level for key, _, level in pairs if key and level in _LEVELS}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderAction:
    """One ``gh issue`` call for the workflow to make."""

    action: str  # "create", "update", "comment" or "close"
    incident: str
    title: str = ""
    body: str = ""  # the issue body (create, update) or the comment (comment, close)
    number: int | None = None  # the issue (all but create)

    def data(self) -> dict[str, object]:
        return {
            "action": self.action,
            "incident": self.incident,
            "title": self.title,
            "body": self.body,
            "number": self.number,
        }


def parse_open_issues(text: str) -> list[OpenIssue]:
    """The JSON of ``gh issue list --json number,title,body``."""
    try:
        data = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise UsageError(f"--open-issues: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, list):
        raise UsageError(
            "--open-issues: expected a JSON list, as `gh "
            "issue list --json number,title,body` prints"
        )
    issues = []
    for item in data:
        if not isinstance(item, Mapping) or not isinstance(item.get("number"), int):
            raise UsageError(
                "--open-issues: every entry needs a number, e.g. "
                '{"number": 12, "title": "...", "body": "..."}'
            )
        issues.append(
            OpenIssue(
                number=item["number"],
                title=str(item.get("title") or ""),
                body=str(item.get("body") or ""),
            )
        )
    return sorted(issues, key=lambda i: i.number)


# -- which incidents ----------------------------------------------------------------


def alerting(report: DeadlineReport, items: Iterable[Obligation]) -> list[Obligation]:
    """The items that call for a reminder: overdue, or due within the window."""
    return [o for o in items if o.state is ObligationState.OVERDUE or report.is_due_soon(o)]


def _level(o: Obligation) -> str:
    return "overdue" if o.state is ObligationState.OVERDUE else "soon"


def open_items(items: Iterable[Obligation]) -> list[Obligation]:
    """The items that still need action (an open reminder stays open for them)."""
    return [o for o in items if o.state in OPEN_STATES]


def plan_reminders(report: DeadlineReport, issues: Sequence[OpenIssue]) -> list[ReminderAction]:
    """The actions that bring the open reminder issues in line with ``report``."""
    by_incident: dict[str, list[Obligation]] = {}
    incidents: dict[str, Incident] = {}
    for o in report.obligations:
        by_incident.setdefault(o.incident.slug, []).append(o)
        incidents[o.incident.slug] = o.incident
    existing: dict[str, list[OpenIssue]] = {}
    for listed in issues:
        slug = listed.incident
        if slug is not None:
            existing.setdefault(slug, []).append(listed)

    actions: list[ReminderAction] = []
    for slug in sorted(set(by_incident) | set(existing)):
        items = by_incident.get(slug, [])
        found = existing.get(slug, [])
        for extra in found[1:]:
            actions.append(
                ReminderAction(
                    action="close",
                    incident=slug,
                    number=extra.number,
                    body=(
                        f"Closed as a duplicate of #{found[0].number}, "
                        "which Clarion keeps up to date."
                    ),
                )
            )
        issue = found[0] if found else None
        if slug not in incidents:  # nothing owed any more, or the incident left the site
            if issue is not None:
                actions.append(
                    ReminderAction(
                        action="close", incident=slug, number=issue.number, body=_settled_text(slug)
                    )
                )
            continue
        incident = incidents[slug]
        alert = alerting(report, items)
        if issue is None:
            if alert:
                actions.append(
                    ReminderAction(
                        action="create",
                        incident=slug,
                        title=reminder_title(incident),
                        body=reminder_body(report, incident, items),
                    )
                )
            continue
        if not open_items(items):
            actions.append(
                ReminderAction(
                    action="close", incident=slug, number=issue.number, body=_settled_text(slug)
                )
            )
            continue
        title, body = reminder_title(incident), reminder_body(report, incident, items)
        if _normal(issue.body) != _normal(body) or issue.title.strip() != title:
            actions.append(
                ReminderAction(
                    action="update", incident=slug, number=issue.number, title=title, body=body
                )
            )
        before = issue.alerted
        fresh = [o for o in alert if _LEVELS[_level(o)] > _LEVELS.get(before.get(o.key, ""), 0)]
        if fresh:
            actions.append(
                ReminderAction(
                    action="comment",
                    incident=slug,
                    number=issue.number,
                    body=_fresh_text(report, fresh),
                )
            )
    return actions


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


# -- what the issue says ------------------------------------------------------------


def reminder_title(incident: Incident) -> str:
    return f"Deadlines: {incident.title} ({incident.slug})"


def _cell(text: str) -> str:
    """One Markdown table cell: one line, no table breaks, no HTML (``<time>``)."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|") or "-"


def _utc(o: Obligation) -> str:
    return o.due_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if o.due_at else "-"


def _local(report: DeadlineReport, o: Obligation) -> str:
    return o.due_at.astimezone(report.zone).strftime("%Y-%m-%d %H:%M %Z") if o.due_at else "-"


def _state(report: DeadlineReport, o: Obligation) -> str:
    if o.state is ObligationState.OVERDUE:
        return "**overdue**"
    if report.is_due_soon(o):
        return "**due soon**"
    return str(o.state.value)


def reminder_body(report: DeadlineReport, incident: Incident, items: Sequence[Obligation]) -> str:
    """The issue body: what still needs action, then what is settled.

    It holds no time left and no "as of" time, so it changes only when a
    state does; due times are absolute, in UTC and in the site's zone.
    """
    zone = report.zone.key
    pending = open_items(items)
    settled = [o for o in items if o.state not in OPEN_STATES]
    alert = alerting(report, items)
    overdue = sum(1 for o in alert if o.state is ObligationState.OVERDUE)
    soon = len(alert) - overdue
    window = (
        format_seconds(report.warn_within.total_seconds())
        if report.warn_within is not None
        else None
    )
    counts = [f"{overdue} overdue"] if overdue else []
    if soon:
        counts.append(f"{soon} due within {window}")
    lines = [
        f"<!-- {_MARKER} incident={incident.slug} -->",
        f"Clarion's deadline check for **{_cell(incident.title)}** "
        f"(`{incident.slug}`, `{incident.source_path}`)"
        + (f": {', '.join(counts)}." if counts else ": nothing overdue or due soon now."),
        "",
    ]
    if pending:
        local = zone not in ("UTC", "Etc/UTC")
        header = [
            "state",
            "rule",
            "recipient",
            "due (UTC)",
            *([f"due ({zone})"] if local else []),
            "what to do",
        ]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for o in pending:
            cells = [_state(report, o), f"`{o.rule.id}`", _cell(o.recipient), _utc(o)]
            cells += [_local(report, o)] if local else []
            cells.append(_cell(o.describe(None) or o.rule.title))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if settled:
        lines += [f"<details><summary>Settled ({len(settled)})</summary>", ""]
        lines += ["| state | rule | recipient | satisfied by |", "|---|---|---|---|"]
        for o in settled:
            lines.append(
                f"| {o.state.value} | `{o.rule.id}` | {_cell(o.recipient)} "
                f"| {_cell(o.satisfied_by or o.detail)} |"
            )
        lines += ["", "</details>", ""]
    lines += [
        f"When a notice has gone out: `clarion sent "
        f"{incident.slug} RULE`. A notice that is not required: "
        "record the decision and its reason in `breach.decisions`. "
        "Clarion updates this issue when a state "
        "changes and closes it when nothing needs action any more.",
        "",
        f"<!-- {_MARKER}-state {','.join(sorted(f'{o.key}:{_level(o)}' for o in alert))} -->",
    ]
    return "\n".join(lines) + "\n"


def _fresh_text(report: DeadlineReport, fresh: Sequence[Obligation]) -> str:
    lines = ["Needs attention now:", ""]
    for o in fresh:
        what = "overdue" if o.state is ObligationState.OVERDUE else "due soon"
        lines.append(
            f"- **{what}**: `{o.rule.id}` to {_cell(o.recipient)}, "
            f"due {_utc(o)} UTC ({_local(report, o)})"
        )
    return "\n".join(lines) + "\n"


def _settled_text(slug: str) -> str:
    return (
        f"Nothing for `{slug}` needs action any more: every item is met, met late or not required "
        "(or the incident is no longer in the site). Closed by Clarion."
    )


# -- output ---------------------------------------------------------------------------


def render_reminders_json(
    report: DeadlineReport, actions: Sequence[ReminderAction], *, visibility: str, withheld: bool
) -> str:
    data = {
        "label": REMINDER_LABEL,
        "repository_visibility": visibility,
        "withheld": withheld,
        "overdue": len(report.overdue),
        "due_soon": len(report.due_soon),
        "actions": [a.data() for a in actions],
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
