"""Read-only views that templates use: an incident with its URL, impact and
rendered text; a component with its status and uptime. They hold no logic
beyond presentation of the model and the derived state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from ..config import Component, Group, SiteConfig
from ..derive import State
from ..derive.uptime import ComponentUptime, DayUptime
from ..model import Impact, Incident, Update
from .templates import format_percent


def item_uri(incident: Incident) -> str:
    """The folder of an incident's or maintenance's page, e.g. ``incidents/<slug>/``."""
    return f"{'maintenance' if incident.is_maintenance else 'incidents'}/{incident.slug}/"


@dataclass(frozen=True)
class ComponentView:
    component: Component
    status: Impact
    uptime: ComponentUptime

    @property
    def id(self) -> str:
        return self.component.id

    @property
    def name(self) -> str:
        return self.component.name

    @property
    def uri(self) -> str:
        return f"components/{self.component.id}/"


@dataclass(frozen=True)
class GroupView:
    group: Group | None
    components: tuple[ComponentView, ...]

    @property
    def worst(self) -> Impact:
        return max(
            (c.status for c in self.components), key=lambda i: i.rank, default=Impact.OPERATIONAL
        )


@dataclass(frozen=True)
class ItemView:
    """An incident or maintenance as pages show it."""

    incident: Incident
    state: State
    config: SiteConfig

    @property
    def uri(self) -> str:
        return item_uri(self.incident)

    @property
    def title(self) -> str:
        return self.incident.title

    @property
    def impact(self) -> str:
        return self.state.impact_of(self.incident)

    @cached_property
    def components(self) -> tuple[Component, ...]:
        return tuple(self.config.component(cid) for cid in self.state.components_of(self.incident))

    @property
    def started_at(self) -> datetime:
        return self.incident.started_at

    @property
    def ended_at(self) -> datetime | None:
        return self.state.ended_at(self.incident)

    @property
    def duration_seconds(self) -> float:
        end = self.ended_at or self.state.now
        return max((min(end, self.state.now) - self.started_at).total_seconds(), 0)

    @property
    def status(self) -> str:
        return self.incident.status.label

    @property
    def is_open(self) -> bool:
        if self.incident.is_maintenance:
            from ..derive import maintenance_state

            return maintenance_state(self.incident, self.state.now) != "past"
        return not self.incident.is_closed

    @property
    def settled(self) -> bool:
        return settled(self.incident, self.state.now)

    @property
    def updates_newest_first(self) -> tuple[Update, ...]:
        return tuple(
            u
            for u in reversed(self.incident.updates)
            if u.at <= self.state.now or self.incident.is_maintenance
        )

    @property
    def latest(self) -> Update | None:
        updates = self.updates_newest_first
        return updates[0] if updates else None


def settled(incident: Incident, now: datetime) -> bool:
    """True when the item's page no longer changes with ``now``: it is
    closed (or its window is over) and no update is dated after ``now``
    (updates are in time order: the last is the latest)."""
    latest = incident.latest_at
    if latest is not None and latest > now:
        return False
    if incident.is_maintenance:
        assert incident.window is not None
        return incident.is_closed or incident.window.end <= now
    return incident.is_closed


def day_of(moment: datetime, config: SiteConfig) -> date:
    return moment.astimezone(config.timezone).date()


def history_anchor(incident: Incident, config: SiteConfig) -> str:
    """Where the month's history lists ``incident``: its start day's anchor,
    e.g. ``history/2026/11/#d-2026-11-20``."""
    day = day_of(incident.started_at, config)
    return f"history/{day:%Y/%m}/#d-{day.isoformat()}"


def day_summary(day: DayUptime) -> str:
    """The text of one day of the uptime bars, e.g. ``20 Nov 2026: 99.31%
    uptime; API errors and 1 more``: one incident named, the rest counted,
    so that a busy day does not weigh down the index."""
    when = day.day.strftime("%d %b %Y")
    if day.today:  # no figure while the day runs: the page changes with the state only
        text = f"{when}: today so far, {day.worst.label.lower()}"
    elif day.up_ratio is None:
        return f"{when}: no data"
    else:
        text = f"{when}: {format_percent(day.up_ratio)} uptime"
    if day.incidents:
        first, more = day.incidents[0].title, len(day.incidents) - 1
        return f"{text}; {first}" + (f" and {more} more" if more else "")
    if day.worst is Impact.UNDER_MAINTENANCE:
        return f"{text}, maintenance, no incidents"
    return f"{text}, no incidents"
