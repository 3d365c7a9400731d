"""The private ``deadlines.html``, ``deadlines.json`` and ``deadlines.ics`` of a
build."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import jinja2
from markupsafe import Markup

from ... import __version__
from ...config import SiteConfig
from ...core.stretch import Piece
from ...derive.deadline_report import ReportParts
from ...derive.deadlines import DeadlineReport, Obligation, ObligationState
from ...output.cache import fingerprint_files, render_key
from .. import THEME_DIR, Area, Output, RenderContext
from ..ical import (
    calendar_host,
    deadline_calendar_around,
    icalendar_version,
    render_deadline_calendar,
)
from ..reuse import previous_output
from ..templates import make_environment
from ..times import local_text, utc_text
from .common import REPORT_HTML, REPORT_ICS, REPORT_JSON, REPORT_TEMPLATE, _state_text, summary_line
from .data import Written, _dumps, report_data
from .rows import ROW_TEMPLATE, Row, part_key, render_row, rows_base
from .splice import (
    FILES,
    MARK,
    CountedReport,
    Frame,
    Places,
    frames,
    full_plan,
    places_of,
    plan,
    previous_files,
    previous_frames,
    read_places,
    spliced,
)

# -- private build outputs ------------------------------------------------------------


def render_deadlines(context: RenderContext) -> Iterator[Output]:
    """``deadlines.html``, ``deadlines.json`` and ``deadlines.ics``, private:
    the rows ``clarion check`` shows at the build's ``now``, every one of them
    (the calendar holds only the items that still ask for a date, see
    :func:`clarion.render.ical.render_deadline_calendar`). With the places
    the last build kept (:mod:`clarion.render.report.splice`), only the rows
    of incidents that changed are rendered: the others are copied from the
    last build's files."""
    config = context.config
    templates = _templates_fingerprint(config)
    parts = context.private.deadline_parts
    key = _report_key(parts, templates, config)
    own = _own_templates(config)
    keys = (key, None if own else key, key)
    previous = [
        previous_output(context.cache if k else None, Area.PRIVATE, path, k or "")
        for path, k in zip(FILES, keys, strict=True)
    ]
    if all(output is not None for output in previous):
        yield from (output for output in previous if output is not None)
        return
    made = _spliced(context, templates, key, own)
    if made is None:
        yield from _whole(config, context.private.deadlines, keys)
        return
    files, places = made
    for path, k in zip(FILES, keys, strict=True):
        yield Output(Area.PRIVATE, path, b"", k, pieces=files.pop(path))
    if context.kept_rows is not None:
        context.places.append(places)  # kept once the private files are made


def _whole(
    config: SiteConfig, report: DeadlineReport, keys: tuple[str | None, ...]
) -> Iterator[Output]:
    """The three files rendered whole, from every item."""
    data = report_data(report, stable=True)
    json_file = Output(Area.PRIVATE, REPORT_JSON, _dumps(data).encode("utf-8"), keys[0])
    del data  # every item as plain data: let go before the HTML and calendar render
    yield json_file
    del json_file
    html = render_html(report, config).encode("utf-8")
    yield Output(Area.PRIVATE, REPORT_HTML, html, keys[1])
    yield Output(
        Area.PRIVATE,
        REPORT_ICS,
        render_deadline_calendar(report, title=config.title, base_url=config.base_url),
        keys[2],
    )


def _spliced(
    context: RenderContext, templates: str, key: str | None, own: bool
) -> tuple[dict[str, tuple[Piece, ...]], Places] | None:
    """The three files from the last build's where its places say their
    items are, as the pieces that make them up (the frame around the items,
    and the stretch of a temporary file the runs of the last build's files
    and the rows rendered now were written to: no file is held whole), and
    the places of this build's (``None``: no places are
    kept in this build, which renders the files whole). With the theme's
    templates, the report's order comes from the last build's too
    (:func:`~clarion.render.report.splice.plan`): only the parts of the
    incidents that changed are read."""
    config, kept = context.config, context.kept_rows
    reuse, parts = context.private.reuse, context.private.deadline_parts
    around = deadline_calendar_around(config.title)
    if kept is None or reuse is None or parts is None or key is None or around is None:
        return None
    base = rows_base(reuse.rules, parts.now, parts.zone, None, templates, html=not own)
    places = read_places(kept.path)
    rows_keys = _rows_keys(parts, base, places)
    if not rows_keys:
        return None
    names = (REPORT_JSON, REPORT_ICS) if own else FILES
    previous = previous_files(context.cache, places, names)
    places = places if previous is not None else None
    report: DeadlineReport | None = None
    framed: dict[str, Frame] | None = None
    made_plan = plan(parts, places, rows_keys) if places is not None and not own else None
    if made_plan is not None and places is not None and previous is not None:
        frames_key = _frames_key(config, parts, templates, made_plan.counts)
        if places.frames == frames_key:  # the counts and the lint are the last build's
            framed = previous_frames(places, previous, around)
        lint = parts.lint() if framed is None else ()
        if lint is not None:
            report = CountedReport(parts.now, parts.zone, (), lint, counted=made_plan.counts)
    if report is None:
        report = context.private.deadlines
        made_plan = full_plan(report, places, rows_keys)
        frames_key = _frames_key(config, parts, templates, report.counts)
    assert made_plan is not None
    host = calendar_host(config.base_url)
    row_html = None if own else _row_html(report, config)
    order = made_plan.order
    made = spliced(order, places, previous, lambda o: render_row(o, report, host, row_html), names)
    del previous
    if made is None:
        return None
    items, offsets = made
    if framed is None:
        json_text = _dumps(report_data(report, stable=True, items=[Written(MARK)]))
        page = render_html(report, config, all_rows=MARK)
        framed = frames(json_text, page, around)
        if framed is None:
            return None
    files: dict[str, tuple[Piece, ...]] = {}
    for name in names:
        frame = framed[name]
        files[name] = (frame.before, *items.pop(name), frame.after)
    if own:
        files[REPORT_HTML] = (render_html(context.private.deadlines, config).encode("utf-8"),)
    if not any(x >= 0 for x in offsets[REPORT_ICS]):  # no events: icalendar's own empty calendar
        calendar = render_deadline_calendar(report, title=config.title, base_url=config.base_url)
        files[REPORT_ICS] = (calendar,)
    before = {name: len(framed[name].before) for name in names}
    sizes = {name: sum(len(piece) for piece in data) for name, data in files.items()}
    made_places = places_of(
        order, places, key, before, offsets, sizes, rows_keys, frames_key, base, parts.inputs
    )
    return files, made_places


