"""What changed between the page the world saw last and the page about to be
published: one :class:`Change` per event, each with a stable key.

Every state implies a set of changes (its incidents' updates, postmortems,
maintenance transitions); the changes to announce are those of the new
state whose keys the previous state does not have. Keys:

- ``<incident id>/<update id>``: an update (declared, update, resolved,
  reopened; for maintenance scheduled, started, update, completed, cancelled);
- ``<incident id>/postmortem``: the postmortem was published;
- ``<incident id>/started`` and ``/completed``: a maintenance window opened
  or closed without an update saying so (the page moved on by the clock);
- ``<incident id>/window/<start>/<end>``: a maintenance window was moved.

The ids are the API's: stable hashes of the slug and of each update's time,
stage and rank, so the same update has the same key in every build.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .state import Item, SiteState

INCIDENT_EVENTS = ("declared", "update", "resolved", "reopened", "postmortem")
MAINTENANCE_EVENTS = ("scheduled", "started", "update", "completed", "cancelled", "rescheduled")
_STARTED = ("in_progress", "verifying")


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    key: str
    event: str
    item: Item
    update: dict[str, Any] | None  # the API's incident_update, when an update made it
    at: str  # ISO time of the change, for ordering

    @property
    def thread_key(self) -> str:
        """Messages of one item share a thread (email) and are sent in order."""
        return self.item.id


def item_changes(item: Item) -> Iterator[Change]:
    """Every change ``item`` shows, oldest first."""
    if item.maintenance:
        yield from _maintenance_changes(item)
        return
    before: str | None = None
    for update in item.updates:
        status = str(update.get("status"))
        if before is None:
            event = "declared"
        elif status == "resolved" and before != "resolved":
            event = "resolved"
        elif before == "resolved" and status != "resolved":
            event = "reopened"
        else:
            event = "update"
        yield _of(item, update, event)
        before = status
    published = item.data.get("postmortem_published_at")
    if published:
        yield Change(
            key=f"{item.id}/postmortem", event="postmortem", item=item, update=None, at=published
        )


def _maintenance_changes(item: Item) -> Iterator[Change]:
    updates = item.updates
    before: str | None = None
    for index, update in enumerate(updates):
        status = str(update.get("status"))
        if before is None and status == "scheduled":
            event = "scheduled"
        elif status in _STARTED and before not in _STARTED:
            event = "started"
        elif status == "completed" and before != "completed":
            last = index == len(updates) - 1
            event = "cancelled" if item.cancelled and last else "completed"
        else:
            event = "update"
        yield _of(item, update, event)
        before = status
    statuses = {str(u.get("status")) for u in updates}
    status = str(item.data.get("status"))
    if status in _STARTED and not statuses & {*_STARTED, "completed"}:
        at = str(item.data.get("scheduled_for"))
        yield Change(key=f"{item.id}/started", event="started", item=item, update=None, at=at)
    if status == "completed" and "completed" not in statuses:
        at = str(item.data.get("scheduled_until"))
        yield Change(key=f"{item.id}/completed", event="completed", item=item, update=None, at=at)
    window = f"{item.data.get('scheduled_for')}/{item.data.get('scheduled_until')}"
    yield Change(
        key=f"{item.id}/window/{window}",
        event="rescheduled",
        item=item,
        update=None,
        at=str(item.data.get("updated_at") or item.data.get("scheduled_for")),
    )


def _of(item: Item, update: dict[str, Any], event: str) -> Change:
    return Change(
        key=f"{item.id}/{update['id']}",
        event=event,
        item=item,
        update=update,
        at=str(update.get("display_at") or update.get("created_at")),
    )


def state_keys(state: SiteState) -> frozenset[str]:
    return frozenset(c.key for item in state.items for c in item_changes(item))


def new_changes(previous: SiteState, new: SiteState) -> list[Change]:
    """The changes of ``new`` that ``previous`` does not show, oldest first.

    A window key is a change only for a maintenance the previous page
    already showed and that is not over (a new one is announced as
    scheduled). A "started" or "completed" update after the page already
    showed that by the clock is announced as an update."""
    seen = state_keys(previous)
    out: list[Change] = []
    for item in new.items:
        before = previous.item(item.id)
        before_status = str(before.data.get("status")) if before is not None else None
        for change in item_changes(item):
            if change.key in seen:
                continue
            if change.event == "rescheduled" and (
                before is None or item.data.get("status") == "completed"
            ):
                continue
            if (change.event == "started" and before_status in _STARTED) or (
                change.event == "completed" and before_status == "completed" and not item.cancelled
            ):
                change = Change(
                    key=change.key, event="update", item=item, update=change.update, at=change.at
                )
            out.append(change)
    return sorted(out, key=order)


def order(change: Change) -> tuple[datetime, str]:
    """Time order (times carry offsets, so compare them as times), then key."""
    try:
        moment = datetime.fromisoformat(change.at)
    except ValueError:
        moment = datetime.min.replace(tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, change.key


def all_changes(state: SiteState) -> dict[str, Change]:
    """Every change of ``state`` by key (to retry what a record says is pending)."""
    return {c.key: c for item in state.items for c in item_changes(item)}
