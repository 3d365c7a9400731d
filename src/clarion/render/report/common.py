"""What every shape of the deadline report shares: file names, state styles,
the summary line and the heading."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ...derive.deadlines import OPEN_STATES, DeadlineReport, Obligation, ObligationState
from ...rules.duration import format_seconds
from ..times import local_text, utc_text

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
            text += (
                f" ({len(report.due_soon)} within "
                f"{format_seconds(report.warn_within.total_seconds())})"
            )
        parts.append(text)
    warnings = len(report.lint_warnings)
    text = ", ".join(parts) or "Nothing owed"
    if warnings:
        text += f"; {warnings} warning{'s' if warnings != 1 else ''}"
    return text + "."


def _is_utc(zone: ZoneInfo) -> bool:
    return zone.key in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Zulu")


def _heading(report: DeadlineReport) -> str:
    if _is_utc(report.zone):
        return f"Deadlines at {utc_text(report.now)} UTC"
    return (
        f"Deadlines at {utc_text(report.now)} UTC "
        f"({local_text(report.now, report.zone)}, {report.zone.key})"
    )
