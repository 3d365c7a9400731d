"""The deadline report for people: a plain table for any terminal, a rich one
for a colour terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ...derive.deadlines import DeadlineReport, Obligation
from ..times import local_text, utc_text
from .common import _STATE_STYLE, _heading, _is_utc, _shown, _state_text, summary_line

if TYPE_CHECKING:
    from rich.console import Console


# -- plain text -----------------------------------------------------------------------


#: ``clarion check`` fits a terminal this wide: longer cells are cut with
#: "…" and details wrap (``--format json`` keeps every text whole).
TEXT_WIDTH = 120
_CUTTABLE = (1, 2, 3)  # rule, incident, recipient: cut the widest first


def _due_headers(zone: ZoneInfo) -> tuple[str, ...]:
    """One due column for a UTC site, else UTC and the site's zone."""
    return ("DUE (UTC)",) if _is_utc(zone) else ("DUE (UTC)", f"DUE ({zone.key})")


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
