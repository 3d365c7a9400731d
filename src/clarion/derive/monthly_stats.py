"""Incidents per calendar month by severity (put together from each month's
part: :func:`clarion.derive.metric_parts.month_stats`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..model import Severity
from .incident_facts import Durations


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
