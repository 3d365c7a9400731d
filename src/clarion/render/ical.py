"""``maintenance.ics``: an iCalendar (RFC 5545) of scheduled maintenance.

One VEVENT per public maintenance window, past and future, so a subscribed
calendar keeps the history:

- ``UID``: ``maintenance-<slug>@<host of base_url>``, stable for the life of
  the file; calendars update the event in place.
- ``SEQUENCE``: the number of published updates, so it grows with each update
  and calendar clients replace their copy.
- ``DTSTAMP`` and ``LAST-MODIFIED``: the last published update (``CREATED``:
  the first); never the wall clock, so the same content gives the same bytes.
- ``STATUS``: ``CANCELLED`` once the maintenance is cancelled, else ``CONFIRMED``.
- ``URL``: the maintenance's page; ``CATEGORIES``: the affected components,
  also named in the ``DESCRIPTION`` with the latest update.
- ``TRANSP:TRANSPARENT``: a maintenance window does not block anyone's time.

RFC 5545 requires at least one component in a calendar, and some clients
reject an empty one: a site with no maintenance gets a calendar holding only
a ``VTIMEZONE`` for UTC (the zone every event time is written in).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone, TimezoneStandard

from .. import __version__
from ..config import SiteConfig
from ..model import Stage
from . import Area, Output, RenderContext
from .items import PublishedItem, plain_text, published_items
from .markdown import MarkdownRenderer

CALENDAR_PATH = "maintenance.ics"


def write_calendar(context: RenderContext) -> Iterator[Output]:
    config = context.config
    calendar = Calendar()
    calendar.add("prodid", f"-//Clarion//Clarion {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{config.title}: scheduled maintenance")
    calendar.add("x-wr-caldesc", f"Scheduled maintenance windows published on {config.title}.")
    host = urlsplit(config.base_url).hostname or "clarion.invalid"
    for item in published_items(config, context.state):
        if item.is_maintenance:
            calendar.add_component(_event(item, config, context.markdown, host))
    if not calendar.subcomponents:
        calendar.add_component(_utc_zone())
    yield Output(Area.PUBLIC, CALENDAR_PATH, calendar.to_ical())


def _utc_zone() -> Timezone:
    """``VTIMEZONE`` for UTC: the one component of a calendar with no events."""
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", timedelta(0))
    standard.add("tzoffsetto", timedelta(0))
    standard.add("tzname", "UTC")
    zone = Timezone()
    zone.add("tzid", "UTC")
    zone.add_component(standard)
    return zone


def maintenance_uid(slug: str, host: str) -> str:
    return f"maintenance-{slug}@{host}"


def _event(item: PublishedItem, config: SiteConfig, markdown: MarkdownRenderer, host: str) -> Event:
    window = item.incident.window
    assert window is not None
    names = [config.component(cid).name for cid in item.component_ids]
    event = Event()
    event.add("uid", maintenance_uid(item.slug, host))
    event.add("dtstamp", item.updated_at)
    event.add("created", item.published_at)
    event.add("last-modified", item.updated_at)
    event.add("sequence", len(item.updates))
    event.add("summary", item.incident.title)
    event.add("dtstart", window.start)
    event.add("dtend", window.end)
    event.add("status", "CANCELLED" if item.stage is Stage.CANCELLED else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("url", item.url)
    if names:
        event.add("categories", names)
    lines = [f"Affects: {', '.join(names) or 'no listed component'}."]
    latest = item.latest
    if latest is not None:
        text = plain_text(markdown, latest.body)
        lines.append(f"{latest.stage.label}: {text}" if text else latest.stage.label)
    lines.append(f"Details: {item.url}")
    event.add("description", "\n\n".join(lines))
    return event
