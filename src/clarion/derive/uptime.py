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


def _weighted_segments(
    intervals: Sequence[Interval], start: datetime, end: datetime
) -> list[tuple[datetime, datetime, Impact]]:
    """Non-overlapping (start, end, worst impact) pieces within [start, end),
    by a sweep over the intervals' ends (n log n)."""
    events: list[tuple[datetime, int, Impact]] = []
    for interval in intervals:
        left = max(interval.start, start)
        right = min(interval.end or end, end)
        if left < right:
            events.append((left, 1, interval.impact))
            events.append((right, -1, interval.impact))
    events.sort(key=lambda e: (e[0], e[1]))
    active = dict.fromkeys(Impact, 0)
    pieces: list[tuple[datetime, datetime, Impact]] = []
    previous: datetime | None = None
    for moment, change, impact in events:
        if previous is not None and moment > previous:
            worst = max(
                (i for i, n in active.items() if n),
                key=lambda i: i.rank,
                default=Impact.OPERATIONAL,
            )
            if worst is not Impact.OPERATIONAL:
                pieces.append((previous, moment, worst))
        active[impact] += change
        previous = moment
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
    touching: list[list[Incident]] = [[] for _ in range(days)]
    for interval in sorted(recent, key=lambda i: (i.start, i.incident.slug)):
        if interval.incident.is_maintenance:
            continue
        first_day = max((interval.start.astimezone(zone).date() - first).days, 0)
        last_moment = min(interval.end or now, now)
        last_day = min((last_moment.astimezone(zone).date() - first).days, days - 1)
        if interval.end is not None and interval.end == datetime.combine(
            last_moment.astimezone(zone).date(), time(), zone
        ):
            last_day -= 1  # an interval ending at midnight does not touch the next day
        for offset in range(first_day, last_day + 1):
            if interval.incident not in touching[offset]:
                touching[offset].append(interval.incident)
    results = []
    total_minutes = total_down = 0.0
    piece_index = 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        day_start = datetime.combine(day, time(), zone)
        day_end = min(datetime.combine(day + timedelta(days=1), time(), zone), now)
        minutes = max((day_end - day_start).total_seconds() / 60, 0.0)
        down = 0.0
        worst = Impact.OPERATIONAL
        while piece_index < len(pieces) and pieces[piece_index][1] <= day_start:
            piece_index += 1
        for left, right, impact in pieces[piece_index:]:
            if left >= day_end:
                break
            overlap = (min(right, day_end) - max(left, day_start)).total_seconds() / 60
            down += overlap * impact.downtime_weight
            if impact.rank > worst.rank:
                worst = impact
        ratio = None if minutes == 0 else max(0.0, 1 - down / minutes)
        results.append(
            DayUptime(
                day=day,
                up_ratio=ratio,
                down_minutes=down,
                worst=worst,
                incidents=tuple(touching[offset]),
            )
        )
        total_minutes += minutes
        total_down += down
    overall = 1.0 if total_minutes == 0 else max(0.0, 1 - total_down / total_minutes)
    return ComponentUptime(component=component, days=tuple(results), up_ratio=overall)
