"""The private ``deadlines.html``, ``deadlines.json`` and ``deadlines.ics`` of a
build."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ... import __version__
from ...config import SiteConfig
from ...derive.deadlines import DeadlineReport
from ...output.cache import fingerprint_files, render_key
from .. import THEME_DIR, Area, Output, RenderContext
from ..ical import render_deadline_calendar
from ..reuse import previous_output
from ..templates import make_environment
from ..times import local_text, utc_text
from .common import REPORT_HTML, REPORT_ICS, REPORT_JSON, REPORT_TEMPLATE, _state_text, summary_line
from .data import _dumps, incident_fields, report_data, rule_fields

# -- private build outputs ------------------------------------------------------------


def render_deadlines(context: RenderContext) -> Iterator[Output]:
    """``deadlines.html``, ``deadlines.json`` and ``deadlines.ics``, private:
    the rows ``clarion check`` shows at the build's ``now``, every one of them
    (the calendar holds only the items that still ask for a date, see
    :func:`clarion.render.ical.render_deadline_calendar`)."""
    config = context.config
    report = context.private.deadlines
    key = _report_key(config, report)
    previous = [
        previous_output(context.cache if key else None, Area.PRIVATE, path, key or "")
        for path in (REPORT_JSON, REPORT_HTML, REPORT_ICS)
    ]
    if all(output is not None for output in previous):
        yield from (output for output in previous if output is not None)
        return
    data = report_data(report, stable=True)
    json_file = Output(Area.PRIVATE, REPORT_JSON, _dumps(data).encode("utf-8"), key)
    del data  # every item as plain data: let go before the HTML and calendar render
    yield json_file
    del json_file
    yield Output(Area.PRIVATE, REPORT_HTML, render_html(report, config).encode("utf-8"), key)
    yield Output(
        Area.PRIVATE,
        REPORT_ICS,
        render_deadline_calendar(report, title=config.title, base_url=config.base_url),
        key,
    )


def _report_key(config: SiteConfig, report: DeadlineReport) -> str | None:
    """Everything the three files show: the report's digest (every field of
    every item and of the lint, incident by incident, as
    :mod:`clarion.derive.deadline_report` computes it), what the items show of
    their rules and incidents (as ``deadlines.json`` has it, with each
    incident's start, by which items are sorted), the site's settings and the
    templates. Unchanged, the previous build's files are reused: an edit that
    changes no deadline (a reworded update) does not render the report again.
    ``None`` (always rendered) for a report without a digest, and when the
    site overrides the report's template, which may show anything of the
    report, the clock included (the theme's shows only what the data holds)."""
    if not report.digest or (config.templates_dir / REPORT_TEMPLATE).is_file():
        return None
    templates = [p for p in THEME_DIR.rglob("*") if p.is_file()]
    if config.templates_dir.is_dir():
        templates += [p for p in config.templates_dir.rglob("*") if p.is_file()]
    rules: dict[str, dict[str, object]] = {}
    incidents: dict[str, list[object]] = {}
    for o in report.obligations:
        if o.rule.id not in rules:
            rules[o.rule.id] = rule_fields(o)
        if o.incident.slug not in incidents:
            incidents[o.incident.slug] = [
                incident_fields(o.incident),
                o.incident.started_at.isoformat(),
            ]
    return render_key(
        __version__,
        "deadlines",
        config.digest,
        fingerprint_files(templates),
        report.zone.key,
        report.warn_within,
        report.digest,
        json.dumps([rules, incidents], sort_keys=True, ensure_ascii=False, separators=(",", ":")),
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
