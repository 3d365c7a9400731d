"""Current component status and the overall indicator, as Statuspage shows them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ..model import Impact, Incident, worst_impact
from .timeline import Interval


@dataclass(frozen=True, slots=True)
class Overall:
    """Statuspage's ``status`` object: ``indicator`` and ``description``."""

    indicator: str  # none | minor | major | critical | maintenance
    description: str


def impact_at(intervals: Iterable[Interval], moment: datetime) -> Impact:
    """The worst impact among intervals covering ``moment``."""
    return worst_impact(
        i.impact for i in intervals if i.start <= moment and (i.end is None or moment < i.end)
    )


def overall_status(
    component_status: Mapping[str, Impact], active_incidents: Iterable[Incident]
) -> Overall:
    """The page's indicator from the worst component and the active incidents.

    ``major_outage`` -> critical, ``partial_outage`` -> major,
    ``degraded_performance`` -> minor; an active incident with no component
    impact is minor; otherwise maintenance in progress shows ``maintenance``.
    """
    worst = worst_impact(component_status.values())
    if worst is Impact.MAJOR_OUTAGE:
        return Overall("critical", "Major System Outage")
    if worst is Impact.PARTIAL_OUTAGE:
        return Overall("major", "Partial System Outage")
    if worst is Impact.DEGRADED_PERFORMANCE:
        return Overall("minor", "Partially Degraded Service")
    if any(True for _ in active_incidents):
        return Overall("minor", "Minor Service Outage")
    if worst is Impact.UNDER_MAINTENANCE:
        return Overall("maintenance", "Service Under Maintenance")
    return Overall("none", "All Systems Operational")


def incident_impact(incident: Incident) -> str:
    """Statuspage's incident ``impact``: the worst component impact it caused
    (the worst of the front matter and every ``Impact:`` line)."""
    if incident.is_maintenance:
        return "maintenance"
    impacts = list(incident.components.values())
    for update in incident.updates:
        if update.impact:
            impacts.extend(update.impact.values())
    worst = worst_impact(impacts)
    return {
        Impact.MAJOR_OUTAGE: "critical",
        Impact.PARTIAL_OUTAGE: "major",
        Impact.DEGRADED_PERFORMANCE: "minor",
    }.get(worst, "none")
