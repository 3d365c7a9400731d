"""The metrics page: incident metrics, targets and inline SVG charts.

One page, ``metrics/index.html``, in the public folder when ``[metrics]
public = true`` (with a link in the site's navigation) and in the private
folder otherwise (the default: MTTR and open action items can be
sensitive). It covers the last ``[metrics] months`` calendar months. A public
page counts public incidents only, so it never reveals a ``public: false``
one; a private page counts every incident. Everything is computed at build
time in one pass over the incidents: no JavaScript, no per-incident pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ..config import ALL_SEVERITIES, MetricTargets, SiteConfig
from ..derive.action_items import ActionItem
from ..derive.metric_targets import MetricsReport
from ..derive.stats import Stats
from ..model import Severity
from . import THEME_DIR, Area, Output, RenderContext
from .charts import (
    Axis,
    HBar,
    LineSeries,
    Reference,
    StackedBar,
    Style,
    hbar_chart,
    line_chart,
    nice_ceiling,
    stacked_bars,
)
from .metrics_key import private_page_key
from .reuse import previous_output
from .stats_report import (
    COMPONENT_HEADER,
    MONTH_HEADER,
    SEVERITY_HEADER,
    SUMMARY_HEADER,
    TARGET_HEADER,
    component_rows,
    duration_text,
    month_rows,
    ratio_text,
    scope_name,
    severity_rows,
    summary_rows,
    target_rows,
    uptime_text,
    window_text,
)

METRICS_PATH = "metrics/index.html"
#: Open action items listed on the page at most (the counts cover them all).
ITEM_LIST_LIMIT = 200

SEVERITY_STYLES = {
    "SEV0": Style("#8e1b1b", pattern="cross"),
    "SEV1": Style("#d1561b", pattern="diagonal"),
    "SEV2": Style("#b7791f", pattern="dots"),
    "SEV3": Style("#6f7f96"),
}
SEVERITY_LABELS = (
    ("SEV0", "SEV0 critical"),
    ("SEV1", "SEV1 major"),
    ("SEV2", "SEV2 minor"),
    ("SEV3", "SEV3 low"),
)
LINE_STYLES = (
    Style("#2f6fd6", marker="circle"),
    Style("#d1561b", dash="6 3", marker="square"),
    Style("#8e1b1b", dash="2 3", marker="diamond"),
    Style("#1f8a4c", dash="8 3 2 3", marker="circle"),
    Style("#6f7f96", dash="1 2", marker="square"),
)


def render_metrics(context: RenderContext) -> Iterator[Output]:
    """The metrics page, in the folder ``[metrics] public`` chooses. The
    private page is reused while its render key is unchanged
    (:func:`private_page_key`)."""
    from .html import HtmlRenderer

    config = context.config
    settings = config.metrics
    key = None if settings.public else private_page_key(context)
    if key is not None:
        previous = previous_output(context.cache, Area.PRIVATE, METRICS_PATH, key)
        if previous is not None:
            yield previous
            return
    page = metrics_page(config, context.private.metrics_report, public=settings.public)
    # (the state only if a template shows it: not derived in the background process)
    renderer = HtmlRenderer(config, context.site, lambda: context.state, context.markdown)
    if settings.public:
        output = renderer.render(
            "metrics.html.j2", METRICS_PATH, title="Incident metrics", metrics=page
        )
        yield Output(Area.PUBLIC, METRICS_PATH, output.data)
    else:
        css = (THEME_DIR / "static" / "clarion.css").read_text(encoding="utf-8")
        output = renderer.render(
            "metrics_private.html.j2",
            METRICS_PATH,
            title="Incident metrics",
            metrics=page,
            review=context.private.review,
            inline_css=Markup(css),
        )
        yield Output(Area.PRIVATE, METRICS_PATH, output.data, key)


# -- the page's content -----------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    id: str
    heading: str
    svg: Markup
    caption: str


@dataclass(frozen=True)
class ItemRow:
    item: ActionItem
    state: str  # "overdue", "open" or "done"
    href: str | None  # the incident's page, when it has a public one

    @property
    def due_text(self) -> str:
        return self.item.due.isoformat() if self.item.due else "no due date"


@dataclass(frozen=True)
class MetricsPage:
    """What ``metrics_body.html.j2`` shows."""

    stats: Stats
    public: bool
    window: str
    counts: str
    targets: tuple[tuple[str, ...], ...]
    summary: tuple[tuple[str, ...], ...]
    severities: tuple[tuple[str, ...], ...]
    components: tuple[tuple[str, ...], ...]
    months: tuple[tuple[str, ...], ...]
    charts: tuple[Chart, ...]
    items: tuple[ItemRow, ...]  # open items, overdue first; at most ITEM_LIST_LIMIT
    items_left_out: int
    headers: dict[str, Sequence[str]]


def metrics_page(config: SiteConfig, report: MetricsReport, *, public: bool) -> MetricsPage:
    names = {c.id: c.name for c in config.components}
    stats, targets = report.stats, report.targets
    scope = stats.overall
    severity_words = ", ".join(f"{scope.by_severity[s]} {s.value}" for s in Severity)
    counts = (
        f"{scope.incidents} incident{'s' if scope.incidents != 1 else ''} "
        f"({severity_words}), {scope.open} still open; "
        f"{scope.action_items.total} action item{'s' if scope.action_items.total != 1 else ''}, "
        f"{scope.overdue_action_items} overdue."
    )
    rows, left_out = _item_rows(config, stats, public=public)
    return MetricsPage(
        stats=stats,
        public=public,
        window=window_text(stats),
        counts=counts,
        targets=tuple(target_rows(report.headline, names)),
        summary=tuple(summary_rows(scope)),
        severities=tuple(severity_rows(scope)),
        components=tuple(component_rows(report, names)),
        months=tuple(month_rows(stats)),
        charts=tuple(_charts(stats, targets, names)),
        items=rows,
        items_left_out=left_out,
        headers={
            "targets": TARGET_HEADER,
            "summary": SUMMARY_HEADER,
            "severities": SEVERITY_HEADER,
            "components": COMPONENT_HEADER,
            "months": MONTH_HEADER,
        },
    )


def _item_rows(
    config: SiteConfig, stats: Stats, *, public: bool
) -> tuple[tuple[ItemRow, ...], int]:
    now, zone = stats.now, stats.zone
    open_items = [i for i in stats.action_items if not i.done]
    open_items.sort(
        key=lambda i: (
            not i.is_overdue(now, zone),
            i.due is None,
            i.due or now.date(),
            i.slug,
            i.body_line,
        )
    )
    rows = []
    for item in open_items[:ITEM_LIST_LIMIT]:
        href = None
        if item.incident.public:
            uri = f"incidents/{item.slug}/"
            href = (
                uri
                if public
                else (config.base_url + uri if config.base_url.startswith("http") else None)
            )
        rows.append(
            ItemRow(item=item, state="overdue" if item.is_overdue(now, zone) else "open", href=href)
        )
    return tuple(rows), max(len(open_items) - ITEM_LIST_LIMIT, 0)


# -- charts -----------------------------------------------------------------------------


def _month_labels(stats: Stats) -> list[tuple[str, str, str]]:
    """(short label, year line, long label) per month: the year under January
    and under the first month."""
    out = []
    for index, month in enumerate(stats.months):
        year = str(month.month.year) if index == 0 or month.month.month == 1 else ""
        out.append((f"{month.month:%b}", year, f"{month.month:%B %Y}"))
    return out


def _charts(stats: Stats, targets: MetricTargets, names: dict[str, str]) -> Iterator[Chart]:
    labels = _month_labels(stats)
    yield Chart(
        "chart-incidents",
        "Incidents per month, by severity",
        Markup(
            stacked_bars(
                "chart-incidents",
                title="Incidents per month, by severity",
                desc="Stacked bars: the number of incidents that "
                "started in each month, split by severity "
                "(SEV0 at the bottom). The number above each bar is the month's total.",
                bars=[
                    StackedBar(short, long, {s.value: m.by_severity[s] for s in Severity}, year)
                    for (short, year, long), m in zip(labels, stats.months, strict=False)
                ],
                series=SEVERITY_LABELS,
                styles=SEVERITY_STYLES,
            )
        ),
        "By the month each incident was declared, in the "
        "site's time zone. Maintenance is not counted.",
    )
    for metric, name, noun in (
        ("mttr", "MTTR", "detected → resolved"),
        ("mtta", "MTTA", "detected → acknowledged"),
    ):
        chart = _trend_chart(stats, targets, metric, name, noun, labels)
        if chart is not None:
            yield chart
    yield _uptime_chart(stats, names)
    yield _mtbf_chart(stats, targets, names)
    yield _action_item_chart(stats, targets, names)


def _trend_chart(
    stats: Stats,
    targets: MetricTargets,
    metric: str,
    name: str,
    noun: str,
    labels: Sequence[tuple[str, str, str]],
) -> Chart | None:
    """The monthly mean of a duration metric for every incident and for each
    severity that has a target, with the targets as reference lines."""
    limits = targets.durations.get(metric, {})
    severities = [Severity(s) for s in sorted(limits) if s != ALL_SEVERITIES]
    series = []
    by_all = [getattr(m, metric).mean for m in stats.months]
    series.append(
        LineSeries(
            "all",
            "All incidents",
            by_all,
            LINE_STYLES[0],
            [
                f"{long}: {name} {duration_text(v)} (all incidents)" if v is not None else ""
                for (_, _, long), v in zip(labels, by_all, strict=False)
            ],
        )
    )
    for index, severity in enumerate(severities, start=1):
        values = [getattr(m, f"{metric}_by_severity")[severity].mean for m in stats.months]
        series.append(
            LineSeries(
                severity.value,
                severity.value,
                values,
                LINE_STYLES[index % len(LINE_STYLES)],
                [
                    f"{long}: {name} {duration_text(v)} ({severity.value})" if v is not None else ""
                    for (_, _, long), v in zip(labels, values, strict=False)
                ],
            )
        )
    if not any(v is not None for s in series for v in s.values):
        return None
    references = [
        Reference(
            limit.total_seconds(),
            f"Target {'all' if sev == ALL_SEVERITIES else sev}: "
            f"≤ {duration_text(limit.total_seconds())}",
        )
        for sev, limit in sorted(limits.items())
    ]
    peak = max(
        [v for s in series for v in s.values if v is not None] + [r.value for r in references]
    )
    unit_seconds, unit = (3600.0, "h") if peak >= 2 * 3600 else (60.0, "min")
    chart_id = f"chart-{metric}"
    title = f"{name} per month ({noun}), mean"
    return Chart(
        chart_id,
        title,
        Markup(
            line_chart(
                chart_id,
                title=title,
                desc=f"Lines: the mean {name} of the incidents that started "
                f"in each month; a gap is a month without a value. "
                + ("Dashed horizontal lines are the targets." if references else ""),
                labels=[(short, year) for short, year, _ in labels],
                series=series,
                unit_seconds=unit_seconds,
                unit_label=unit,
                references=references,
            )
        ),
        "Incidents without both times are left out (n/a); open incidents have no MTTR yet.",
    )


def _uptime_chart(stats: Stats, names: dict[str, str]) -> Chart:
    values = [c.uptime for c in stats.components if c.uptime is not None]
    lowest = min(values, default=1.0)
    low = 0.0
    for floor in (0.999, 0.995, 0.99, 0.98, 0.95, 0.9, 0.8, 0.5):
        if lowest >= floor:
            low = floor
            break
    ticks = [low + (1 - low) * n / 4 for n in range(5)]
    rows = [
        HBar(
            scope_name(c, names),
            None if c.uptime is None else c.uptime * 100,
            uptime_text(c.uptime),
            f"{scope_name(c, names)}: {uptime_text(c.uptime)} uptime",
        )
        for c in stats.components
    ]
    return Chart(
        "chart-uptime",
        "Uptime per component",
        Markup(
            hbar_chart(
                "chart-uptime",
                title="Uptime per component",
                desc=(
                    "Horizontal bars: each component's uptime over the "
                    f"window; the axis starts at {_percent(low * 100)}."
                ),
                rows=rows,
                axis=Axis(low * 100, 100.0, [t * 100 for t in ticks], _percent),
                style=Style("#1f8a4c"),
            )
        ),
        "Statuspage's weighting: a minute of major outage "
        "counts fully as downtime, partial outage as 0.3, "
        "degraded performance and maintenance not at all. The axis does not start at zero.",
    )


def _percent(value: float) -> str:
    """``99.925%``, ``99.9%``, ``100%``: as many decimals as the value needs (up to 3)."""
    return f"{value:.3f}".rstrip("0").rstrip(".") + "%"


def _mtbf_chart(stats: Stats, targets: MetricTargets, names: dict[str, str]) -> Chart:
    day = 86400.0
    target = targets.mtbf.total_seconds() / day if targets.mtbf is not None else None
    values = [c.mtbf.mean / day for c in stats.components if c.mtbf.mean is not None]
    high, step = nice_ceiling(max(values + ([target] if target else []) + [1.0]) * 1.05)
    rows = []
    for c in stats.components:
        mean = c.mtbf.mean
        if mean is None:
            text = "n/a (fewer than 2 incidents)" if c.mtbf.count == 0 else "n/a"
            rows.append(HBar(scope_name(c, names), None, text))
            continue
        meets = None if target is None else mean / day >= target
        gaps = f"{c.mtbf.count} gap{'s' if c.mtbf.count != 1 else ''}"
        rows.append(
            HBar(
                scope_name(c, names),
                mean / day,
                f"{duration_text(mean)} ({gaps})",
                f"{scope_name(c, names)}: MTBF {duration_text(mean)} over {gaps}",
                meets,
            )
        )
    reference = Reference(target, f"Target ≥ {duration_text(target * day)}") if target else None
    return Chart(
        "chart-mtbf",
        "MTBF per component",
        Markup(
            hbar_chart(
                "chart-mtbf",
                title="Mean time between failures per component",
                desc="Horizontal bars: the mean time from one incident's "
                "resolution to the next incident's start on each "
                "component, in days."
                + (" The dashed line is the target; ✓ meets it, ✗ does not." if reference else ""),
                rows=rows,
                axis=Axis(
                    0.0,
                    high,
                    [step * n for n in range(int(round(high / step)) + 1)],
                    lambda v: f"{v:g} d",
                ),
                style=Style("#2f6fd6", pattern="diagonal"),
                reference=reference,
            )
        ),
        "Overlapping incidents count as one failure; a component "
        "needs two incidents in the window for a value.",
    )


def _action_item_chart(stats: Stats, targets: MetricTargets, names: dict[str, str]) -> Chart:
    target = targets.action_item_completion
    rows = []
    for scope in (stats.overall, *stats.components):
        share = scope.action_items
        if scope.component is not None and not share.total:
            continue
        meets = None if target is None or share.ratio is None else share.ratio >= target
        text = (
            f"{share.hits} of {share.total} done ({ratio_text(share.ratio)})"
            if share.total
            else "no action items"
        ) + (f", {scope.overdue_action_items} overdue" if scope.overdue_action_items else "")
        rows.append(
            HBar(
                scope_name(scope, names),
                None if share.ratio is None else share.ratio * 100,
                text,
                meets=meets,
            )
        )
    reference = (
        Reference(target * 100, f"Target {target_text_ratio(target)}")
        if target is not None
        else None
    )
    return Chart(
        "chart-action-items",
        "Action items done",
        Markup(
            hbar_chart(
                "chart-action-items",
                title="Postmortem action items done",
                desc="Horizontal bars: the share of postmortem action "
                "items checked done, for every incident and per "
                "component."
                + (" The dashed line is the target; ✓ meets it, ✗ does not." if reference else ""),
                rows=rows,
                axis=Axis(0.0, 100.0, [0.0, 25.0, 50.0, 75.0, 100.0], lambda v: f"{v:.0f}%"),
                style=Style("#6f4fb8", pattern="dots"),
                reference=reference,
                text_width=230,
            )
        ),
        "Action items are the task list of each Postmortem update "
        "(- [ ] open, - [x] done) of the window's incidents.",
    )


def target_text_ratio(target: float) -> str:
    return f"≥ {ratio_text(target)}"
