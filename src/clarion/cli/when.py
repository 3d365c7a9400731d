"""``--at``: the time an authoring command records, in the forms people type
during an incident: ``now``, ``22:30`` (today, in the site's zone), ``-10m``,
``10 min ago``, or a full time (``2026-11-20 15:05``, ``2026-11-20T14:05Z``,
``2026-11-20 15:05 Europe/Berlin``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..load.schema import TimeError, parse_time

AT_EXPECTED = (
    "now, HH:MM (today, in the site's zone), -10m, '10 min ago', "
    "or a full time such as 2026-11-20T14:05Z or '2026-11-20 15:05 +01:00'"
)

_CLOCK_RE = re.compile(r"^(?P<hour>\d{1,2}):(?P<minute>\d{2})$")
_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}  # fmt: skip
_PART_RE = re.compile(r"(\d+)\s*([a-z]+)")
_RELATIVE_RE = re.compile(
    r"^(?:-\s*(?P<minus>(?:\d+\s*[a-z]+\s*)+)|(?P<ago>(?:\d+\s*[a-z]+\s*)+)ago)$"
)


def parse_at(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The moment ``text`` names, in UTC; raises :class:`TimeError`."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned == "now":
        return now
    clock = _CLOCK_RE.match(cleaned)
    if clock is not None:
        hour, minute = int(clock["hour"]), int(clock["minute"])
        if hour > 23 or minute > 59:
            raise TimeError(f"{text!r} is not a time of day")
        today = now.astimezone(zone).date()
        return datetime(today.year, today.month, today.day, hour, minute, tzinfo=zone).astimezone(
            UTC
        )
    relative = _RELATIVE_RE.match(cleaned)
    if relative is not None:
        return now - _span(relative["minus"] or relative["ago"], text)
    return parse_time(text, zone)


def _span(text: str, original: str) -> timedelta:
    seconds = 0
    for number, unit in _PART_RE.findall(text):
        if unit not in _UNITS:
            raise TimeError(f"unknown unit {unit!r} in {original!r} (use s, m/min, h, d)")
        seconds += int(number) * _UNITS[unit]
    return timedelta(seconds=seconds)


def describe_at(moment: datetime, zone: ZoneInfo) -> str:
    """``2026-11-29 21:30 UTC (22:30 Europe/Berlin)``; one form for a UTC site."""
    utc = f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if zone.key in ("UTC", "Etc/UTC"):
        return utc
    return f"{utc} ({moment.astimezone(zone):%H:%M} {zone.key})"
