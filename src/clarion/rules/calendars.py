"""Deadline arithmetic: hours, calendar days and business days, zone-aware.

- ``hours``: absolute time. 72 hours are 72 hours, across nights, weekends,
  holidays and daylight-saving changes (computed in UTC).
- ``calendar_days``: the wall clock of the rule's zone. 60 days after 10:00
  is 10:00 sixty dates later, whatever the UTC offset did in between; a month
  is the same day number in the next month, clamped to its last day.
- ``business_days``: dates that are neither a Saturday, a Sunday nor a holiday
  of the rule's ``holidays`` calendar, counted from the day after the clock
  started (so a clock that starts on a weekend or holiday counts its first
  business day as day one: the SEC's General Instruction B.1).

All functions are pure; ``holidays`` data comes from the ``holidays`` package.
"""

from __future__ import annotations

import calendar as _calendar
import enum
import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .duration import Duration

if TYPE_CHECKING:
    import holidays as _holidays
# ``holidays`` is imported where a calendar is first asked (it takes a while to
# import, and most commands never count business days).

END_OF_DAY = time(23, 59, 59)
NOON = time(12, 0)
_DUE_TIME_RE = re.compile(r"^(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)$")


class Calendar(enum.Enum):
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    BUSINESS_DAYS = "business_days"


class CalendarError(ValueError):
    """A holiday calendar or due time that cannot be used."""


@dataclass(frozen=True, slots=True)
class Closure:
    """A one-off day a regulator's office is closed, with the order that closed it."""

    day: date
    name: str
    source: str
    verified: bool


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """A ``holidays`` package calendar: a country and, optionally, a
    subdivision, plus a named set of one-off closures (``closures.yaml``)."""

    country: str
    subdivision: str | None = None
    closures: str | None = None

    @classmethod
    def as_written(cls, text: str, closures: str | None = None) -> HolidayCalendar:
        """``US`` or ``US-NY`` taken as written, unchecked (:func:`parse_holidays`
        checks the country, the subdivision and the closures)."""
        country, _, subdivision = text.strip().partition("-")
        return cls(country, subdivision or None, closures)

    @property
    def label(self) -> str:
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country

    def describe(self) -> str:
        """``US holidays`` or ``US holidays and us-federal closures``."""
        text = f"{self.label} holidays"
        return f"{text} and {self.closures} closures" if self.closures else text

    def holiday_name(self, day: date) -> str | None:
        if self.closures is not None:
            closure = closure_sets()[self.closures].get(day)
            if closure is not None:
                return closure.name
        return _country_holidays(self.country, self.subdivision).get(day)

    def __str__(self) -> str:
        return self.label


@functools.cache
def _country_holidays(country: str, subdivision: str | None) -> _holidays.HolidayBase:
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision)


@functools.lru_cache(maxsize=1)
def closure_sets() -> dict[str, dict[date, Closure]]:
    """Every set of one-off closures shipped in ``closures.yaml``, by name."""
    from importlib import resources

    import yaml

    text = resources.files(__package__).joinpath("closures.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {
        name: {
            entry["date"]: Closure(
                day=entry["date"],
                name=str(entry["name"]),
                source=str(entry["source"]),
                verified=bool(entry.get("verified", False)),
            )
            for entry in entries
        }
        for name, entries in data.items()
    }


@functools.lru_cache(maxsize=1)
def supported_countries() -> dict[str, tuple[str, ...]]:
    import holidays

    return {code: tuple(subs) for code, subs in holidays.list_supported_countries().items()}


@functools.cache
def subdivisions_of(country: str) -> tuple[str, ...] | None:
    """The subdivisions of a country ``holidays`` supports (``None``: not
    supported). Only that country's calendar is imported; listing every
    supported country imports them all (about a tenth of a second)."""
    try:
        from holidays.registry import EntityLoader

        codes = EntityLoader.get_country_codes()
    except (ImportError, AttributeError):  # a holidays without that registry
        return supported_countries().get(country)
    if country not in codes:
        return None
    import holidays

    return tuple(getattr(holidays, country).subdivisions)


def parse_holidays(text: object, closures: str | None = None) -> HolidayCalendar:
    """``US``, ``BR``, ``US-NY``, ``DE-BY`` -> a checked :class:`HolidayCalendar`
    (with the named set of one-off ``closures``)."""
    if closures is not None and closures not in closure_sets():
        raise CalendarError(
            f"unknown closures {closures!r} (known: {', '.join(sorted(closure_sets()))})"
        )
    if not isinstance(text, str) or not text.strip():
        raise CalendarError(f"expected a country code such as US or US-NY, got {text!r}")
    country, _, subdivision = text.strip().partition("-")
    country = country.upper()
    known = subdivisions_of(country)
    if known is None:
        raise CalendarError(f"unknown holidays country {country!r}")
    if subdivision:
        match = next((s for s in known if s.upper() == subdivision.upper()), None)
        if match is None:
            raise CalendarError(
                f"unknown subdivision {subdivision!r} of {country}"
                + (
                    f" (known: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})"
                    if known
                    else ""
                )
            )
        return HolidayCalendar(country, match, closures)
    return HolidayCalendar(country, None, closures)


