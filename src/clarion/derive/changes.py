"""When the public page next changes by itself, without a commit.

What a static page shows depends on ``now``: a maintenance window opens or
closes, an update written ahead of time becomes due, a new day moves the
uptime bars and the history on. :func:`next_change` names the earliest such
moment after ``state.now``; ``clarion build`` and ``clarion serve`` report it
and ``clarion next-change`` prints it for the publishing workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..model import Stage

if TYPE_CHECKING:
    from . import State


@dataclass(frozen=True, slots=True)
class Change:
    """A moment the page changes without a commit, and why."""

    at: datetime
    kind: str  # maintenance_starts | maintenance_ends | update_due | new_day
    slug: str | None = None
    title: str | None = None

    def describe(self) -> str:
        what = {
            "maintenance_starts": "the maintenance window of {} opens",
            "maintenance_ends": "the maintenance window of {} closes",
            "update_due": "an update of {} written ahead of time becomes due",
        }.get(self.kind)
        if what is None:
            return "a new day begins in the site's time zone (the uptime bars and history move on)"
        return what.format(f"'{self.title}' ({self.slug})")


def next_change(state: State, zone: ZoneInfo) -> Change:
    """The next moment after ``state.now`` when the public page changes by itself.

    There always is one: at the latest the next midnight in the site's zone,
    when the daily uptime bars move on. Scheduled events (a maintenance window
    opening or closing, an update dated in the future) come first when earlier;
    at equal times a scheduled event wins over the new day.
    """
    now = state.now
    changes: list[Change] = []
    for item in state.incidents:
        if item.is_maintenance:
            if item.status in (Stage.COMPLETED, Stage.CANCELLED) or item.window is None:
                continue
            if item.window.start > now:
                changes.append(
                    Change(item.window.start, "maintenance_starts", item.slug, item.title)
                )
            if item.window.end > now:
                changes.append(Change(item.window.end, "maintenance_ends", item.slug, item.title))
    for item in state.pending:
        future = [u.at for u in item.updates if u.at > now]
        if not item.is_maintenance and item.started_at > now:
            future.append(item.started_at)
        if future:
            changes.append(Change(min(future), "update_due", item.slug, item.title))
    changes.append(Change(next_midnight(now, zone), "new_day"))
    order = {"maintenance_starts": 0, "maintenance_ends": 0, "update_due": 1, "new_day": 2}
    return min(changes, key=lambda c: (c.at, order[c.kind], c.slug or ""))


def next_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """The next 00:00 in ``zone`` after ``now``, in UTC (daylight saving aware)."""
    local = now.astimezone(zone)
    tomorrow = local.date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=zone).astimezone(UTC)
