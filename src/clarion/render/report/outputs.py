"""The private ``deadlines.html``, ``deadlines.json`` and ``deadlines.ics`` of a
build."""

from __future__ import annotations

from collections.abc import Iterator

from ...config import SiteConfig
from ...derive.deadlines import DeadlineReport
from .. import Area, Output, RenderContext
from ..ical import render_deadline_calendar
from ..templates import make_environment
from ..times import local_text, utc_text
from .common import REPORT_HTML, REPORT_ICS, REPORT_JSON, REPORT_TEMPLATE, _state_text, summary_line
from .data import render_json

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
