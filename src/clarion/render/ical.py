"""Clarion's iCalendar (RFC 5545) files, both written with ``icalendar``:
``maintenance.ics`` (public) and ``deadlines.ics`` (private).

``maintenance.ics``: an iCalendar of scheduled maintenance.

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

``deadlines.ics``: one VEVENT per item with a due time that asks for a date
(open items, and every regulatory or contractual item), a quarter of an
hour long, with a display alarm an hour before each item still due. ``UID``:
``deadline-<key>@<host>``; ``DTSTAMP``: the moment the item's clock started
(else its due time), never the wall clock; ``CATEGORIES``: the rule's kind and
the item's state. A calendar with no due item holds the UTC ``VTIMEZONE``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .. import __version__
from ..config import SiteConfig
from ..model import Stage
from ..output.cache import render_key
from ..rules import RuleKind
from . import Area, Output, RenderContext
from .items import PublishedItem, plain_text, published
from .markdown import MarkdownRenderer
from .reuse import previous_output
from .times import local_text, utc_text

if TYPE_CHECKING:
    from icalendar import Calendar, Component, Event, Timezone

    from ..derive.deadlines import DeadlineReport, Obligation

# icalendar (about 20 ms to import) is imported when a calendar is written:
# an edit whose maintenance.ics is reused never loads it in the main process,
# and the deadline calendar is written by the process that renders the
# private files.

CALENDAR_PATH = "maintenance.ics"


@functools.cache
def icalendar_version() -> str:
    """What names the installed icalendar's version in a calendar's render
    key, read without importing it: the bytes of its generated
    ``_version.py`` (a new release, a new key)."""
    spec = find_spec("icalendar")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    for folder in folders:
        try:
            return (Path(folder) / "_version.py").read_text(encoding="utf-8")
        except OSError:
            continue
    import icalendar  # (no such file: its version as it says it)

    return str(icalendar.__version__)


def render_calendar(context: RenderContext) -> Iterator[Output]:
    """``maintenance.ics``, reused from the previous build when its render
    key (the settings, the converter's, and each maintenance's source as
    published) is unchanged: an edit to an incident leaves it as it was."""
    config = context.config
    shared = published(config, context.state)
    key = render_key(
        "maintenance.ics",
        __version__,
        icalendar_version(),
        config.digest,
        context.markdown.settings,
        [(i.slug, i.digest) for i in shared.maintenance],
    )
    reused = previous_output(context.cache, Area.PUBLIC, CALENDAR_PATH, key)
    if reused is not None:
        yield reused
        return
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", f"-//Clarion//Clarion {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{config.title}: scheduled maintenance")
    calendar.add("x-wr-caldesc", f"Scheduled maintenance windows published on {config.title}.")
    host = urlsplit(config.base_url).hostname or "clarion.invalid"
    for incident in shared.maintenance:
        calendar.add_component(_event(shared.item(incident), config, context.markdown, host))
    if not calendar.subcomponents:
        calendar.add_component(_utc_zone())
    yield Output(Area.PUBLIC, CALENDAR_PATH, component_bytes(calendar), key)


def _utc_zone() -> Timezone:
    """``VTIMEZONE`` for UTC: the one component of a calendar with no events."""
    from icalendar import Timezone, TimezoneStandard

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
    from icalendar import Event

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


def render_deadline_calendar(report: DeadlineReport, *, title: str, base_url: str) -> bytes:
    """``deadlines.ics``: the owed items of ``report`` that have a due time."""
    calendar = _deadline_calendar(title)
    host = calendar_host(base_url)
    for obligation in report.obligations:
        if in_calendar(obligation):
            calendar.add_component(_deadline_event(obligation, report, host))
    if not calendar.subcomponents:
        calendar.add_component(_utc_zone())
    return component_bytes(calendar)


def deadline_calendar_around(title: str) -> tuple[bytes, bytes] | None:
    """What ``deadlines.ics`` holds before and after its events, as
    ``icalendar`` writes them: the calendar with no events but its last line,
    and that line, which ends it (``None`` if it writes it otherwise)."""
    empty: bytes = _deadline_calendar(title).to_ical()
    head, _, last = empty.removesuffix(b"\r\n").rpartition(b"\r\n")
    if not last.startswith(b"END:") or head + b"\r\n" + last + b"\r\n" != empty:
        return None
    return head + b"\r\n", last + b"\r\n"


def deadline_event_bytes(o: Obligation, report: DeadlineReport, host: str) -> bytes:
    """One event of ``deadlines.ics`` (an item :func:`in_calendar`), as
    :func:`render_deadline_calendar` writes it."""
    return component_bytes(_deadline_event(o, report, host))


def is_event_bytes(data: bytes) -> bool:
    """Whether ``data`` reads as one whole event as :func:`deadline_event_bytes`
    writes it (a check of a place kept for it, not a parse)."""
    begin, end = _event_bounds()
    return data.startswith(begin) and data.endswith(end)


@functools.cache
def _event_bounds() -> tuple[bytes, bytes]:
    """The first and last line of an event, as ``icalendar`` writes them."""
    from icalendar import Event

    empty: bytes = Event().to_ical()
    begin, _, end = empty.partition(b"\r\n")
    return begin + b"\r\n", end


#: The octets from which ``icalendar`` folds a content line (RFC 5545, 3.1:
#: no line longer than 75 octets; it keeps each under 75).
FOLD_FROM = 75


def component_bytes(component: Component) -> bytes:
    """``component.to_ical()``, byte for byte: each content line is made by
    ``icalendar`` (:meth:`~icalendar.cal.component.Component.content_lines`)
    and every line of :data:`FOLD_FROM` octets or more is folded by it
    (:meth:`~icalendar.parser.content_line.Contentline.to_ical`); a shorter
    line, which its fold gives back unchanged after walking it character by
    character, is encoded as it is. Most lines of a calendar are short: this
    saves a sixth of the time of writing an event. With an ``icalendar``
    that folds otherwise (:func:`_short_lines_unfolded`), its own ``to_ical``."""
    if not _short_lines_unfolded():
        data: bytes = component.to_ical()
        return data
    return _joined(component)


def _joined(component: Component) -> bytes:
    lines: list[bytes] = []
    for line in component.content_lines():
        if line:  # (icalendar leaves out the empty line that ends the list)
            encoded = line.encode("utf-8")
            lines.append(encoded if len(encoded) < FOLD_FROM else line.to_ical())
    return b"\r\n".join(lines) + b"\r\n"


@functools.cache
def _short_lines_unfolded() -> bool:
    """Whether :func:`_joined` writes what ``icalendar`` does: checked once,
    on an event with a line one octet shorter than :data:`FOLD_FROM` (not
    ASCII) and a longer one."""
    from icalendar import Event

    event = Event()
    event.add("summary", "a" * (FOLD_FROM - len("SUMMARY:") - 3) + "é")
    event.add("description", "b" * FOLD_FROM + " ü" * 40)
    lengths = [len(line.encode("utf-8")) for line in event.content_lines()]
    return FOLD_FROM - 1 in lengths and _joined(event) == event.to_ical()


def calendar_host(base_url: str) -> str:
    return urlsplit(base_url).hostname or "clarion.invalid"


def _deadline_calendar(title: str) -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", f"-//Clarion//Clarion {__version__} deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{title}: deadlines (private)")
    return calendar


def in_calendar(o: Obligation) -> bool:
    """Whether ``deadlines.ics`` holds an event for the item."""
    return o.due_at is not None and _asks_for_a_date(o)


def _asks_for_a_date(o: Obligation) -> bool:
    """Calendar events: items still open, and every regulatory or contractual
    item (the breach record); a settled practice item (a kept update cadence,
    a sent customer email) would only be noise in a calendar."""
    from ..derive.deadlines import OPEN_STATES

    return o.state in OPEN_STATES or o.rule.kind is not RuleKind.PRACTICE


def _deadline_event(o: Obligation, report: DeadlineReport, host: str) -> Event:
    from icalendar import Alarm, Event

    from ..derive.deadlines import ObligationState

    assert o.due_at is not None
    due = o.due_at.astimezone(UTC)
    description = [
        f"Rule: {o.rule.id} ({o.rule.regime})",
        f"Incident: {o.incident.slug}",
        f"Recipient: {o.recipient}",
        f"Due: {utc_text(due)} UTC ({local_text(due, report.zone)})",
        f"State: {o.state.value}" + (f": {o.detail}" if o.detail else ""),
    ]
    if o.satisfied_by:
        description.append(f"Satisfied by: {o.satisfied_by}")
    event = Event()
    _put(event, "uid", f"deadline-{o.key.replace('/', '-')}@{host}")
    _put(event, "dtstamp", (o.clock_at or o.due_at).astimezone(UTC))
    _put(event, "dtstart", due)
    _put(event, "dtend", due + timedelta(minutes=15))
    _put(event, "summary", f"[{o.state.label}] {o.rule.title}: {o.incident.title}")
    _put(event, "description", "\n".join(description))
    _put(event, "categories", [o.rule.kind.value, o.state.value])
    _put(event, "transp", "TRANSPARENT")
    if o.state is ObligationState.DUE:
        alarm = Alarm()
        _put(alarm, "action", "DISPLAY")
        _put(alarm, "description", f"Due in 1 hour: {o.rule.title} ({o.incident.slug})")
        _put(alarm, "trigger", timedelta(hours=-1))
        event.add_component(alarm)
    return event


def _put(component: Component, name: str, value: object) -> None:
    """``component.add(name, value)`` for text, a list of text, a time in
    UTC or a duration: the value typed as ``icalendar`` types the property
    (:func:`_property_type`), without its look at the value's type on each
    call (for these values it infers no ``VALUE``, and a time in UTC is
    already what it makes of a ``DTSTAMP``): a quarter less time to make an
    event of the deadline calendar."""
    component.add(name, _property_type(type(component), name)(value))


@functools.cache
def _property_type(kind: type[Component], name: str) -> Callable[[object], object]:
    found: Callable[[object], object] = kind.types_factory.for_property(name)
    return found