def _rows_keys(parts: ReportParts, base: str, places: Places | None) -> dict[str, str]:
    """The rows key of every incident with items, by slug: the last build's
    where the part's inputs and what every row shares are the same, else
    made (:func:`~clarion.render.report.rows.part_key`)."""
    known: dict[str, str] = {}
    inputs: dict[str, str] = {}
    if places is not None and places.base == base:
        known, inputs = places.parts, places.inputs
    keys: dict[str, str] = {}
    for slug, part in parts.parts.items():
        if not part.has_items:
            continue
        found = parts.inputs.get(slug)
        same = found is not None and inputs.get(slug) == found and slug in known
        keys[slug] = known[slug] if same else part_key(base, part.shown, part.mark)
    return keys


def _frames_key(
    config: SiteConfig, parts: ReportParts, templates: str, counts: Mapping[ObligationState, int]
) -> str:
    """Everything the files show around their items: the counts, the lint
    (:attr:`~clarion.derive.deadline_report.ReportParts.lint_digest`), the
    zone, the settings, the rules, the templates and icalendar's version."""
    return render_key(
        __version__,
        "deadline-frames",
        icalendar_version(),
        config.digest,
        templates,
        parts.zone.key,
        parts.rules,
        parts.lint_digest,
        [(state.value, count) for state, count in counts.items()],
    )


def _templates_fingerprint(config: SiteConfig) -> str:
    templates = [p for p in THEME_DIR.rglob("*") if p.is_file()]
    if config.templates_dir.is_dir():
        templates += [p for p in config.templates_dir.rglob("*") if p.is_file()]
    return fingerprint_files(templates)


def _report_key(parts: ReportParts | None, templates: str, config: SiteConfig) -> str | None:
    """Everything the three files show: the digest of every incident's part
    (every field of every item and of the lint, and what the items show of
    their incident, with its start, by which items are sorted:
    :attr:`~clarion.derive.deadline_report.ReportParts.digest`), the rules
    (in the digest of what every part shares, with Clarion's code and the
    site's settings), the zone and the templates. Unchanged, the previous
    build's files are reused without reading a kept part: an edit that
    changes no deadline (a reworded update) does not render the report
    again. ``None`` (always rendered) without kept parts. A site that
    overrides the report's templates gets its HTML rendered every time (they
    may show anything of the report, the clock included; the theme's show
    only what the data holds): :func:`render_deadlines` gives that file no key."""
    if parts is None:
        return None
    return render_key(
        __version__,
        "deadlines",
        icalendar_version(),
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
    report: DeadlineReport,
    config: SiteConfig,
    rows: Mapping[str, Row] | None = None,
    all_rows: str | None = None,
) -> str:
    """The theme's ``deadlines.html.j2`` (a site's ``templates/`` may override
    it): the table, the lint, the summary. Nothing on it changes with the
    clock alone (``clarion check`` shows the time left). ``rows``: items'
    rows already rendered (:mod:`clarion.render.report.rows`), by key;
    ``all_rows``: the text to put in the place of every row instead."""
    env = make_environment(config.templates_dir, config.timezone)
    render_row = _row_html(report, config, env)

    def row(o: Obligation) -> str:
        found = rows.get(o.key) if rows is not None else None
        return found.html if found is not None and found.html is not None else render_row(o)

    return env.get_template(REPORT_TEMPLATE).render(
        site=config,
        report=report,
        summary=summary_line(report),
        rows=_AllRows(report, row) if all_rows is None else Markup(all_rows),
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
