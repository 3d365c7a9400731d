"""The deadline report in every shape: a plain or rich table for people, JSON
for machines, GitHub Actions annotations for CI, and the private
``deadlines.html``, ``deadlines.json`` and ``deadlines.ics`` of a build.

Pure: each function takes a :class:`~clarion.derive.deadlines.DeadlineReport`
(or a rulebook) and returns text or outputs. Times are shown in UTC and in
the site's zone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..config import SiteConfig
from ..derive.deadlines import OPEN_STATES, DeadlineReport, Obligation, ObligationState
from ..errors import ContentError
from ..rules import Rule, RuleBook
from ..rules.duration import Duration, format_seconds
from . import Area, Output, RenderContext
from .ical import render_deadline_calendar
from .templates import make_environment
from .times import local_text, utc_text

if TYPE_CHECKING:
    from rich.console import Console

REPORT_HTML = "deadlines.html"
REPORT_JSON = "deadlines.json"
REPORT_ICS = "deadlines.ics"
REPORT_TEMPLATE = "deadlines.html.j2"

_STATE_STYLE = {
    ObligationState.OVERDUE: "bold red",
    ObligationState.DUE: "yellow",
    ObligationState.CLOCK_NOT_STARTED: "magenta",
    ObligationState.NO_DEADLINE: "cyan",
    ObligationState.MET_LATE: "dark_orange",
    ObligationState.NOT_REQUIRED: "dim",
    ObligationState.MET: "green",
}


# -- times ----------------------------------------------------------------------------


def iso_utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shown(report: DeadlineReport, only_open: bool) -> tuple[Obligation, ...]:
    return tuple(o for o in report.obligations if not only_open or o.state in OPEN_STATES)


def _state_text(report: DeadlineReport, o: Obligation) -> str:
    return o.state.value + (" (soon)" if report.is_due_soon(o) else "")


def summary_line(report: DeadlineReport) -> str:
    """``1 overdue, 3 due (1 within PT2H), 24 met; 5 warnings``."""
    parts = []
    for state, count in report.counts.items():
        if not count:
            continue
        text = f"{count} {state.label}"
        if state is ObligationState.DUE and report.warn_within is not None:
            text += f" ({len(report.due_soon)} within {format_seconds(report.warn_within.total_seconds())})"
        parts.append(text)
    warnings = len(report.lint_warnings)
    text = ", ".join(parts) or "Nothing owed"
    if warnings:
        text += f"; {warnings} warning{'s' if warnings != 1 else ''}"
    return text + "."


def _heading(report: DeadlineReport) -> str:
    if _is_utc(report.zone):
        return f"Deadlines at {utc_text(report.now)} UTC"
    return f"Deadlines at {utc_text(report.now)} UTC ({local_text(report.now, report.zone)}, {report.zone.key})"


# -- plain text -----------------------------------------------------------------------


#: ``clarion check`` fits a terminal this wide: longer cells are cut with
#: "…" and details wrap (``--format json`` keeps every text whole).
TEXT_WIDTH = 120
_CUTTABLE = (1, 2, 3)  # rule, incident, recipient: cut the widest first


def _due_headers(zone: ZoneInfo) -> tuple[str, ...]:
    """One due column for a UTC site, else UTC and the site's zone."""
    return ("DUE (UTC)",) if _is_utc(zone) else ("DUE (UTC)", f"DUE ({zone.key})")


def _is_utc(zone: ZoneInfo) -> bool:
    return zone.key in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Zulu")


def _due_cells(o: Obligation, zone: ZoneInfo) -> tuple[str, ...]:
    utc = utc_text(o.due_at) or "-"
    return (utc,) if _is_utc(zone) else (utc, local_text(o.due_at, zone) or "-")


