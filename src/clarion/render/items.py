"""What the machine-readable outputs share: which items are published at
``now``, the updates visible then, canonical URLs, stable ids and times.

Feeds, the calendar, the JSON API, badges and the sitemap all read the state
through :func:`published`, so they agree with each other: an update
dated after ``now`` is not published yet, anywhere.

Nothing here reads the clock: every time comes from the content or from
``state.now``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from ..config import SiteConfig
from ..derive import State
from ..model import Incident, Outline, Stage, Update, outline_of
from .markdown import MarkdownRenderer
from .views import item_uri

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def stable_id(kind: str, key: str) -> str:
    """A short, stable, Statuspage-looking id (12 characters of ``a-z2-7``)
    derived from a kind and a key, e.g. ``stable_id("incident", slug)``."""
    digest = hashlib.sha256(f"{kind}:{key}".encode()).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:12]


def iso_time(moment: datetime, zone: ZoneInfo) -> str:
    """ISO 8601 in the site's zone with its offset and milliseconds, as
    Statuspage writes times: ``2026-11-20T15:05:00.000+01:00``."""
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


def dump_json(data: object) -> bytes:
    """Clarion's one JSON encoding: sorted keys, two spaces, UTF-8, final newline."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def plain_text(markdown: MarkdownRenderer, text: str) -> str:
    """Update text without markup (sanitised, entities decoded), for feed
    summaries, API bodies and calendar descriptions; paragraphs stay
    separated by a blank line."""
    blocks = (markdown.plain(block) for block in _PARAGRAPH_BREAK.split(text.strip()))
    return "\n\n".join(block for block in blocks if block)


def absolute_url(config: SiteConfig, uri: str = "") -> str:
    """The canonical URL of a ``/``-separated path inside the site."""
    return config.base_url + uri


@dataclass(frozen=True)
class PublishedItem:
    """An incident or maintenance as published at ``now``: only the updates
    dated at or before ``now``, oldest first."""

    incident: Incident
    updates: tuple[Update, ...]
    url: str
    component_ids: tuple[str, ...]

    @property
    def slug(self) -> str:
        return self.incident.slug

    @property
    def is_maintenance(self) -> bool:
        return self.incident.is_maintenance

    @property
    def published_at(self) -> datetime:
        """The first visible update, else when the item starts."""
        return self.updates[0].at if self.updates else self.incident.started_at

    @property
    def updated_at(self) -> datetime:
        """The last visible update (it moves when an update is added)."""
        return self.updates[-1].at if self.updates else self.published_at

    @property
    def latest(self) -> Update | None:
        return self.updates[-1] if self.updates else None

    @cached_property
    def outline(self) -> Outline:
        """What the visible updates say (:class:`~clarion.model.Outline`)."""
        return outline_of(self.updates, self.incident.kind)

    @property
    def stage(self) -> Stage:
        """The current stage from the visible updates (postmortems ignored)."""
        return self.outline.status

    @property
    def closed_at(self) -> datetime | None:
        """The last closing update not followed by a reopening one."""
        return self.outline.resolved_at

    @property
    def postmortem(self) -> Update | None:
        index = self.outline.postmortem
        return None if index is None else self.updates[index]


def visible_updates(incident: Incident, now: datetime) -> tuple[Update, ...]:
    """The updates dated at or before ``now`` (updates are in time order)."""
    updates = incident.updates
    if not updates or updates[-1].at <= now:
        return updates
    return updates[: bisect_right(updates, now, key=lambda u: u.at)]


