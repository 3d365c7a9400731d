"""The deadline report as GitHub Actions annotations, for CI."""

from __future__ import annotations

from collections.abc import Sequence

from ...derive.deadlines import OPEN_STATES, DeadlineReport, ObligationState
from ...errors import ContentError
from ..times import local_text, utc_text
from .common import summary_line

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
