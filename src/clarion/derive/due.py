"""A rule's due time, and what the calendar did to it: weekend relief (and
the facts that take it away), the days a business-day count skipped, a
delay granted by law enforcement, the end-of-day outer limit of a rule that
counts days, and an obligation that lapses once the incident is handled.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..model import Incident
from ..rules import Calendar, Rule
from ..rules.calendars import END_OF_DAY, due_after, localize, skipped_days
from ..rules.duration import Duration
from .owed import utc_text


def due(rule: Rule, deadline: Duration, start: datetime, zone: ZoneInfo) -> datetime:
    return due_after(
        start,
        deadline,
        calendar=rule.calendar or Calendar.HOURS,
        zone=rule.zone or zone,
        holidays=rule.holidays,
        due_time=rule.due_time,
        weekend_relief=rule.weekend_relief,
    )


def with_relief(rule: Rule, incident: Incident) -> tuple[Rule, str]:
    """``rule`` as its deadline is computed for ``incident``: weekend relief
    only when the breach fact that excludes it is recorded as false (RTS
    2025/301 Art. 5(5)); the text says why relief is off."""
    if not rule.weekend_relief or rule.relief_exclusion is None:
        return rule, ""
    name = rule.relief_exclusion
    fact = incident.breach.facts.get(name) if incident.breach else None
    if fact is False:
        return rule, ""
    off = replace(rule, weekend_relief=False)
    if fact is None:
        return off, f"no weekend relief: breach.facts.{name} is not recorded (false gives relief)"
    return off, f"no weekend relief: breach.facts.{name} is {fact}"


def lapsed(rule: Rule, incident: Incident, due_at: datetime, satisfied_at: datetime | None) -> str:
    """Why an obligation that lasts only while the incident is ongoing
    (``conditions.ongoing``) lapsed, or ``""``."""
    field = rule.conditions.ongoing
    ended = incident.breach.clocks.get(field) if field and incident.breach else None
    if ended is None or ended > due_at or satisfied_at is not None:
        return ""
    return (
        f"not required: breach.{field} {utc_text(ended)} came by the due time "
        f"({utc_text(due_at)}), so nothing was ongoing to report"
    )


def end_of_due_day(rule: Rule, due_at: datetime, zone: ZoneInfo) -> datetime | None:
    """The end of the due day in the rule's zone, for a rule that counts
    calendar or business days from the clock's time of day (``same_time``):
    a law that counts days gives until that day ends."""
    if rule.calendar not in (Calendar.CALENDAR_DAYS, Calendar.BUSINESS_DAYS):
        return None
    if rule.due_time != "same_time":
        return None
    local = rule.zone or zone
    return localize(datetime.combine(due_at.astimezone(local).date(), END_OF_DAY), local)


def delayed(rule: Rule, incident: Incident, due_at: datetime) -> tuple[datetime, str]:
    """The deadline moved by a delay granted for this rule (``breach.delays``)."""
    delay = incident.breach.delays.get(rule.id) if incident.breach else None
    if delay is None:
        return due_at, ""
    who = delay.by + (f", {delay.reference}" if delay.reference else "")
    if delay.until <= due_at:
        return due_at, f"delay until {utc_text(delay.until)} ({who}) ends before the deadline"
    return (
        delay.until,
        f"delayed until {utc_text(delay.until)} by {who}; due {utc_text(due_at)} without it",
    )


def calendar_notes(
    rule: Rule, deadline: Duration, clock_at: datetime, due_at: datetime, zone: ZoneInfo
) -> list[str]:
    """What the calendar did: the days a business-day count skipped, and a
    deadline moved by weekend relief."""
    local = rule.zone or zone
    notes = []
    if rule.calendar is Calendar.BUSINESS_DAYS:
        skipped = skipped_days(
            clock_at.astimezone(local).date(), due_at.astimezone(local).date(), rule.holidays
        )
        if skipped:
            notes.append("skipped " + ", ".join(_day_text(d, why) for d, why in skipped))
    if rule.weekend_relief:
        plain = replace(rule, weekend_relief=False)
        before = due(plain, deadline, clock_at, zone)
        if before != due_at:
            day = before.astimezone(local)
            why = rule.holidays.holiday_name(day.date()) if rule.holidays else None
            notes.append(
                f"moved from {day:%a %d %b %H:%M} ({why or 'weekend'}) to 12:00 the next "
                f"working day ({local.key}) by weekend relief"
            )
    return notes


def _day_text(day: date, why: str) -> str:
    """``Thu 26 Nov (Thanksgiving Day)``, ``Sat 28 Nov``."""
    text = f"{day:%a %d %b}"
    return text if why == f"{day:%A}" else f"{text} ({why})"