class Published:
    """The items published at ``now``, each fact worked out when a writer
    first asks for it and shared by the feeds, the calendar, the API, the
    sitemap and the history of one build: an item is made a
    :class:`PublishedItem` only when a file lists it, so that what a writer
    costs follows what its files show, not the length of the history.

    ``incidents``: every maintenance (announced ahead of its window) and
    every incident that has started, in the state's order ``(started_at,
    slug)``. ``public: false`` files are not in the state at all."""

    def __init__(self, config: SiteConfig, state: State):
        self.config = config
        self.state = state
        now = state.now
        incidents = state.incidents
        # incidents not started yet sort last (the state's order is by start)
        cut = bisect_right(incidents, now, key=lambda i: i.started_at)
        later = tuple(i for i in incidents[cut:] if i.is_maintenance)
        self.incidents = incidents[:cut] + later if len(later) < len(incidents) - cut else incidents
        self._items: dict[str, PublishedItem] = {}

    def item(self, incident: Incident) -> PublishedItem:
        """``incident`` as published at ``now`` (one of :attr:`incidents`)."""
        made = self._items.get(incident.slug)
        if made is None:
            made = PublishedItem(
                incident=incident,
                updates=visible_updates(incident, self.state.now),
                url=absolute_url(self.config, item_uri(incident)),
                component_ids=self.state.components_of(incident),
            )
            self._items[incident.slug] = made
        return made

    @property
    def maintenance(self) -> tuple[Incident, ...]:
        """Every maintenance, in the state's order (all are published)."""
        return self.state.maintenance

    @cached_property
    def updated_times(self) -> list[datetime]:
        """:attr:`PublishedItem.updated_at` of each of :attr:`incidents`, in
        their order, without making the items."""
        times = [i.latest_at or i.started_at for i in self.incidents]
        now = self.state.now
        if times and max(times) > now:  # updates held back: only those visible count
            times = [
                self._updated_at(i) if t > now else t
                for i, t in zip(self.incidents, times, strict=True)
            ]
        return times

    def _updated_at(self, incident: Incident) -> datetime:
        updates = visible_updates(incident, self.state.now)
        return updates[-1].at if updates else incident.started_at

    @cached_property
    def newest_first(self) -> tuple[Incident, ...]:
        """The items by their last update, newest first (ties: the later
        start first, then the slug), so that feeds take the first N they want."""
        incidents = self.incidents
        # the items are in order of (start, slug): their position breaks ties the same way
        order = sorted(zip(self.updated_times, range(len(incidents)), strict=True), reverse=True)
        return tuple([incidents[n] for _, n in order])

    @cached_property
    def updated_at(self) -> datetime | None:
        """The latest update time among the items (``None`` when the site has
        published no update yet): the last update of the newest item that
        has one."""
        for incident in self.newest_first:
            updates = self.item(incident).updates
            if updates:
                return updates[-1].at
        return None

    @cached_property
    def slugs(self) -> list[str]:
        """The slug of each of :attr:`incidents`, in their order."""
        return [i.slug for i in self.incidents]

    @cached_property
    def starts(self) -> list[datetime]:
        """When each of :attr:`incidents` starts, in their order (ascending)."""
        return [i.started_at for i in self.incidents]

    @cached_property
    def months(self) -> dict[tuple[int, int], list[Incident]]:
        """The items of each month of the history (the local month they
        start in), newest first within each; months in the order met."""
        return by_month(self.incidents, self.starts, self.config.timezone)


#: Farther than this from the start of a local month, an instant is in the
#: month its position says: no zone's offset moves by as much.
_MONTH_MARGIN = timedelta(days=2)


def by_month(
    items: Sequence[Incident], starts: Sequence[datetime], zone: ZoneInfo
) -> dict[tuple[int, int], list[Incident]]:
    """``items`` (in order of ``starts``, ascending) by the local month they
    start in: newest first within each month, months in the order met going
    back. The same as converting every start to the zone, without doing it:
    between two month starts, the items farther than :data:`_MONTH_MARGIN`
    from both are in that month (found by bisection); only those nearer
    are converted, so a zone whose clock goes back over midnight is exact too."""

    def month_of(k: int) -> tuple[int, int]:
        local = starts[k].astimezone(zone)
        return local.year, local.month

    parts: list[tuple[int, int, tuple[int, int] | None]] = []  # (lo, hi, month or per item)
    if items:
        month = month_of(0)
        first = datetime(month[0], month[1], 1, tzinfo=zone).astimezone(UTC)
        done = bisect_left(starts, first + _MONTH_MARGIN)
        parts.append((0, done, None))
        while done < len(items):
            if month[0] == MAXYEAR:  # (no month starts after this one)
                parts.append((done, len(items), None))
                break
            before, month = month, (month[0] + month[1] // 12, month[1] % 12 + 1)
            boundary = datetime(month[0], month[1], 1, tzinfo=zone).astimezone(UTC)
            near = bisect_left(starts, boundary - _MONTH_MARGIN, done)
            parts.append((done, near, before))
            done = bisect_left(starts, boundary + _MONTH_MARGIN, near)
            parts.append((near, done, None))
    months: dict[tuple[int, int], list[Incident]] = {}
    for lo, hi, known in reversed(parts):
        if lo == hi:
            continue
        if known is not None:
            months.setdefault(known, []).extend(reversed(items[lo:hi]))
        else:
            for k in range(hi - 1, lo - 1, -1):
                months.setdefault(month_of(k), []).append(items[k])
    return months


def published(config: SiteConfig, state: State) -> Published:
    """The published items of ``state``, made once per state: the writers of
    one build share them."""
    held = _published.get(id(state))
    if held is not None and held[0]() is state and held[1] is config:
        return held[2]
    items = Published(config, state)
    _published.clear()  # one build's items at a time
    _published[id(state)] = (weakref.ref(state), config, items)
    weakref.finalize(state, _published.pop, id(state), None)
    return items


#: The items of the last state asked for: its id -> (the state, the config, the items).
_published: dict[int, tuple[weakref.ref[State], SiteConfig, Published]] = {}
