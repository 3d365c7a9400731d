"""Daily uptime per component with Statuspage's weighting.

A minute in ``major_outage`` counts fully as downtime, ``partial_outage`` as
0.3, ``degraded_performance`` and maintenance as up. Where incidents overlap,
the worst impact at each moment counts once. Days are the site's calendar
days; today counts only the minutes up to ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..model import Impact, Incident
from .timeline import Interval

UPTIME_DAYS = 90


@dataclass(frozen=True, slots=True)
class DayUptime:
    day: date
    up_ratio: float | None  # None for a day that has not started
    down_minutes: float  # weighted
    worst: Impact
    incidents: tuple[Incident, ...]  # incidents (not maintenance) touching the day

    @property
    def percent(self) -> float | None:
        return None if self.up_ratio is None else self.up_ratio * 100


@dataclass(frozen=True, slots=True)
class ComponentUptime:
    component: str
    days: tuple[DayUptime, ...]  # oldest first
    up_ratio: float

    @property
    def percent(self) -> float:
        return self.up_ratio * 100


def _weighted_segments(intervals: Sequence[Interval], start: datetime, end: datetime) -> list[tuple[datetime, datetime, Impact]]:
    """Non-overlapping (start, end, worst impact) pieces within [start, end)."""
    points = {start, end}
    relevant = []
    for interval in intervals:
        i_end = interval.end or end
        if i_end <= start or interval.start >= end:
            continue
        relevant.append(interval)
        points.add(max(interval.start, start))
        points.add(min(i_end, end))
    ordered = sorted(points)
    pieces = []
    for left, right in zip(ordered, ordered[1:]):
        worst = Impact.OPERATIONAL
        for interval in relevant:
            if interval.start <= left and (interval.end is None or interval.end >= right) and interval.impact.rank > worst.rank:
                worst = interval.impact
        if worst is not Impact.OPERATIONAL:
            pieces.append((left, right, worst))
    return pieces


def component_uptime(
    component: str,
    intervals: Sequence[Interval],
    now: datetime,
    zone: ZoneInfo,
    days: int = UPTIME_DAYS,
) -> ComponentUptime:
    """Uptime of one component for the ``days`` calendar days ending today."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    window_start = datetime.combine(first, time(), zone)
    recent = [i for i in intervals if (i.end is None or i.end > window_start) and i.start < now]
    pieces = _weighted_segments(recent, window_start, now)
    results = []
    total_minutes = total_down = 0.0
    for offset in range(days):
        day = first + timedelta(days=offset)
        day_start = datetime.combine(day, time(), zone)
        day_end = min(datetime.combine(day + timedelta(days=1), time(), zone), now)
        minutes = max((day_end - day_start).total_seconds() / 60, 0.0)
        down = 0.0
        worst = Impact.OPERATIONAL
        for left, right, impact in pieces:
            if right <= day_start or left >= day_end:
                continue
            overlap = (min(right, day_end) - max(left, day_start)).total_seconds() / 60
            down += overlap * impact.downtime_weight
            if impact.rank > worst.rank:
                worst = impact
        touching = tuple(
            dict.fromkeys(
                i.incident
                for i in recent
                if not i.incident.is_maintenance and i.start < day_end and (i.end is None or i.end > day_start)
            )
        )
        ratio = None if minutes == 0 else max(0.0, 1 - down / minutes)
        results.append(DayUptime(day=day, up_ratio=ratio, down_minutes=down, worst=worst, incidents=touching))
        total_minutes += minutes
        total_down += down
    overall = 1.0 if total_minutes == 0 else max(0.0, 1 - total_down / total_minutes)
    return ComponentUptime(component=component, days=tuple(results), up_ratio=overall)
