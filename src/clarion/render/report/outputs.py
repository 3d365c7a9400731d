"""The private ``deadlines.html``, ``deadlines.json`` and ``deadlines.ics`` of a
build."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import jinja2
from markupsafe import Markup

from ... import __version__
from ...config import SiteConfig
from ...derive.deadline_report import ReportParts
from ...derive.deadlines import DeadlineReport, Obligation
from ...output.cache import fingerprint_files, render_key
from .. import THEME_DIR, Area, Output, RenderContext
from ..ical import deadline_calendar_around, render_deadline_calendar
from ..reuse import previous_output
from ..templates import make_environment
from ..times import local_text, utc_text
from .common import REPORT_HTML, REPORT_ICS, REPORT_JSON, REPORT_TEMPLATE, _state_text, summary_line
from .data import _dumps, report_data
from .rows import ROW_TEMPLATE, Row, report_rows, rows_base

# -- private build outputs ------------------------------------------------------------


def render_deadlines(context: RenderContext) -> Iterator[Output]:
    """``deadlines.html``, ``deadlines.json`` and ``deadlines.ics``, private:
    the rows ``clarion check`` shows at the build's ``now``, every one of them
    (the calendar holds only the items that still ask for a date, see
    :func:`clarion.render.ical.render_deadline_calendar`). With the kept rows
    of the last build (:mod:`clarion.render.report.rows`), only the rows of
    incidents that changed are rendered."""
    config = context.config
    templates = _templates_fingerprint(config)
    parts = context.private.deadline_parts
    key = _report_key(config, parts, templates)
    previous = [
        previous_output(context.cache if key else None, Area.PRIVATE, path, key or "")
        for path in (REPORT_JSON, REPORT_HTML, REPORT_ICS)
    ]
    if all(output is not None for output in previous):
        yield from (output for output in previous if output is not None)
        return
    report = context.private.deadlines
    shown = parts.shown if parts is not None else {}
    rows = _kept_rows(context, report, templates, shown)
    del shown
    if rows is None:
        yield from _whole(config, report, key)
        return
    items = [rows[o.key].json for o in report.obligations]
    json_file = _dumps(report_data(report, stable=True, items=items)).encode("utf-8")
    del items
    yield Output(Area.PRIVATE, REPORT_JSON, json_file, key)
    del json_file
    html = render_html(report, config, rows)
    yield Output(Area.PRIVATE, REPORT_HTML, html.encode("utf-8"), key)
    del html
    around = deadline_calendar_around(config.title)
    events = [row.event for o in report.obligations if (row := rows[o.key]).event is not None]
    if around is None or not events:
        calendar = render_deadline_calendar(report, title=config.title, base_url=config.base_url)
    else:
        calendar = around[0] + "".join(events).encode("utf-8") + around[1]
    yield Output(Area.PRIVATE, REPORT_ICS, calendar, key)


def _whole(config: SiteConfig, report: DeadlineReport, key: str | None) -> Iterator[Output]:
    """The three files rendered whole, from every item."""
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


def _kept_rows(
    context: RenderContext, report: DeadlineReport, templates: str, shown: Mapping[str, str]
) -> dict[str, Row] | None:
    """Every item's row, from the rows the last build kept (``None``: no
    rows are kept in this build, which renders the files whole)."""
    kept, reuse = context.kept_rows, context.private.reuse
    if kept is None or reuse is None or not report.parts:
        return None
    config = context.config
    own = _own_templates(config)
    base = rows_base(reuse.rules, report, templates, html=not own)
    row_html = None if own else _row_html(report, config)
    return report_rows(report, config, row_html, kept, context.made_rows, base, shown)


def _templates_fingerprint(config: SiteConfig) -> str:
    templates = [p for p in THEME_DIR.rglob("*") if p.is_file()]
    if config.templates_dir.is_dir():
        templates += [p for p in config.templates_dir.rglob("*") if p.is_file()]
    return fingerprint_files(templates)


def _report_key(config: SiteConfig, parts: ReportParts | None, templates: str) -> str | None:
    """Everything the three files show: the digest of every incident's part
    (every field of every item and of the lint, and what the items show of
    their incident, with its start, by which items are sorted:
    :attr:`~clarion.derive.deadline_report.ReportParts.digest`), the rules
    (in the digest of what every part shares, with Clarion's code and the
    site's settings), the zone and the templates. Unchanged, the previous
    build's files are reused without reading a kept part: an edit that
    changes no deadline (a reworded update) does not render the report
    again. ``None`` (always rendered) without kept parts, and when the site
    overrides the report's templates, which may show anything of the report,
    the clock included (the theme's show only what the data holds)."""
    if parts is None or _own_templates(config):
        return None
    return render_key(
        __version__,
        "deadlines",
        config.digest,
        templates,
        parts.zone.key,
        parts.rules,
        parts.digest,
    )


def _own_templates(config: SiteConfig) -> bool:
    """Whether the site overrides the report's page or its rows."""
    return any((config.templates_dir / name).is_file() for name in (REPORT_TEMPLATE, ROW_TEMPLATE))


def render_html(
    report: DeadlineReport, config: SiteConfig, rows: Mapping[str, Row] | None = None
) -> str:
    """The theme's ``deadlines.html.j2`` (a site's ``templates/`` may override
    it): the table, the lint, the summary. Nothing on it changes with the
    clock alone (``clarion check`` shows the time left). ``rows``: items'
    rows already rendered (:mod:`clarion.render.report.rows`), by key."""
    env = make_environment(config.templates_dir, config.timezone)
    render_row = _row_html(report, config, env)

    def row(o: Obligation) -> str:
        found = rows.get(o.key) if rows is not None else None
        return found.html if found is not None and found.html is not None else render_row(o)

    return env.get_template(REPORT_TEMPLATE).render(
        site=config,
        report=report,
        summary=summary_line(report),
        rows=_AllRows(report, row),
        row=lambda o: Markup(row(o)),
        **_helpers(report),
    )


class _AllRows:
    """Every item's row, one a line, in the report's order: HTML, made when
    the page shows it (a site's own page may not)."""

    def __init__(self, report: DeadlineReport, row: Callable[[Obligation], str]) -> None:
        self._report = report
        self._row = row

    def __html__(self) -> str:
        lines = [self._row(o) for o in self._report.obligations]
        return "\n".join(lines) + "\n" if lines else ""


def _helpers(report: DeadlineReport) -> dict[str, Callable[..., str | None]]:
    return {
        "state_text": lambda o: _state_text(report, o),
        "utc_text": utc_text,
        "local_text": lambda moment: local_text(moment, report.zone),
    }


def _row_html(
    report: DeadlineReport, config: SiteConfig, env: jinja2.Environment | None = None
) -> Callable[[Obligation], Markup]:
    """One item's row: ``deadline_row.html.j2``'s macro with the page's helpers."""
    env = env or make_environment(config.templates_dir, config.timezone)
    macro = env.get_template(ROW_TEMPLATE).module.deadline_row  # type: ignore[attr-defined]
    helpers = _helpers(report)
    state_text, utc, local = helpers["state_text"], helpers["utc_text"], helpers["local_text"]

    def render(o: Obligation) -> Markup:
        html: Markup = macro(o, state_text, utc, local)
        return html

    return render
