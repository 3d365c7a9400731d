"""The metrics of one scope (every incident, or one component's): the duration
metrics, MTBF, the postmortem share and the action-item completion. They are
put together from the scope's parts of each month
(:func:`clarion.derive.metric_parts.scope_stats`).

The definitions are in :mod:`clarion.derive.stats`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import Severity
from .incident_facts import Durations, Share


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


def failure_gaps(failures: Iterable[Sequence[Any]]) -> list[float]:
    """Seconds between the end of one failure and the start of the next;
    overlapping incidents merge, an open one ends the series. ``failures``:
    ``(failed, slug, resolved or None)``, in microseconds since the epoch, in
    the order of ``(failed, slug)``."""
    gaps: list[float] = []
    end: int | None = None
    started = False
    for failed, _slug, resolved in failures:
        if started:
            if end is None:
                break
            if failed > end:
                gaps.append((failed - end) / 1_000_000)
                end = resolved
            elif resolved is None:
                end = None
            else:
                end = max(end, resolved)
        else:
            started, end = True, resolved
    return gaps
