"""Incidents per calendar month by severity, and uptime per component over the
window (by the status page's own sweep).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..model import Incident, Severity
from .incident_facts import SEVERITIES, Durations, IncidentFacts
from .timeline import Interval, impact_intervals
from .uptime import window_uptime


@dataclass(frozen=True, kw_only=True)
class MonthStats:
    """Incidents that started in one calendar month (site's zone)."""

    month: date  # the first day
    by_severity: Mapping[Severity, int]
    mtta: Durations
    mttr: Durations
    mtta_by_severity: Mapping[Severity, Durations]
    mttr_by_severity: Mapping[Severity, Durations]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def month_start(moment: datetime, zone: ZoneInfo) -> date:
    local = moment.astimezone(zone)
    return date(local.year, local.month, 1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_stats(
    facts: Sequence[IncidentFacts], first: date, last: date, zone: ZoneInfo
) -> tuple[MonthStats, ...]:
    grouped: dict[date, list[IncidentFacts]] = {}
    for fact in facts:
        grouped.setdefault(month_start(fact.incident.started_at, zone), []).append(fact)
    out = []
    month = first
    while month <= last:
        group = grouped.get(month, [])
        by_severity: dict[Severity, list[IncidentFacts]] = {s: [] for s in SEVERITIES}
        for fact in group:
            severity = fact.severity
            if severity is not None:
                by_severity[severity].append(fact)
        out.append(
            MonthStats(
                month=month,
                by_severity={s: len(facts) for s, facts in by_severity.items()},
                mtta=Durations.of(f.mtta for f in group),
                mttr=Durations.of(f.mttr for f in group),
                mtta_by_severity={
                    s: Durations.of(f.mtta for f in by_severity[s]) for s in SEVERITIES
                },
                mttr_by_severity={
                    s: Durations.of(f.mttr for f in by_severity[s]) for s in SEVERITIES
                },
            )
        )
        month = next_month(month)
    return tuple(out)


def components_uptime(
    incidents: Iterable[Incident], components: Sequence[str], start: datetime, end: datetime
) -> dict[str, float | None]:
    """Uptime of each component over ``[start, end)``, Statuspage-weighted,
    by the page's own sweep (:func:`clarion.derive.uptime.window_uptime`)."""
    by_component: dict[str, list[Interval]] = {c: [] for c in components}
    for incident in incidents:
        for interval in impact_intervals(incident):
            if interval.component in by_component:
                by_component[interval.component].append(interval)
    return {c: window_uptime(items, start, end) for c, items in by_component.items()}
