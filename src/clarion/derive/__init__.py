"""Derived state: pure functions of the model, the config and ``now``.

``derive_state(config, incidents, now)`` gives what the public outputs show:
each component's current impact, the overall indicator, active and upcoming
items, 90-day uptime and the next moment the page changes by itself.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from functools import cached_property

from ..config import SiteConfig
from ..model import Impact, Incident, Stage
from .action_items import without_owners_and_dates
from .status import Overall, impact_at, incident_impact, overall_status
from .timeline import Interval, impact_intervals
from .uptime import UPTIME_DAYS, ComponentUptime, component_uptime


@dataclass(frozen=True)
class State:
    """What the public site shows at ``now``."""

    now: datetime
    incidents: tuple[Incident, ...]  # public items as of now, sorted by (started_at, slug)
    recent: Mapping[
        str, tuple[Interval, ...]
    ]  # by component: intervals that may touch the uptime window
    component_status: Mapping[str, Impact]
    overall: Overall
    uptime: Mapping[str, ComponentUptime]
    #: public items with an update (or a start) dated after ``now``, whole:
    #: what becomes visible later (see :func:`clarion.derive.changes.next_change`)
    pending: tuple[Incident, ...]
    #: unresolved incidents (started by ``now``, not closed), newest first
    active_incidents: tuple[Incident, ...]
    #: the maintenance items among ``incidents``, in their order
    maintenance: tuple[Incident, ...]

    def last_change_at(self, component_id: str) -> datetime | None:
        """The component's last status change at or before ``now``."""
        moments = _change_moments(self.recent.get(component_id, ()), self.now)
        if moments:
            return max(moments)
        return self._all_last_changes.get(component_id)

    @cached_property
    def _all_last_changes(self) -> dict[str, datetime]:
        last: dict[str, datetime] = {}
        for incident in self.incidents:
            for interval in _intervals(incident):
                for moment in _change_moments((interval,), self.now):
                    if interval.component not in last or moment > last[interval.component]:
                        last[interval.component] = moment
        return last

    @cached_property
    def active_maintenance(self) -> tuple[Incident, ...]:
        return tuple(i for i in self.maintenance if maintenance_state(i, self.now) == "active")

    @cached_property
    def upcoming_maintenance(self) -> tuple[Incident, ...]:
        return tuple(i for i in self.maintenance if maintenance_state(i, self.now) == "upcoming")

    def impact_of(self, incident: Incident) -> str:
        return incident_impact(incident)

    def components_of(self, incident: Incident) -> tuple[str, ...]:
        """Component ids an item affected, in the order first named."""
        ids = dict.fromkeys(incident.components)
        for update in incident.updates:
            if update.impact:
                ids.update(dict.fromkeys(update.impact))
        return tuple(ids)

    def ended_at(self, incident: Incident) -> datetime | None:
        if incident.is_maintenance:
            assert incident.window is not None
            return incident.resolved_at or incident.window.end
        return incident.resolved_at


def maintenance_state(item: Incident, now: datetime) -> str:
    """``upcoming``, ``active`` or ``past`` for a maintenance item at ``now``."""
    assert item.window is not None
    if item.status in (Stage.COMPLETED, Stage.CANCELLED):
        return "past"
    if now < item.window.start:
        return "upcoming"
    if now < item.window.end:
        return "active"
    return "past"


def derive_state(config: SiteConfig, incidents: Sequence[Incident], now: datetime) -> State:
    """Compute the public state from the public incidents (private ones excluded)
    as published at ``now``: updates dated later are held back
    (:meth:`~clarion.model.Incident.as_of`).

    Only items that can touch the 90-day uptime window or still affect a
    component now are expanded into intervals, so the work does not grow with
    the length of the history.
    """
    text_only = not config.postmortem.public_action_items
    since = datetime.combine(
        now.astimezone(config.timezone).date() - timedelta(days=UPTIME_DAYS),
        time(),
        config.timezone,
    )
    public: list[Incident] = []
    pending: list[Incident] = []
    active: list[Incident] = []
    maintenance: list[Incident] = []
    recent: dict[str, list[Interval]] = {c: [] for c in config.component_ids}
    for whole in incidents:  # one pass: at 10,000 incidents every pass counts
        if not whole.public:
            continue
        latest = whole.latest_at
        if whole.started_at > now or latest is not None and latest > now:
            pending.append(whole)
        incident = whole.as_of(now)
        if incident is None:
            continue
        if text_only:
            incident = _action_items_text_only(incident)
        public.append(incident)
        if incident.is_maintenance:
            maintenance.append(incident)
        if incident.started_at > now:
            continue
        if not incident.is_maintenance and not incident.is_closed:
            active.append(incident)
        if _may_reach(incident, since):
            for interval in _intervals(incident):
                recent.setdefault(interval.component, []).append(interval)
    status = {cid: impact_at(recent[cid], now) for cid in config.component_ids}
    uptime = {
        cid: component_uptime(cid, recent[cid], now, config.timezone)
        for cid in config.component_ids
    }
    return State(
        now=now,
        incidents=tuple(public),
        recent={cid: tuple(items) for cid, items in recent.items()},
        component_status=status,
        overall=overall_status(status, active),
        uptime=uptime,
        pending=tuple(pending),
        active_incidents=tuple(reversed(active)),
        maintenance=tuple(maintenance),
    )


def _action_items_text_only(incident: Incident) -> Incident:
    """The item with its postmortems' action items reduced to their text
    (owners and dates are private unless ``[postmortem] public_action_items``)."""
    if incident.postmortem is None:
        return incident
    updates = tuple(
        replace(u, body=without_owners_and_dates(u.body)) if u.stage is Stage.POSTMORTEM else u
        for u in incident.updates
    )
    if all(a.body == b.body for a, b in zip(updates, incident.updates, strict=True)):
        return incident
    return replace(incident, updates=updates)


def _may_reach(incident: Incident, since: datetime) -> bool:
    """False when every impact of ``incident`` ended before ``since``: it is
    closed, closed before ``since``, and its closing update left every
    component operational."""
    if incident.is_maintenance:
        assert incident.window is not None
        return incident.window.end >= since
    resolved = incident.resolved_at
    if resolved is None or resolved >= since:
        return True
    last = incident.outline.closing_impact  # the last resolved update's
    return last is not None and any(impact is not Impact.OPERATIONAL for impact in last.values())


@functools.lru_cache(maxsize=4096)
def _intervals(incident: Incident) -> tuple[Interval, ...]:
    return tuple(impact_intervals(incident))


def _change_moments(intervals: Iterable[Interval], now: datetime) -> list[datetime]:
    return [m for i in intervals for m in (i.start, i.end) if m is not None and m <= now]
