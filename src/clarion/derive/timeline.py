"""Each incident's component impact over time, from its front matter and the
``Impact:`` lines of its updates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..model import CLOSING_STAGES, Impact, Incident, Stage


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Component impacts in force from ``at`` (until the next snapshot)."""

    at: datetime
    impacts: Mapping[str, Impact]
    update_position: int | None  # the update that caused it; None at the start


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of time in which an item put one component at ``impact``."""

    component: str
    start: datetime
    end: datetime | None  # None: still going
    impact: Impact
    incident: Incident


def impact_snapshots(incident: Incident) -> tuple[Snapshot, ...]:
    """The impacts of an incident's components, update by update.

    Rules (PRODUCT.md): the front matter sets the impact at the start; an
    ``Impact:`` line changes the components it names; a closing update returns
    every component to ``operational`` unless its ``Impact:`` line says
    otherwise; an update that reopens a resolved incident without an
    ``Impact:`` line restores the impact in force before the resolution.
    Maintenance: its components are ``under_maintenance`` from the window's
    start until its end or an earlier ``completed``/``cancelled`` update.
    """
    if incident.is_maintenance:
        return _maintenance_snapshots(incident)
    current = dict(incident.components)
    snapshots = [Snapshot(incident.started_at, dict(current), None)]
    before_close: dict[str, Impact] | None = None
    for update in incident.updates:
        if update.stage is Stage.POSTMORTEM:
            continue
        if update.stage in CLOSING_STAGES:
            if before_close is None:
                before_close = dict(current)
            current = {cid: Impact.OPERATIONAL for cid in current}
        elif before_close is not None:
            current = before_close
            before_close = None
        if update.impact:
            current.update(update.impact)
        if current != snapshots[-1].impacts:
            at = max(update.at, incident.started_at)
            snapshots.append(Snapshot(at, dict(current), update.position))
    return tuple(snapshots)


def _maintenance_snapshots(incident: Incident) -> tuple[Snapshot, ...]:
    assert incident.window is not None
    start, end = incident.window.start, incident.window.end
    for update in incident.updates:
        if update.stage in CLOSING_STAGES:
            end = min(end, max(update.at, start)) if update.at < end else end
            break
    on = {cid: Impact.UNDER_MAINTENANCE for cid in incident.components}
    off = {cid: Impact.OPERATIONAL for cid in incident.components}
    if end <= start:
        return (Snapshot(start, off, None),)
    return (Snapshot(start, on, None), Snapshot(end, off, None))


def impact_intervals(incident: Incident) -> list[Interval]:
    """The non-operational stretches of each component for one incident."""
    snapshots = impact_snapshots(incident)
    intervals: list[Interval] = []
    open_since: dict[str, tuple[datetime, Impact]] = {}
    for snapshot in snapshots:
        for cid in set(open_since) | set(snapshot.impacts):
            impact = snapshot.impacts.get(cid, Impact.OPERATIONAL)
            running = open_since.get(cid)
            if running and running[1] is impact:
                continue
            if running:
                if snapshot.at > running[0]:
                    intervals.append(Interval(cid, running[0], snapshot.at, running[1], incident))
                del open_since[cid]
            if impact is not Impact.OPERATIONAL:
                open_since[cid] = (snapshot.at, impact)
    for cid, (start, impact) in sorted(open_since.items()):
        intervals.append(Interval(cid, start, None, impact, incident))
    return intervals
