"""What the machine-readable outputs share: which items are published at
``now``, the updates visible then, canonical URLs, stable ids and times.

Feeds, the calendar, the JSON API, badges and the sitemap all read the state
through :func:`published_items`, so they agree with each other: an update
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
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from ..config import SiteConfig
from ..derive import State
from ..model import Incident, Stage, Update, closed_at, current_stage, first_postmortem
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
    def stage(self) -> Stage:
        """The current stage from the visible updates (postmortems ignored)."""
        return current_stage(self.updates, self.incident.kind)

    @cached_property
    def closed_at(self) -> datetime | None:
        """The last closing update not followed by a reopening one."""
        return closed_at(self.updates)

    @cached_property
    def postmortem(self) -> Update | None:
        return first_postmortem(self.updates)


def visible_updates(incident: Incident, now: datetime) -> tuple[Update, ...]:
    """The updates dated at or before ``now`` (updates are in time order)."""
    updates = incident.updates
    if not updates or updates[-1].at <= now:
        return updates
    return updates[: bisect_right(updates, now, key=lambda u: u.at)]


def published_items(config: SiteConfig, state: State) -> tuple[PublishedItem, ...]:
    """The public items published at ``now``, in the state's order
    ``(started_at, slug)``: every maintenance (announced ahead of its window)
    and every incident that has started. ``public: false`` files are not in
    the state at all. Made once per state: the feeds, the calendar, the API
    and the sitemap of one build share them."""
    held = _published.get(id(state))
    if held is not None and held[0]() is state and held[1] is config:
        return held[2]
    items = _published_items(config, state)
    _published.clear()  # one build's items at a time
    _published[id(state)] = (weakref.ref(state), config, items)
    weakref.finalize(state, _published.pop, id(state), None)
    return items


#: The items of the last state asked for: its id -> (the state, the config, the items).
_published: dict[int, tuple[weakref.ref[State], SiteConfig, tuple[PublishedItem, ...]]] = {}


def _published_items(config: SiteConfig, state: State) -> tuple[PublishedItem, ...]:
    now = state.now
    return tuple(
        PublishedItem(
            incident=incident,
            updates=visible_updates(incident, now),
            url=absolute_url(config, item_uri(incident)),
            component_ids=state.components_of(incident),
        )
        for incident in state.incidents
        if incident.is_maintenance or incident.started_at <= now
    )


def newest_first(items: Iterable[PublishedItem]) -> list[PublishedItem]:
    """Items by their last update, newest first (ties: the later start
    first, then the slug), so that feeds take the first N they want."""
    return sorted(items, key=lambda i: (i.updated_at, i.incident.started_at, i.slug), reverse=True)


def page_updated_at(items: Sequence[PublishedItem]) -> datetime | None:
    """The latest update time among the published items (``None`` when the
    site has published no update yet)."""
    return max((item.updates[-1].at for item in items if item.updates), default=None)
