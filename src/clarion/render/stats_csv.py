"""``clarion stats --format csv``: one row per scope, severity and metric (long
format), durations in seconds, shares as ratios from 0 to 1."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..config import ALL_SEVERITIES
from ..derive.incident_facts import DURATION_METRICS, SEVERITIES, Durations
from ..derive.metric_targets import MetricsReport, TargetResult
from ..derive.monthly_stats import MonthStats
from ..derive.scope_stats import ScopeStats

if TYPE_CHECKING:
    pass


CSV_HEADER = (
    "scope", "severity", "metric", "count", "missing",
    "mean_seconds", "median_seconds", "p90_seconds", "ratio", "target", "meets",
)  # fmt: skip
#: The cells of a row without a target.
NO_TARGET = ("", "")


def _csv_number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return ""
    rounded = round(value, digits)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def _row(
    scope: str,
    severity: str,
    metric: str,
    count: object = "",
    missing: object = "",
    *,
    values: Durations | None = None,
    ratio: str = "",
    target: Sequence[str] = NO_TARGET,
) -> list[object]:
    """One CSV row: the duration cells from ``values`` (empty without)."""
    durations = (
        ["", "", ""]
        if values is None
        else [_csv_number(values.mean), _csv_number(values.median), _csv_number(values.p90)]
    )
    return [scope, severity, metric, count, missing, *durations, ratio, *target]


def render_csv(report: MetricsReport) -> str:
    """One row per scope, severity and metric (long format): ``scope`` is
    ``all``, a component id or ``month:YYYY-MM``; ``severity`` is ``all`` or
    ``SEV0``-``SEV3``. Durations in seconds, shares as ratios from 0 to 1."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    stats = report.stats
    scopes = zip(
        (stats.overall, *stats.components),
        (report.overall_targets, *report.component_targets),
        strict=True,
    )
    for scope, results in scopes:
        writer.writerows(_scope_rows(scope, results))
    for month in stats.months:
        writer.writerows(_month_rows(month))
    return out.getvalue()


def _scope_rows(scope: ScopeStats, results: Sequence[TargetResult]) -> list[list[object]]:
    """Every metric of one scope (all incidents, or a component), with its
    target as the derive pass evaluated it (``results``)."""
    name = scope.component or "all"
    found = {(t.metric, t.severity or ALL_SEVERITIES): t for t in results}

    def target(metric: str, severity: str = ALL_SEVERITIES) -> Sequence[str]:
        result = found.get((metric, severity))
        if result is None:
            return NO_TARGET
        meets = "" if result.meets is None else str(result.meets).lower()
        return (_csv_number(result.target, 4), meets)

    rows = [
        _row(name, ALL_SEVERITIES, "incidents", scope.incidents),
        _row(name, ALL_SEVERITIES, "open_incidents", scope.open),
    ]
    rows += [_row(name, s.value, "incidents", scope.by_severity[s]) for s in SEVERITIES]
    for metric, _ in DURATION_METRICS:
        split = [(ALL_SEVERITIES, scope.durations[metric])]
        split += [(s.value, scope.durations_by_severity[metric][s]) for s in SEVERITIES]
        for severity, values in split:
            rows.append(
                _row(
                    name, severity, metric, values.count, values.missing,
                    values=values, target=target(metric, severity),
                )
            )  # fmt: skip
    mtbf, pm, items = scope.mtbf, scope.postmortems, scope.action_items
    rows += [
        _row(name, ALL_SEVERITIES, "mtbf", mtbf.count, values=mtbf, target=target("mtbf")),
        _row(
            name, ALL_SEVERITIES, "postmortem_share", pm.total, pm.pending,
            ratio=_csv_number(pm.ratio, 4), target=target("postmortem_share"),
        ),
        _row(
            name, ALL_SEVERITIES, "action_item_completion", items.total,
            ratio=_csv_number(items.ratio, 4), target=target("action_item_completion"),
        ),
        _row(name, ALL_SEVERITIES, "overdue_action_items", scope.overdue_action_items),
    ]  # fmt: skip
    if scope.component is not None:
        rows.append(_row(name, ALL_SEVERITIES, "uptime", ratio=_csv_number(scope.uptime, 6)))
    return rows


def _month_rows(month: MonthStats) -> list[list[object]]:
    """The incidents of one month by severity, and its MTTA and MTTR."""
    label = f"month:{month.month:%Y-%m}"
    rows = [_row(label, ALL_SEVERITIES, "incidents", month.total)]
    rows += [_row(label, s.value, "incidents", month.by_severity[s]) for s in SEVERITIES]
    for metric, values in (("mtta", month.mtta), ("mttr", month.mttr)):
        rows.append(
            _row(label, ALL_SEVERITIES, metric, values.count, values.missing, values=values)
        )
    return rows