def render_text(report: DeadlineReport, *, only_open: bool = False) -> str:
    """A plain table (for logs and pipes) no wider than :data:`TEXT_WIDTH`:
    one row per item, its detail wrapped below; then the content lint, one
    ``file:line: message`` per line as compilers print them (a terminal gets
    :func:`print_rich`, which wraps those too)."""
    import textwrap

    zone = report.zone
    header = ("STATE", "RULE", "INCIDENT", "RECIPIENT", *_due_headers(zone))
    shown = _shown(report, only_open)
    rows = [
        (_state_text(report, o), o.rule.id, o.incident.slug, o.recipient, *_due_cells(o, zone))
        for o in shown
    ]
    lines = [_heading(report), ""]
    if rows:
        widths = _fit_widths(header, rows)
        indent = " " * (widths[0] + 2)
        lines.append(_columns(header, widths))
        for row, o in zip(rows, shown, strict=True):
            lines.append(_columns(row, widths))
            for extra in _detail_lines(o, report.now):
                lines += textwrap.wrap(
                    extra, TEXT_WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                    break_on_hyphens=False,
                )  # fmt: skip
    elif only_open and report.obligations:
        lines.append("No open items.")
    if report.lint:  # one message per line, as compilers print them, for editors and grep
        lines += ["", "Content lint:"]
        lines += [e.format() for e in report.lint]
    lines += ["", summary_line(report)]
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def _fit_widths(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """Column widths whose table fits :data:`TEXT_WIDTH`, narrowing the
    widest cuttable column first (never below its heading)."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    while sum(widths) + 2 * (len(widths) - 1) > TEXT_WIDTH:
        column = max(_CUTTABLE, key=lambda i: widths[i])
        if widths[column] <= max(len(header[column]), 8):
            break
        widths[column] -= 1
    return widths


def _cut(cell: str, width: int) -> str:
    return cell if len(cell) <= width else cell[: width - 1] + "…"


def _columns(row: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(
        _cut(cell, width).ljust(width) for cell, width in zip(row, widths, strict=True)
    ).rstrip()


def _detail_lines(o: Obligation, now: datetime | None) -> list[str]:
    text = o.describe(now)
    out = [text] if text else []
    if o.satisfied_by:
        out.append(
            f"satisfied by {o.satisfied_by}"
            + (f" at {utc_text(o.satisfied_at)} UTC" if o.satisfied_at else "")
        )
    return out


def print_rich(report: DeadlineReport, console: Console, *, only_open: bool = False) -> None:
    """The same table for a terminal, with colour, no wider than the terminal
    or :data:`TEXT_WIDTH`."""
    from rich.table import Table
    from rich.text import Text

    zone = report.zone
    width = min(console.width, TEXT_WIDTH)
    table = Table(title=_heading(report), title_justify="left", show_lines=False, width=width)
    dues = ("Due (UTC)",) if _is_utc(zone) else ("Due (UTC)", f"Due ({zone.key})")
    for name in ("State", "Rule", "Incident", "Recipient", *dues):
        cut = name in ("Rule", "Incident", "Recipient")
        table.add_column(name, no_wrap=True, overflow="ellipsis" if cut else "fold")
    table.add_column("Detail", overflow="fold", ratio=1, min_width=24)
    for o in _shown(report, only_open):
        table.add_row(
            Text(_state_text(report, o), style=_STATE_STYLE[o.state]),
            o.rule.id,
            o.incident.slug,
            o.recipient,
            *_due_cells(o, zone),
            "\n".join(_detail_lines(o, report.now)),
        )
    console.print(table, width=width)
    for error in report.lint:
        console.print(
            error.format(),
            style="yellow" if error.severity == "warning" else "red",
            markup=False,
            highlight=False,
            width=width,
        )
    console.print(summary_line(report), style="bold", markup=False, highlight=False)


# -- JSON -----------------------------------------------------------------------------


def obligation_data(
    report: DeadlineReport, o: Obligation, *, stable: bool = False
) -> dict[str, object]:
    """One item as JSON; ``stable`` leaves out what changes with ``now`` alone
    (time left), so a build's report changes only when a state does."""
    left = o.left(report.now)
    data: dict[str, object] = {
        "key": o.key,
        "rule": o.rule.id,
        "rule_title": o.rule.title,
        "rule_kind": o.rule.kind.value,
        "rule_status": o.rule.status,
        "rule_verified": o.rule.verified,
        "regime": o.rule.regime,
        "incident": o.incident.slug,
        "incident_title": o.incident.title,
        "severity": o.incident.severity.value if o.incident.severity else None,
        "roles": o.incident.roles.as_dict() if o.incident.roles else None,
        "recipient": o.recipient,
        "state": o.state.value,
        "due_at": iso_utc(o.due_at),
        "due_at_local": o.due_at.astimezone(report.zone).isoformat() if o.due_at else None,
        "outer_limit": iso_utc(o.outer_limit),
        "seconds_left": int(left.total_seconds()) if left is not None else None,
        "due_soon": report.is_due_soon(o),
        "clock": o.clock or None,
        "clock_at": iso_utc(o.clock_at),
        "satisfied_at": iso_utc(o.satisfied_at),
        "satisfied_by": o.satisfied_by,
        "detail": o.describe(None if stable else report.now),
        "file": o.location.path,
        "line": o.location.line,
    }
    if stable:
        del data["seconds_left"], data["due_soon"]
    return data


def _error_data(error: ContentError) -> dict[str, object]:
    return {
        "severity": error.severity,
        "file": error.location.path,
        "line": error.location.line,
        "message": error.message,
        "expected": error.expected,
        "hint": error.hint,
    }


def report_data(
    report: DeadlineReport, *, only_open: bool = False, stable: bool = False
) -> dict[str, object]:
    data: dict[str, object] = {
        "now": iso_utc(report.now),
        "timezone": report.zone.key,
        "warn_within": Duration(seconds=int(report.warn_within.total_seconds())).text
        if report.warn_within is not None
        else None,
        "summary": {state.value: count for state, count in report.counts.items()},
        "overdue": len(report.overdue),
        "due_soon": len(report.due_soon),
        "obligations": [
            obligation_data(report, o, stable=stable) for o in _shown(report, only_open)
        ],
        "lint": [_error_data(e) for e in report.lint],
        "errors": [],
    }
    if stable:
        del data["now"], data["warn_within"], data["due_soon"]
    return data


def _dumps(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_json(report: DeadlineReport, *, only_open: bool = False, stable: bool = False) -> str:
    return _dumps(report_data(report, only_open=only_open, stable=stable))


def render_errors_json(errors: Sequence[ContentError]) -> str:
    """``--format json`` when the content is invalid: no report, the errors."""
    return _dumps({"errors": [_error_data(e) for e in errors if e.severity == "error"],
                   "lint": [_error_data(e) for e in errors if e.severity != "error"],
                   "obligations": [], "summary": {}})  # fmt: skip


# -- GitHub Actions annotations -------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    title: str | None = None,
) -> str:
    """One workflow command: ``::error file=F,line=L,title=T::message``."""
    props = []
    if file:
        props.append(f"file={_escape_property(file)}")
    if line:
        props.append(f"line={line}")
    if title:
        props.append(f"title={_escape_property(title)}")
    return f"::{level}{' ' + ','.join(props) if props else ''}::{_escape_data(message)}"


def _error_annotation(error: ContentError) -> str:
    message = error.message
    if error.expected:
        message += f"\nexpected: {error.expected}"
    if error.hint:
        message += f"\nhint: {error.hint}"
    level = "error" if error.severity == "error" else "warning"
    return annotation(
        level,
        message,
        file=error.location.path,
        line=error.location.line,
        title=f"Clarion {error.severity}",
    )


def render_github(report: DeadlineReport, *, only_open: bool = False) -> str:
    """Annotations for what needs attention (overdue: error; due soon and
    missing clocks: warning; other open items: notice), the lint, a summary."""
    lines = []
    for o in report.obligations:
        if o.state is ObligationState.OVERDUE:
            level = "error"
        elif report.is_due_soon(o) or o.state is ObligationState.CLOCK_NOT_STARTED:
            level = "warning"
        elif o.state in OPEN_STATES:
            level = "notice"
        else:
            continue
        due = (
            f" due {utc_text(o.due_at)} UTC ({local_text(o.due_at, report.zone)})"
            if o.due_at
            else ""
        )
        message = (
            f"{o.rule.title} for {o.incident.slug} to {o.recipient}{due}: {o.describe(report.now)}"
        )
        lines.append(
            annotation(
                level,
                message,
                file=o.location.path,
                line=o.location.line,
                title=f"{o.state.value}: {o.rule.id}",
            )
        )
    lines += [_error_annotation(e) for e in report.lint]
    lines.append(f"clarion check: {summary_line(report)}")
    return "\n".join(lines) + "\n"


def render_errors_github(errors: Sequence[ContentError]) -> str:
    lines = [_error_annotation(e) for e in errors]
    count = sum(1 for e in errors if e.severity == "error")
    lines.append(f"clarion check: {count} content error{'s' if count != 1 else ''}.")
    return "\n".join(lines) + "\n"


# -- private build outputs ------------------------------------------------------------


def render_deadlines(context: RenderContext) -> Iterator[Output]:
    """``deadlines.html``, ``deadlines.json`` and ``deadlines.ics``, private:
    the rows ``clarion check`` shows at the build's ``now``, every one of them
    (the calendar holds only the items that still ask for a date, see
    :func:`clarion.render.ical.render_deadline_calendar`)."""
    config = context.config
    report = context.private.deadlines
    yield Output(Area.PRIVATE, REPORT_JSON, render_json(report, stable=True).encode("utf-8"))
    yield Output(Area.PRIVATE, REPORT_HTML, render_html(report, config).encode("utf-8"))
    yield Output(
        Area.PRIVATE,
        REPORT_ICS,
        render_deadline_calendar(report, title=config.title, base_url=config.base_url),
    )


def render_html(report: DeadlineReport, config: SiteConfig) -> str:
    """The theme's ``deadlines.html.j2`` (a site's ``templates/`` may override
    it): the table, the lint, the summary. Nothing on it changes with the
    clock alone (``clarion check`` shows the time left)."""
    env = make_environment(config.templates_dir, config.timezone)
    return env.get_template(REPORT_TEMPLATE).render(
        site=config,
        report=report,
        summary=summary_line(report),
        state_text=lambda o: _state_text(report, o),
        utc_text=utc_text,
        local_text=lambda moment: local_text(moment, report.zone),
    )


# -- the rulebook ---------------------------------------------------------------------


def _rule_flags(rule: Rule) -> str:
    flags = [rule.status.replace("_", " ")]
    if not rule.verified:
        flags.append("UNVERIFIED")
    elif rule.unverified:
        flags.append("partly unverified")
    if rule.overridden:
        flags.append("overridden: " + ", ".join(rule.overridden))
    return "; ".join(flags)


def short_source(rule: Rule) -> str:
    """The citation of a rule's source, without its URLs (``GDPR Art. 33(1), (3)-(5)``)."""
    text = _URL_TAIL.split(rule.source.split("; ")[0].split(", as set ")[0])[0].strip(" ,:")
    while text.count("(") > text.count(")") and " (" in text:
        text = text.rsplit(" (", 1)[0]
    return text or rule.source


_URL_TAIL = re.compile(
    r",? (?:text |content text |statute text )?(?:reproduced |quoted |as summarised |summarised |as described )?"
    r"(?:at |on )?https?://"
)


def rules_rows(rulebook: RuleBook) -> list[tuple[str, ...]]:
    return [
        (
            rule.id,
            "on" if rule.enabled else "off",
            rule.kind.value,
            rule.clock.text + (" (if it happens)" if rule.optional_clock else ""),
            rule.describe_deadline(),
            rule.describe_calendar(),
            _rule_flags(rule),
        )
        for rule in rulebook
    ]


_RULE_HEADER = ("RULE", "AT SITE", "KIND", "CLOCK", "DEADLINE", "CALENDAR", "STATUS")


def render_rules_text(rulebook: RuleBook, *, only: Iterable[str] = ()) -> str:
    """The rulebook as a plain table, each rule's source below it; with
    ``only``, every field of those rules."""
    wanted = tuple(only)
    if wanted:
        return "\n\n".join(render_rule_detail(rulebook[i]) for i in wanted) + "\n"
    rows = rules_rows(rulebook)
    widths = [max(len(r[i]) for r in (_RULE_HEADER, *rows)) for i in range(len(_RULE_HEADER))]
    lines = [_columns(_RULE_HEADER, widths)]
    for row, rule in zip(rows, rulebook, strict=False):
        lines.append(_columns(row, widths))
        lines.append("    " + rule.title + " · source: " + rule.source)
    lines += ["", _rules_footer(rulebook)]
    return "\n".join(lines) + "\n"


def _rules_footer(rulebook: RuleBook) -> str:
    on = sum(1 for r in rulebook if r.enabled)
    return (
        f"{len(rulebook)} rules, {on} on at this site. Breach clocks: {', '.join(rulebook.breach_clocks)}.\n"
        "Not legal advice: check the official text before relying on a rule. "
        "`clarion rules RULE` shows one rule in full."
    )


def render_rule_detail(rule: Rule) -> str:
    fields = [
        ("id", rule.id),
        ("title", rule.title),
        ("kind", rule.kind.value),
        ("at this site", "on" if rule.enabled else "off"),
        ("status", _rule_flags(rule)),
        ("regime", rule.regime),
        ("jurisdiction", rule.jurisdiction),
        ("recipient", rule.recipient),
        ("trigger", rule.trigger),
        (
            "clock",
            rule.clock.text
            + ("" if rule.clock.describe() == rule.clock.text else f" ({rule.clock.describe()})")
            + (", only if it happens" if rule.optional_clock else ""),
        ),  # fmt: skip
        ("deadline", rule.describe_deadline()),
        ("calendar", rule.describe_calendar() or "-"),
        ("caps", f"{rule.limit} caps this rule" if rule.limit else None),
        ("limits", f"caps {rule.limits}" if rule.limits else None),
        ("conditions", rule.conditions.describe() or None),
        ("condition", rule.condition),
        ("must contain", "\n".join(f"- {item}" for item in rule.must_contain) or None),
        ("primary", _primary_text(rule)),
        ("research", _NOTES.get(rule.verification, rule.verification)),
        ("unverified", rule.unverified),
        ("source", rule.source),
        ("notes", rule.notes),
    ]
    lines = []
    for name, value in fields:
        if not value:
            continue
        text = str(value).replace("\n", "\n" + " " * 15)
        lines.append(f"{name + ':':<14} {text}")
    return "\n".join(lines)


#: What the rulebook's research notes read for a rule (``verification``); the
#: rule is verified only by ``primary.verified``.
_NOTES = {
    "P": "P (primary text, as reproduced)",
    "S": "S (secondary summaries)",
    "U": "U (unverified)",
}


def _primary_text(rule: Rule) -> str | None:
    """``GDPR Art. 33(1), <url> (not verified: ...)`` with the quote below."""
    p = rule.primary
    if p is None:
        return None
    mark = "verified" if p.verified else "NOT VERIFIED against the official text"
    lines = [f"{p.cite}, {p.url}", f"{mark}" + (f"; read: {p.read}" if p.read else "")]
    if p.quote:
        lines.append(f'"{p.quote}"')
    return "\n".join(lines)


def print_rules_rich(rulebook: RuleBook, console: Console) -> None:
    from rich.table import Table

    table = Table(title="Clarion rulebook", title_justify="left")
    for name in ("Rule", "At site", "Kind", "Clock", "Deadline", "Calendar", "Status", "Source"):
        table.add_column(name, overflow="fold", no_wrap=name in ("Rule", "At site"))
    for row, rule in zip(rules_rows(rulebook), rulebook, strict=False):
        table.add_row(*row, short_source(rule))
    console.print(table)
    console.print(_rules_footer(rulebook), markup=False, highlight=False)


def rule_data(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "title": rule.title,
        "kind": rule.kind.value,
        "enabled": rule.enabled,
        "regime": rule.regime,
        "jurisdiction": rule.jurisdiction,
        "recipient": rule.recipient,
        "trigger": rule.trigger,
        "clock": rule.clock.text,
        "optional_clock": rule.optional_clock,
        "deadline": rule.deadline.text if rule.deadline else None,
        "deadlines": {s.value: d.text for s, d in rule.deadlines.items()} or None,
        "calendar": rule.calendar.value if rule.calendar else None,
        "holidays": rule.holidays.label if rule.holidays else None,
        "closures": rule.holidays.closures if rule.holidays else None,
        "zone": rule.zone.key if rule.zone else None,
        "due_time": rule.due_time,
        "limit": rule.limit,
        "limits": rule.limits,
        "weekend_relief": rule.weekend_relief,
        "conditions": rule.conditions.describe() or None,
        "condition": rule.condition,
        "must_contain": list(rule.must_contain),
        "source": rule.source,
        "primary": {
            "cite": rule.primary.cite,
            "url": rule.primary.url,
            "quote": rule.primary.quote,
            "read": rule.primary.read,
            "verified": rule.primary.verified,
        }
        if rule.primary
        else None,
        "status": rule.status,
        "verification": rule.verification,
        "verified": rule.verified,
        "unverified": rule.unverified,
        "notes": rule.notes,
        "overridden": list(rule.overridden),
    }


def render_rules_json(rulebook: RuleBook, *, only: Iterable[str] = ()) -> str:
    wanted = set(only)
    return _dumps({
        "breach_clocks": list(rulebook.breach_clocks),
        "rules": [rule_data(r) for r in rulebook if not wanted or r.id in wanted],
    })  # fmt: skip