def parse_due_time(text: object) -> str:
    """``same_time``, ``end_of_day`` or a ``HH:MM`` cut-off."""
    if text in ("same_time", "end_of_day"):
        return str(text)
    if isinstance(text, str) and _DUE_TIME_RE.match(text):
        return text
    raise CalendarError(f"expected same_time, end_of_day or HH:MM, got {text!r}")


def is_business_day(day: date, holidays: HolidayCalendar | None) -> bool:
    if day.weekday() >= 5:
        return False
    return holidays is None or holidays.holiday_name(day) is None


def add_business_days(day: date, count: int, holidays: HolidayCalendar | None) -> date:
    """The ``count``-th business day after ``day`` (``day`` itself never counts)."""
    current = day
    left = count
    while left > 0:
        current += timedelta(days=1)
        if is_business_day(current, holidays):
            left -= 1
    return current


def skipped_days(
    start: date, end: date, holidays: HolidayCalendar | None
) -> list[tuple[date, str]]:
    """The non-business days strictly between ``start`` and ``end``, with a reason."""
    out = []
    current = start + timedelta(days=1)
    while current < end:
        if current.weekday() >= 5:
            out.append((current, current.strftime("%A")))
        elif holidays is not None and (name := holidays.holiday_name(current)):
            out.append((current, name))
        current += timedelta(days=1)
    return out


def add_months(moment: datetime, months: int) -> datetime:
    """Same day number ``months`` later, clamped to the month's last day (naive)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, _calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as UTC: the earlier reading when it is
    ambiguous (the hour repeated in autumn); when it does not exist (the hour
    skipped in spring), the moment the clock jumps past it (02:30 on the day
    New York springs forward is due at 03:00 EDT, not 03:30)."""
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == naive:
        return first
    other = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = sorted((int(first.timestamp()), int(other.timestamp())))
    while high - low > 1:  # the first whole second whose wall clock reads naive or later
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= naive:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _at_due_time(day: date, start_local: datetime, due_time: str, zone: ZoneInfo) -> datetime:
    if due_time == "same_time":
        clock = start_local.time().replace(tzinfo=None)
    elif due_time == "end_of_day":
        clock = END_OF_DAY
    else:
        hour, minute = due_time.split(":")
        clock = time(int(hour), int(minute))
    return localize(datetime.combine(day, clock), zone)


def due_after(
    start: datetime,
    deadline: Duration,
    *,
    calendar: Calendar,
    zone: ZoneInfo,
    holidays: HolidayCalendar | None = None,
    due_time: str = "same_time",
    weekend_relief: bool = False,
) -> datetime:
    """When a period of ``deadline`` that starts at ``start`` ends (UTC)."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    start = start.astimezone(UTC)
    if calendar is Calendar.HOURS:
        if deadline.months:
            local = start.astimezone(zone).replace(tzinfo=None)
            start = localize(add_months(local, deadline.months), zone)
        due = start + timedelta(days=deadline.days, seconds=deadline.seconds)
    elif calendar is Calendar.CALENDAR_DAYS:
        local = start.astimezone(zone)
        naive = add_months(local.replace(tzinfo=None), deadline.months) + timedelta(
            days=deadline.days
        )
        due = _at_due_time(naive.date(), naive, due_time, zone) + timedelta(
            seconds=deadline.seconds
        )
    else:
        if deadline.months or deadline.seconds:
            raise ValueError(f"business-day periods count whole days, not {deadline.text}")
        local = start.astimezone(zone)
        day = add_business_days(local.date(), deadline.days, holidays)
        due = _at_due_time(day, local, due_time, zone)
    if weekend_relief:
        due = relieved(due, zone, holidays)
    return due


def relieved(due: datetime, zone: ZoneInfo, holidays: HolidayCalendar | None) -> datetime:
    """DORA RTS Art. 5(4): a deadline on a weekend or holiday moves to 12:00 of
    the next working day."""
    local_day = due.astimezone(zone).date()
    if is_business_day(local_day, holidays):
        return due
    return localize(datetime.combine(add_business_days(local_day, 1, holidays), NOON), zone)


def year_end(moment: datetime, zone: ZoneInfo) -> datetime:
    """The start of 31 December of the calendar year (in ``zone``) of ``moment``."""
    local = moment.astimezone(zone)
    return localize(datetime(local.year, 12, 31), zone)
