"""The rows of the build's deadline report, incident by incident, kept between builds.

Each item of the report has its share of the three private files: its entry
in ``deadlines.json`` (JSON text at its indentation), its row of
``deadlines.html`` (the theme's ``deadline_row.html.j2``) and, when the
calendar holds it, its ``VEVENT`` in ``deadlines.ics`` (written by
``icalendar``). What they show of an item is a function of the incident's
part of the report (:mod:`clarion.derive.incident_deadlines`: its items as
JSON text), of what the items show of their incident (its slug, title,
severity and roles) and of what every row shares: Clarion's code and rule
files, the site's settings (its rules, zone and address), the templates and
the warning window. A build keeps each incident's rows in
``.clarion-cache/deadline-rows.json.gz`` under a digest of exactly those
(:func:`part_key`); the next build renders the rows of incidents whose digest
changed and takes the others as kept. ``now`` is not among them: a part
derived again at another time whose items are unchanged keeps its rows.

The files are then put together in the report's order, which sorts the items
of all incidents by state and due time (so row by row, not incident by
incident), with what no row holds rendered each time: the summary and the
lint, and the calendar's head and tail as ``icalendar`` writes them. A site
that overrides ``deadlines.html.j2`` or ``deadline_row.html.j2`` gets its
HTML rendered whole each time (its rows may show anything of an incident);
the JSON and the calendar still come from the kept rows.

The kept rows are JSON; a line that does not decode, or lacks an item, is
rendered again.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ... import __version__
from ...config import SiteConfig
from ...derive.deadlines import DeadlineReport, Obligation
from ...output.cache import render_key
from ..ical import calendar_host, deadline_event_bytes, in_calendar
from .data import Written, item_text

if TYPE_CHECKING:
    from ...output.kept import KeptParts, Line

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


def rows_base(rules: str, report: DeadlineReport, templates: str, html: bool) -> str:
    """A digest of what every row shares (``rules``: the digest of what every
    part of the report shares, :func:`clarion.output.kept.rules_digest`;
    ``templates``: a fingerprint of the theme's and the site's templates;
    ``html``: whether rows of HTML are kept)."""
    return render_key(
        __version__,
        "deadline-rows",
        rules,
        report.zone.key,
        report.warn_within,
        report.now if report.warn_within is not None else None,
        templates if html else "",
    )


def part_key(base: str, shown: str, part: str) -> str:
    """The key of an incident's rows: what all rows share, what the items
    show of the incident and its part of the report (both JSON text)."""
    return render_key(base, shown, part)


def report_rows(
    report: DeadlineReport,
    config: SiteConfig,
    render_html: RowHtml | None,
    kept: KeptParts,
    made: dict[str, Line],
    base: str,
    shown: Mapping[str, str],
) -> dict[str, Row] | None:
    """Every item's row, by its key: kept by the last build (``kept``) where
    the incident's key is unchanged, else rendered (``render_html``: the
    theme's row, ``None`` when the site has its own). Every incident's rows
    go into ``made`` by key, for the next build (``None``: as kept; the
    kept text is let go once decoded). ``shown``: what the items
    show of each incident, by slug (JSON text). ``None`` when the report
    has no parts (a build without the cache) or an item has no JSON text of
    its own."""
    by_slug: dict[str, list[Obligation]] = {}
    for o in report.obligations:
        by_slug.setdefault(o.incident.slug, []).append(o)
    host = calendar_host(config.base_url)
    rows: dict[str, Row] = {}
    for slug, items in by_slug.items():
        part = report.parts.get(slug)
        if part is None:
            return None
        key = part_key(base, shown[slug], part)
        text = kept.take(key)
        found = decode_rows(text, render_html is not None) if text else None
        if found is not None and all(o.key in found for o in items):
            made[key] = None  # kept as it is
        else:
            found = {}
            for o in items:
                row = _render_row(o, report, host, render_html)
                if row is None:
                    return None
                found[o.key] = row
            made[key] = functools.partial(encode_rows, found)  # written when saved
        rows.update(found)
    return rows


def _render_row(
    o: Obligation, report: DeadlineReport, host: str, render_html: RowHtml | None
) -> Row | None:
    written = item_text(report, o)
    if written is None:
        return None
    return Row(
        json=written,
        html=render_html(o) if render_html is not None else None,
        event=deadline_event_bytes(o, report, host).decode("utf-8") if in_calendar(o) else None,
    )


def encode_rows(rows: Mapping[str, Row]) -> str:
    """An incident's rows as one line of JSON."""
    data = [[key, row.json, row.html, row.event] for key, row in rows.items()]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode_rows(text: str, html: bool) -> dict[str, Row] | None:
    """The rows :func:`encode_rows` wrote (``None``: they do not decode, or
    lack the HTML that ``html`` asks for)."""
    try:
        data: Any = json.loads(text)
        rows: dict[str, Row] = {}
        for key, written, markup, event in data:
            if not isinstance(key, str) or not isinstance(written, str):
                return None
            if html != isinstance(markup, str) or not isinstance(event, str | None):
                return None
            rows[key] = Row(Written(written), markup, event)
    except (ValueError, TypeError):
        return None
    return rows
