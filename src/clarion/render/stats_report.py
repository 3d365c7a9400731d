"""``clarion stats`` in every shape: a plain or rich table for people, JSON
and CSV for machines, and the text forms the metrics page shares.

Pure: each function takes :class:`~clarion.derive.stats.Stats` (and the
site's targets) and returns text. Durations in JSON and CSV are seconds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..config import ALL_SEVERITIES, MetricTargets
from ..derive.incident_facts import DURATION_METRICS, SEVERITIES, Durations, Share
from ..derive.metric_targets import TargetResult, evaluate_targets, headline_targets
from ..derive.scope_stats import ScopeStats
from ..derive.stats import Stats

if TYPE_CHECKING:
    from rich.console import Console

NA = "n/a"


# -- words and numbers ------------------------------------------------------------------


def duration_text(seconds: float | None) -> str:
    """``45 s``, ``4 min 30 s``, ``38 min``, ``2 h 35 min``, ``31 d 4 h``; ``n/a``."""
    if seconds is None:
        return NA
    total = int(round(seconds))
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 10:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def ratio_text(ratio: float | None, digits: int = 0) -> str:
    if ratio is None:
        return NA
    return f"{ratio * 100:.{digits}f}%"


def uptime_text(ratio: float | None) -> str:
    """Three decimals, ``100%`` only when nothing was lost."""
    if ratio is None:
        return NA
    if ratio >= 1:
        return "100%"
    return f"{min(ratio * 100, 99.999):.3f}%"


def share_text(share: Share, noun: str = "") -> str:
    """``3 of 4 (75%)``; ``n/a`` when there is nothing to count."""
    if not share.total:
        return NA + (f" ({share.pending} pending)" if share.pending else "")
    text = f"{share.hits} of {share.total}{noun} ({ratio_text(share.ratio)})"
    return text + (f", {share.pending} pending" if share.pending else "")


def target_text(result: TargetResult) -> str:
    """``≤ 5 min``, ``≥ 30 d``, ``≥ 90%``."""
    if result.kind == "min_ratio":
        return f"≥ {ratio_text(result.target)}"
    sign = "≤" if result.kind == "max_seconds" else "≥"
    return f"{sign} {duration_text(result.target)}"


def value_text(result: TargetResult) -> str:
    return ratio_text(result.value) if result.kind == "min_ratio" else duration_text(result.value)


def status_text(meets: bool | None) -> str:
    return {True: "met", False: "missed", None: "no data"}[meets]


def _utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_text(stats: Stats) -> str:
    """``from 2026-01-01 00:00 to 2026-11-27 13:00 (Europe/Berlin)``."""
    zone = stats.zone
    end = stats.until.astimezone(zone)
    if stats.start is None:
        return f"no incidents before {end:%Y-%m-%d %H:%M} ({zone.key})"
    return (
        f"from {stats.start.astimezone(zone):%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({zone.key})"
    )


def scope_name(scope: ScopeStats, names: Mapping[str, str]) -> str:
    return (
        "All incidents" if scope.component is None else names.get(scope.component, scope.component)
    )


# -- rows shared by the text, rich and HTML tables ----------------------------------------


SUMMARY_HEADER = ("Metric", "n", "n/a", "Mean", "Median", "P90")


def _duration_row(label: str, values: Durations) -> tuple[str, ...]:
    return (
        label,
        str(values.count),
        str(values.missing),
        duration_text(values.mean),
        duration_text(values.median),
        duration_text(values.p90),
    )


def summary_rows(scope: ScopeStats) -> list[tuple[str, ...]]:
    """One row per metric of a scope: the durations, MTBF and the two shares."""
    rows = [_duration_row(label, scope.durations[name]) for name, label in DURATION_METRICS]
    mtbf_label = (
        "MTBF (resolved → next start)"
        if scope.component is not None
        else "MTBF (any component: resolved → next start)"
    )
    rows.append(_duration_row(mtbf_label, scope.mtbf))
    pm = scope.postmortems
    pending = f" ({pm.pending} pending)" if pm.pending else ""
    rows.append(
        (
            f"SEV0/SEV1 with a postmortem in time{pending}",
            str(pm.total),
            "",
            ratio_text(pm.ratio),
            "",
            "",
        )
    )
    items = scope.action_items
    rows.append(("Action items done", str(items.total), "", ratio_text(items.ratio), "", ""))
    return rows


SEVERITY_HEADER = ("Severity", "Incidents", "MTTA", "Time to declare", "First update", "MTTR")


def severity_rows(scope: ScopeStats) -> list[tuple[str, ...]]:
    rows = []
    for severity in SEVERITIES:
        rows.append(
            (
                severity.value,
                str(scope.by_severity[severity]),
                *(
                    duration_text(scope.durations_by_severity[name][severity].mean)
                    for name, _ in DURATION_METRICS
                ),
            )
        )
    return rows


COMPONENT_HEADER = (
    "Component",
    "Incidents",
    "Open",
    "MTTA",
    "MTTR",
    "MTBF",
    "Uptime",
    "Action items",
    "Overdue",
)


def component_rows(
    stats: Stats, names: Mapping[str, str], targets: MetricTargets | None = None
) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for scope in stats.components:
        mtbf = duration_text(scope.mtbf.mean)
        if targets is not None and targets.mtbf is not None and scope.mtbf.mean is not None:
            mtbf += " ✓" if scope.mtbf.mean >= targets.mtbf.total_seconds() else " ✗"
        rows.append(
            (
                scope_name(scope, names),
                str(scope.incidents),
                str(scope.open),
                duration_text(scope.durations["mtta"].mean),
                duration_text(scope.durations["mttr"].mean),
                mtbf,
                uptime_text(scope.uptime),
                share_text(scope.action_items),
                str(scope.overdue_action_items),
            )
        )
    return rows


MONTH_HEADER = ("Month", *(s.value for s in SEVERITIES), "Total", "MTTA", "MTTR")


def month_rows(stats: Stats) -> list[tuple[str, ...]]:
    return [
        (
            f"{m.month:%Y-%m}",
            *(str(m.by_severity[s]) for s in SEVERITIES),
            str(m.total),
            duration_text(m.mtta.mean),
            duration_text(m.mttr.mean),
        )
        for m in stats.months
    ]


TARGET_HEADER = ("Target", "Value", "Goal", "Status", "Based on")


def target_rows(results: Sequence[TargetResult], names: Mapping[str, str]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for result in results:
        based = f"{result.count} incident{'s' if result.count != 1 else ''}"
        if result.metric == "mtbf":
            based = f"{result.count} gap{'s' if result.count != 1 else ''}"
            if result.meeting is not None and result.component is not None:
                based = f"lowest: {names.get(result.component, result.component)}; {result.meeting} of {result.count} components meet it"
            elif result.meeting is None and result.count == 0:
                based = "no component has two incidents"
        elif result.metric == "action_item_completion":
            based = f"{result.count} item{'s' if result.count != 1 else ''}"
        elif result.metric == "postmortem_share":
            based = f"{result.count} SEV0/SEV1 incident{'s' if result.count != 1 else ''}"
        rows.append(
            (
                result.label,
                value_text(result),
                target_text(result),
                status_text(result.meets),
                based,
            )
        )
    return rows


# -- plain text -------------------------------------------------------------------------


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
    return f"{scope.incidents} {noun} ({parts}); {scope.open} open; {overdue} action item{'' if overdue == 1 else 's'} overdue."


def render_text(stats: Stats, targets: MetricTargets, names: Mapping[str, str]) -> str:
    lines = [_heading(stats, names), _counts_line(stats.overall), ""]
    lines += [
        "Targets",
        *_table(TARGET_HEADER, target_rows(headline_targets(stats, targets), names)),
        "",
    ]
    lines += ["Summary", *_table(SUMMARY_HEADER, summary_rows(stats.overall)), ""]
    lines += ["By severity (means)", *_table(SEVERITY_HEADER, severity_rows(stats.overall)), ""]
    lines += [
        "By component (means)",
        *_table(COMPONENT_HEADER, component_rows(stats, names, targets)),
        "",
    ]
    lines += ["By month", *_table(MONTH_HEADER, month_rows(stats))]
    lines += [
        "",
        "n/a: a time was not recorded (or the incident is still open, for MTTR). `clarion stats --format json` for every number.",
    ]
    return "\n".join(lines) + "\n"


def print_rich(
    stats: Stats, targets: MetricTargets, names: Mapping[str, str], console: Console
) -> None:
    """The same tables for a terminal, with colour for the target status."""
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
        target_rows(headline_targets(stats, targets), names),
        status_column=3,
    )
    table("Summary", SUMMARY_HEADER, summary_rows(stats.overall))
    table("By severity (means)", SEVERITY_HEADER, severity_rows(stats.overall))
    table("By component (means)", COMPONENT_HEADER, component_rows(stats, names, targets))
    table("By month", MONTH_HEADER, month_rows(stats))
    console.print(
        "n/a: a time was not recorded (or the incident is still open, for MTTR).",
        style="dim",
        markup=False,
        highlight=False,
    )


# -- JSON -------------------------------------------------------------------------------


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def durations_data(values: Durations) -> dict[str, object]:
    return {
        "count": values.count,
        "missing": values.missing,
        "mean_seconds": _round(values.mean),
        "median_seconds": _round(values.median),
        "p90_seconds": _round(values.p90),
    }


def scope_data(scope: ScopeStats, names: Mapping[str, str]) -> dict[str, object]:
    return {
        "component": scope.component,
        "name": scope_name(scope, names),
        "incidents": scope.incidents,
        "open": scope.open,
        "by_severity": {s.value: scope.by_severity[s] for s in SEVERITIES},
        **{name: durations_data(scope.durations[name]) for name, _ in DURATION_METRICS},
        "by_severity_durations": {
            name: {
                s.value: durations_data(scope.durations_by_severity[name][s]) for s in SEVERITIES
            }
            for name, _ in DURATION_METRICS
        },
        "mtbf": durations_data(scope.mtbf),
        "postmortems": {
            "in_time": scope.postmortems.hits,
            "total": scope.postmortems.total,
            "pending": scope.postmortems.pending,
            "ratio": _round(scope.postmortems.ratio, 4),
        },
        "action_items": {
            "done": scope.action_items.hits,
            "total": scope.action_items.total,
            "ratio": _round(scope.action_items.ratio, 4),
            "overdue": scope.overdue_action_items,
        },
        "uptime": _round(scope.uptime, 6),
    }


def target_data(result: TargetResult) -> dict[str, object]:
    return {
        "metric": result.metric,
        "severity": result.severity,
        "kind": result.kind,
        "target": result.target,
        "value": _round(result.value, 4 if result.kind == "min_ratio" else 1),
        "count": result.count,
        "meets": result.meets,
        "lowest_component": result.component,
        "components_meeting": result.meeting,
    }


def stats_data(stats: Stats, targets: MetricTargets, names: Mapping[str, str]) -> dict[str, object]:
    zone = stats.zone
    return {
        "window": {
            "since": _utc(stats.since),
            "until": _utc(stats.until),
            "start": _utc(stats.start),
            "timezone": zone.key,
            "now": _utc(stats.now),
            "include_private": stats.include_private,
            "postmortem_within_seconds": int(stats.postmortem_within.total_seconds()),
        },
        "overall": scope_data(stats.overall, names),
        "components": [scope_data(c, names) for c in stats.components],
        "months": [
            {
                "month": f"{m.month:%Y-%m}",
                "by_severity": {s.value: m.by_severity[s] for s in SEVERITIES},
                "total": m.total,
                "mtta": durations_data(m.mtta),
                "mttr": durations_data(m.mttr),
            }
            for m in stats.months
        ],
        "targets": [target_data(t) for t in headline_targets(stats, targets)],
        "action_items": [
            {
                "incident": item.slug,
                "text": item.text,
                "done": item.done,
                "owner": item.owner,
                "due": item.due.isoformat() if item.due else None,
                "done_on": item.done_on.isoformat() if item.done_on else None,
                "overdue": item.is_overdue(stats.now, zone),
            }
            for item in stats.action_items
        ],
    }


def render_json(stats: Stats, targets: MetricTargets, names: Mapping[str, str]) -> str:
    return (
        json.dumps(stats_data(stats, targets, names), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )


# -- CSV --------------------------------------------------------------------------------

CSV_HEADER = (
    "scope", "severity", "metric", "count", "missing",
    "mean_seconds", "median_seconds", "p90_seconds", "ratio", "target", "meets",
)  # fmt: skip


def _csv_number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return ""
    rounded = round(value, digits)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def render_csv(stats: Stats, targets: MetricTargets) -> str:
    """One row per scope, severity and metric (long format): ``scope`` is
    ``all``, a component id or ``month:YYYY-MM``; ``severity`` is ``all`` or
    ``SEV0``-``SEV3``. Durations in seconds, shares as ratios from 0 to 1."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for scope in (stats.overall, *stats.components):
        name = scope.component or "all"
        found = {
            (t.metric, t.severity or ALL_SEVERITIES): t for t in evaluate_targets(scope, targets)
        }

        def target_cells(
            metric: str, severity: str, found: dict[tuple[str, str], Any] = found
        ) -> list[str]:
            result = found.get((metric, severity))
            if result is None:
                return ["", ""]
            meets = "" if result.meets is None else str(result.meets).lower()
            return [_csv_number(result.target, 4), meets]

        writer.writerow(
            [name, ALL_SEVERITIES, "incidents", scope.incidents, "", "", "", "", "", "", ""]
        )
        writer.writerow(
            [name, ALL_SEVERITIES, "open_incidents", scope.open, "", "", "", "", "", "", ""]
        )
        for level in SEVERITIES:
            writer.writerow(
                [
                    name,
                    level.value,
                    "incidents",
                    scope.by_severity[level],
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        for metric, _ in DURATION_METRICS:
            split = [(ALL_SEVERITIES, scope.durations[metric])]
            split += [(s.value, scope.durations_by_severity[metric][s]) for s in SEVERITIES]
            for severity, values in split:
                writer.writerow([
                    name, severity, metric, values.count, values.missing,
                    _csv_number(values.mean), _csv_number(values.median), _csv_number(values.p90), "",
                    *target_cells(metric, severity),
                ])  # fmt: skip
        mtbf = scope.mtbf
        writer.writerow([
            name, ALL_SEVERITIES, "mtbf", mtbf.count, "",
            _csv_number(mtbf.mean), _csv_number(mtbf.median), _csv_number(mtbf.p90), "",
            *target_cells("mtbf", ALL_SEVERITIES),
        ])  # fmt: skip
        pm, items = scope.postmortems, scope.action_items
        writer.writerow(
            [
                name,
                ALL_SEVERITIES,
                "postmortem_share",
                pm.total,
                pm.pending,
                "",
                "",
                "",
                _csv_number(pm.ratio, 4),
                *target_cells("postmortem_share", ALL_SEVERITIES),
            ]
        )
        writer.writerow(
            [
                name,
                ALL_SEVERITIES,
                "action_item_completion",
                items.total,
                "",
                "",
                "",
                "",
                _csv_number(items.ratio, 4),
                *target_cells("action_item_completion", ALL_SEVERITIES),
            ]
        )
        writer.writerow(
            [
                name,
                ALL_SEVERITIES,
                "overdue_action_items",
                scope.overdue_action_items,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
        if scope.component is not None:
            writer.writerow(
                [
                    name,
                    ALL_SEVERITIES,
                    "uptime",
                    "",
                    "",
                    "",
                    "",
                    "",
                    _csv_number(scope.uptime, 6),
                    "",
                    "",
                ]
            )
    for month in stats.months:
        label = f"month:{month.month:%Y-%m}"
        writer.writerow(
            [label, ALL_SEVERITIES, "incidents", month.total, "", "", "", "", "", "", ""]
        )
        for level in SEVERITIES:
            writer.writerow(
                [
                    label,
                    level.value,
                    "incidents",
                    month.by_severity[level],
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        for metric, values in (("mtta", month.mtta), ("mttr", month.mttr)):
            writer.writerow(
                [
                    label,
                    ALL_SEVERITIES,
                    metric,
                    values.count,
                    values.missing,
                    _csv_number(values.mean),
                    _csv_number(values.median),
                    _csv_number(values.p90),
                    "",
                    "",
                    "",
                ]
            )
    return out.getvalue()
