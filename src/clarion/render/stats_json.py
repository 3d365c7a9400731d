"""``clarion stats --format json``: every metric, durations in seconds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..derive.incident_facts import DURATION_METRICS, SEVERITIES, Durations
from ..derive.metric_targets import MetricsReport, TargetResult
from ..derive.scope_stats import ScopeStats
from .stats_report import scope_name
from .times import iso_utc

if TYPE_CHECKING:
    pass


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


def stats_data(report: MetricsReport, names: Mapping[str, str]) -> dict[str, object]:
    stats = report.stats
    zone = stats.zone
    return {
        "window": {
            "since": iso_utc(stats.since),
            "until": iso_utc(stats.until),
            "start": iso_utc(stats.start),
            "timezone": zone.key,
            "now": iso_utc(stats.now),
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
        "targets": [target_data(t) for t in report.headline],
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


def render_json(report: MetricsReport, names: Mapping[str, str]) -> str:
    return (
        json.dumps(stats_data(report, names), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
