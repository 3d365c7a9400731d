"""The rows of the build's deadline report, and the key of each incident's.

Each item of the report has its share of the three private files: its entry
in ``deadlines.json`` (JSON text at its indentation), its row of
``deadlines.html`` (the theme's ``deadline_row.html.j2``) and, when the
calendar holds it, its ``VEVENT`` in ``deadlines.ics`` (written by
``icalendar``): :func:`render_row`. What they show of an item is a function
of the incident's part of the report (:mod:`clarion.derive.incident_deadlines`:
its items as JSON text), of what the items show of their incident (its slug,
title, severity and roles) and of what every row shares: Clarion's code and
rule files, the site's settings (its rules, zone and address), the templates
and the warning window. :func:`part_key` is a digest of exactly those: while
an incident's is unchanged, its rows are copied from the last build's files
(:mod:`clarion.render.report.splice`). ``now`` is not among them: a part
derived again at another time whose items are unchanged keeps its rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

from ... import __version__
from ...derive.deadlines import DeadlineReport, Obligation
from ...output.cache import render_key
from ..ical import deadline_event_bytes, icalendar_version, in_calendar
from .data import Written, item_text

ROW_TEMPLATE = "deadline_row.html.j2"
#: One row of ``deadlines.html`` for an item (``deadline_row.html.j2``'s macro
#: with the page's helpers).
RowHtml = Callable[[Obligation], Markup]


@dataclass(frozen=True, slots=True)
class Row:
    """One item's share of the three files."""

    json: Written
    html: str | None  # HTML; None: rows of a site's own templates, rendered each time
    event: str | None  # None: the calendar does not hold the item


def rows_base(
    rules: str,
    now: datetime,
    zone: ZoneInfo,
    warn_within: timedelta | None,
    templates: str,
    html: bool,
) -> str:
    """A digest of what every row shares (``rules``: the digest of what every
    part of the report shares, :func:`clarion.output.kept.rules_digest`; the
    report's zone, and its warning window with ``now`` when it has one;
    ``templates``: a fingerprint of the theme's and the site's templates;
    ``html``: whether rows of HTML are kept; the calendar's events are
    icalendar's, so its version too)."""
    return render_key(
        __version__,
        "deadline-rows",
        icalendar_version(),
        rules,
        zone.key,
        warn_within,
        now if warn_within is not None else None,
        templates if html else "",
    )


def part_key(base: str, shown: str, part: str) -> str:
    """The key of an incident's rows: what all rows share, what the items
    show of the incident and its part of the report (both JSON text)."""
    return render_key(base, shown, part)


def render_row(
    o: Obligation, report: DeadlineReport, host: str, render_html: RowHtml | None
) -> Row | None:
    """One item's row (``None``: data only the standard library's encoder writes)."""
    written = item_text(report, o)
    if written is None:
        return None
    return Row(
        json=written,
        html=render_html(o) if render_html is not None else None,
        event=deadline_event_bytes(o, report, host).decode("utf-8") if in_calendar(o) else None,
    )
