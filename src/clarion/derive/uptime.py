"""Daily uptime per component with Statuspage's weighting.

A minute in ``major_outage`` counts fully as downtime, ``partial_outage`` as
0.3, ``degraded_performance`` and maintenance as up. Where incidents overlap,
the worst impact at each moment counts once. Days are the site's calendar
days (23, 24 or 25 hours long: every length is measured in UTC). Figures
count whole days only: today's bar shows the worst impact so far but no
percentage, so that the page changes with the state and the date, not with
the minute (``clarion next-change``).

One sweep (:func:`sweep`) serves the page's bars, the API
(:func:`downtime_pieces`) and the metrics (:func:`window_uptime`, over
microseconds: the metrics keep their intervals as plain data between builds).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from typing import TypeVar
from zoneinfo import ZoneInfo

from ..model import Impact, Incident, worst_impact
from .timeline import Interval

UPTIME_DAYS = 90
Moment = TypeVar("Moment", datetime, int)


@dataclass(frozen=True, slots=True)
class DayUptime:
    day: date
    up_ratio: float | None  # None for today and for a day that has not started
    down_minutes: float  # weighted (0 for today)
    worst: Impact
    incidents: tuple[Incident, ...]  # incidents (not maintenance) touching the day
    today: bool = False  # the day in progress: its worst impact so far, no figure

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


def downtime_pieces(
    intervals: Iterable[Interval], start: datetime, end: datetime
) -> list[tuple[datetime, datetime, Impact]]:
    """Non-overlapping (start, end, worst impact) pieces within [start, end),
    in UTC, by a sweep over the intervals' ends (n log n). Pieces where
    everything is operational are left out."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    events: list[tuple[datetime, int, int]] = []
    for interval in intervals:
        left = max(interval.start.astimezone(UTC), start)
        right = min((interval.end or end).astimezone(UTC), end)
        if left < right:
            events.append((left, 1, interval.impact.rank))
            events.append((right, -1, interval.impact.rank))
    return [(left, right, BY_RANK[rank]) for left, right, rank in sweep(events)]


#: The impacts by :attr:`Impact.rank` (operational first).
BY_RANK = tuple(sorted(Impact, key=lambda i: i.rank))
_WEIGHTS = tuple(impact.downtime_weight for impact in BY_RANK)


def sweep(events: list[tuple[Moment, int, int]]) -> list[tuple[Moment, Moment, int]]:
    """The pieces of :func:`downtime_pieces` from the intervals' ends
    (``(moment, +1 or -1, impact rank)``, any order), for moments of any one
    kind: datetimes, or microseconds (:func:`window_uptime`). Between two
    moments the worst impact in force counts (by :attr:`Impact.rank`); the
    pieces carry its rank."""
    events.sort(key=itemgetter(0, 1))
    active = [0] * len(BY_RANK)
    pieces: list[tuple[Moment, Moment, int]] = []
    previous: Moment | None = None
    top = len(active) - 1
    for moment, change, rank in events:
        if previous is not None and moment > previous:
            worst = top
            while worst and not active[worst]:
                worst -= 1
            if worst:
                pieces.append((previous, moment, worst))
        active[rank] += change
        previous = moment
    return pieces


def window_uptime(
    intervals: Iterable[tuple[int, int | None, int]], start: int, end: int
) -> float | None:
    """The weighted up share of ``[start, end)`` (``None`` for an empty
    window), all in microseconds since the epoch (an interval's end ``None``:
    still going; its impact by rank). The same figure as the pieces of
    :func:`downtime_pieces` give."""
    if end <= start:
        return None
    events: list[tuple[int, int, int]] = []
    for left, right, rank in intervals:
        left = max(left, start)
        right = end if right is None else min(right, end)
        if left < right:
            events.append((left, 1, rank))
            events.append((right, -1, rank))
    weights = _WEIGHTS
    down = sum((right - left) / 1_000_000 * weights[rank] for left, right, rank in sweep(events))
    return max(0.0, 1 - down / ((end - start) / 1_000_000))


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """00:00 of ``day`` in ``zone``, in UTC (so that differences are real durations)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def component_uptime(
    component: str,
    intervals: Sequence[Interval],
    now: datetime,
    zone: ZoneInfo,
    days: int = UPTIME_DAYS,
) -> ComponentUptime:
    """Uptime of one component for the ``days`` calendar days ending today:
    a figure for each whole day and for the whole days together; today gets
    its worst impact so far (an impact that starts at ``now`` included)."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    window_start = midnight(first, zone)
    today_start = midnight(today, zone)
    recent = [i for i in intervals if (i.end is None or i.end > window_start) and i.start <= now]
    pieces = downtime_pieces(recent, window_start, today_start)
    touching = _touching(recent, first, days, now, zone)
    results = []
    total_minutes = total_down = 0.0
    piece_index = 0
    for offset in range(days - 1):
        day = first + timedelta(days=offset)
        day_start, day_end = midnight(day, zone), midnight(day + timedelta(days=1), zone)
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
        minutes = (day_end - day_start).total_seconds() / 60
        ratio = max(0.0, 1 - down / minutes)
        results.append(DayUptime(day, ratio, down, worst, tuple(touching[offset])))
        total_minutes += minutes
        total_down += down
    so_far = worst_impact(
        i.impact for i in recent if i.start <= now and (i.end is None or i.end > today_start)
    )
    results.append(DayUptime(today, None, 0.0, so_far, tuple(touching[days - 1]), today=True))
    overall = 1.0 if total_minutes == 0 else max(0.0, 1 - total_down / total_minutes)
    return ComponentUptime(component=component, days=tuple(results), up_ratio=overall)


def _touching(
    intervals: Sequence[Interval], first: date, days: int, now: datetime, zone: ZoneInfo
) -> list[list[Incident]]:
    """For each day, the incidents (not maintenance) whose impact touched it."""
    touching: list[list[Incident]] = [[] for _ in range(days)]
    for interval in sorted(intervals, key=lambda i: (i.start, i.incident.slug)):
        if interval.incident.is_maintenance:
            continue
        first_day = max((interval.start.astimezone(zone).date() - first).days, 0)
        last_moment = min(interval.end or now, now)
        last_day = min((last_moment.astimezone(zone).date() - first).days, days - 1)
        if interval.end is not None and interval.end == midnight(
            last_moment.astimezone(zone).date(), zone
        ):
            last_day -= 1  # an interval ending at midnight does not touch the next day
        for offset in range(first_day, last_day + 1):
            if interval.incident not in touching[offset]:
                touching[offset].append(interval.incident)
    return touching
