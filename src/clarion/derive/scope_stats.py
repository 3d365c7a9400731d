"""The metrics of one scope (every incident, or one component's): the duration
metrics, MTBF, the postmortem share and the action-item completion.

The definitions are in :mod:`clarion.derive.stats`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..model import Severity
from .incident_facts import DURATION_METRICS, SEVERITIES, Durations, IncidentFacts, Share


@dataclass(frozen=True, kw_only=True)
class ScopeStats:
    """The metrics of every incident (``component`` None) or of the incidents
    that affected one component."""

    component: str | None
    incidents: int
    open: int
    by_severity: Mapping[Severity, int]
    durations: Mapping[str, Durations]  # by metric name (DURATION_METRICS)
    durations_by_severity: Mapping[str, Mapping[Severity, Durations]]
    mtbf: Durations
    postmortems: Share
    action_items: Share
    overdue_action_items: int
    uptime: float | None  # None for the overall scope, or an empty window

    def duration(self, metric: str, severity: Severity | None = None) -> Durations:
        if severity is None:
            return self.durations[metric]
        return self.durations_by_severity[metric][severity]


def _failure_gaps(facts: Sequence[IncidentFacts]) -> list[float]:
    """Seconds between the end of one failure and the start of the next;
    overlapping incidents merge, an open one ends the series."""
    gaps: list[float] = []
    ordered = sorted(facts, key=lambda f: (f.failed_at, f.incident.slug))
    end: datetime | None = None
    started = False
    for fact in ordered:
        if started:
            if end is None:
                break
            if fact.failed_at > end:
                gaps.append((fact.failed_at - end).total_seconds())
                end = fact.resolved_at
            elif fact.resolved_at is None:
                end = None
            else:
                end = max(end, fact.resolved_at)
        else:
            started, end = True, fact.resolved_at
    return gaps


def scope_stats(
    facts: Sequence[IncidentFacts],
    *,
    component: str | None,
    now: datetime,
    zone: ZoneInfo,
    uptime: float | None = None,
) -> ScopeStats:
    """Aggregate the facts of one scope."""
    grouped: dict[Severity, list[IncidentFacts]] = {s: [] for s in SEVERITIES}
    for fact in facts:
        severity = fact.severity
        if severity is not None:
            grouped[severity].append(fact)
    by_severity = {s: len(group) for s, group in grouped.items()}
    durations = {
        name: Durations.of(f.duration(name) for f in facts) for name, _ in DURATION_METRICS
    }
    by_sev = {
        name: {s: Durations.of(f.duration(name) for f in grouped[s]) for s in SEVERITIES}
        for name, _ in DURATION_METRICS
    }
    states = [f.postmortem for f in facts if f.postmortem is not None]
    postmortems = Share(
        hits=states.count("in_time"),
        total=sum(1 for s in states if s != "pending"),
        pending=states.count("pending"),
    )
    items = [item for f in facts for item in f.action_items]
    return ScopeStats(
        component=component,
        incidents=len(facts),
        open=sum(1 for f in facts if f.is_open),
        by_severity=by_severity,
        durations=durations,
        durations_by_severity=by_sev,
        mtbf=Durations(tuple(sorted(_failure_gaps(facts))), 0),
        postmortems=postmortems,
        action_items=Share(hits=sum(1 for i in items if i.done), total=len(items)),
        overdue_action_items=sum(1 for i in items if i.is_overdue(now, zone)),
        uptime=uptime,
    )
