"""Derived state: pure functions of the model, the config and ``now``.

``derive_state(config, incidents, now)`` gives what the public outputs show:
each component's current impact, the overall indicator, active and upcoming
items, 90-day uptime and the next moment the page changes by itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from ..config import SiteConfig
from ..model import Impact, Incident, Stage
from .status import Overall, impact_at, incident_impact, overall_status
from .timeline import Interval, impact_intervals
from .uptime import ComponentUptime, component_uptime


@dataclass(frozen=True)
class State:
    """What the public site shows at ``now``."""

    now: datetime
    incidents: tuple[Incident, ...]  # public items, sorted by (started_at, slug)
    intervals: Mapping[str, tuple[Interval, ...]]  # by incident slug
    component_status: Mapping[str, Impact]
    overall: Overall
    uptime: Mapping[str, ComponentUptime]

    @cached_property
    def active_incidents(self) -> tuple[Incident, ...]:
        """Unresolved incidents, newest first."""
        return tuple(
            i for i in reversed(self.incidents) if not i.is_maintenance and not i.is_closed and i.started_at <= self.now
        )

    @cached_property
    def active_maintenance(self) -> tuple[Incident, ...]:
        return tuple(i for i in self.maintenance if maintenance_state(i, self.now) == "active")

    @cached_property
    def upcoming_maintenance(self) -> tuple[Incident, ...]:
        return tuple(i for i in self.maintenance if maintenance_state(i, self.now) == "upcoming")

    @cached_property
    def maintenance(self) -> tuple[Incident, ...]:
        return tuple(i for i in self.incidents if i.is_maintenance)

    def impact_of(self, incident: Incident) -> str:
        return incident_impact(incident, self.intervals.get(incident.slug, ()))

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

    def next_change_at(self) -> datetime | None:
        """The next time the page changes without a new commit: a maintenance
        window opening or closing (None when nothing is scheduled)."""
        moments = []
        for item in self.maintenance:
            if item.status is Stage.CANCELLED or item.status is Stage.COMPLETED:
                continue
            assert item.window is not None
            moments.extend(m for m in (item.window.start, item.window.end) if m > self.now)
        return min(moments, default=None)


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
    """Compute the public state from the public incidents (private ones excluded)."""
    public = tuple(i for i in incidents if i.public)
    by_slug = {i.slug: tuple(impact_intervals(i)) for i in public}
    by_component: dict[str, list[Interval]] = {c: [] for c in config.component_ids}
    for intervals in by_slug.values():
        for interval in intervals:
            by_component.setdefault(interval.component, []).append(interval)
    status = {cid: impact_at(by_component[cid], now) for cid in config.component_ids}
    active = [i for i in public if not i.is_maintenance and not i.is_closed and i.started_at <= now]
    uptime = {cid: component_uptime(cid, by_component[cid], now, config.timezone) for cid in config.component_ids}
    return State(
        now=now,
        incidents=public,
        intervals=by_slug,
        component_status=status,
        overall=overall_status(status, active),
        uptime=uptime,
    )
