"""``clarion stats`` for people: a plain-text table, or a rich one on a terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..derive.incident_facts import SEVERITIES
from ..derive.metric_targets import MetricsReport
from ..derive.scope_stats import ScopeStats
from ..derive.stats import Stats
from .stats_report import (
    COMPONENT_HEADER,
    MONTH_HEADER,
    SEVERITY_HEADER,
    SUMMARY_HEADER,
    TARGET_HEADER,
    component_rows,
    month_rows,
    severity_rows,
    summary_rows,
    target_rows,
    window_text,
)

if TYPE_CHECKING:
    from rich.console import Console


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=False)).rstrip()]
    out += [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip()
        for row in rows
    ]
    return out


def _heading(stats: Stats, names: Mapping[str, str]) -> str:
    scope = stats.overall
    what = (
        "all incidents"
        if scope.component is None
        else f"incidents affecting {names.get(scope.component, scope.component)}"
    )
    private = "" if stats.include_private else ", public incidents only"
    return f"Incident metrics, {what}{private}: {window_text(stats)}"


def _counts_line(scope: ScopeStats) -> str:
    parts = ", ".join(f"{scope.by_severity[s]} {s.value}" for s in SEVERITIES)
    overdue = scope.overdue_action_items
    noun = "incident" if scope.incidents == 1 else "incidents"
    return (
        f"{scope.incidents} {noun} ({parts}); {scope.open} open; {overdue} action "
        f"item{'' if overdue == 1 else 's'} overdue."
    )


def render_text(report: MetricsReport, names: Mapping[str, str]) -> str:
    stats = report.stats
    lines = [_heading(stats, names), _counts_line(stats.overall), ""]
    lines += [
        "Targets",
        *_table(TARGET_HEADER, target_rows(report.headline, names)),
        "",
    ]
    lines += ["Summary", *_table(SUMMARY_HEADER, summary_rows(stats.overall)), ""]
    lines += ["By severity (means)", *_table(SEVERITY_HEADER, severity_rows(stats.overall)), ""]
    lines += [
        "By component (means)",
        *_table(COMPONENT_HEADER, component_rows(report, names)),
        "",
    ]
    lines += ["By month", *_table(MONTH_HEADER, month_rows(stats))]
    lines += [
        "",
        "n/a: a time was not recorded (or the incident is still open, for MTTR). `clarion "
        "stats --format json` for every number.",
    ]
    return "\n".join(lines) + "\n"


def print_rich(report: MetricsReport, names: Mapping[str, str], console: Console) -> None:
    """The same tables for a terminal, with colour for the target status."""
    stats = report.stats
    from rich.table import Table
    from rich.text import Text

    def table(
        title: str,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        status_column: int | None = None,
    ) -> None:
        grid = Table(title=title, title_justify="left", expand=False)
        for index, name in enumerate(header):
            grid.add_column(
                name,
                justify="left"
                if index == 0
                else "right"
                if name not in ("Status", "Based on", "Goal", "Action items")
                else "left",
            )
        for row in rows:
            cells: list[str | Text] = list(row)
            if status_column is not None:
                style = {"met": "green", "missed": "bold red"}.get(row[status_column], "dim")
                cells[status_column] = Text(row[status_column], style=style)
            grid.add_row(*cells)
        console.print(grid)

    console.print(_heading(stats, names), style="bold", markup=False, highlight=False)
    console.print(_counts_line(stats.overall), markup=False, highlight=False)
    table(
        "Targets",
        TARGET_HEADER,
        target_rows(report.headline, names),
        status_column=3,
    )
    table("Summary", SUMMARY_HEADER, summary_rows(stats.overall))
    table("By severity (means)", SEVERITY_HEADER, severity_rows(stats.overall))
    table("By component (means)", COMPONENT_HEADER, component_rows(report, names))
    table("By month", MONTH_HEADER, month_rows(stats))
    console.print(
        "n/a: a time was not recorded (or the incident is still open, for MTTR).",
        style="dim",
        markup=False,
        highlight=False,
    )
