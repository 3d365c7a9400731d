"""The words, numbers and table rows that ``clarion stats`` and the metrics page
share; each output shape has its own module: ``stats_text.py`` (plain and rich
tables), ``stats_json.py``, ``stats_csv.py``.

Pure: each function takes :class:`~clarion.derive.stats.Stats` (or the
:class:`~clarion.derive.metric_targets.MetricsReport` with the targets evaluated
by the derive pass) and returns text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..derive.incident_facts import DURATION_METRICS, SEVERITIES, Durations, Share
from ..derive.metric_targets import MetricsReport, TargetResult
from ..derive.scope_stats import ScopeStats
from ..derive.stats import Stats

if TYPE_CHECKING:
    pass

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


def component_rows(report: MetricsReport, names: Mapping[str, str]) -> list[tuple[str, ...]]:
    """One row per component; its MTBF marked ✓ or ✗ against the MTBF target."""
    rows: list[tuple[str, ...]] = []
    for index, scope in enumerate(report.stats.components):
        mtbf = duration_text(scope.mtbf.mean)
        meets = report.component_mtbf_meets(index)
        if meets is not None:
            mtbf += " ✓" if meets else " ✗"
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
                based = (
                    f"lowest: {names.get(result.component, result.component)}; {result.meeting} "
                    f"of {result.count} components meet it"
                )
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
