"""Incident metrics: how fast a team notices, responds and recovers, how
often things break, and whether postmortem action items get done.

Pure functions of the model and ``now``; nothing here reads a file or the
clock. Every duration is in seconds.

This module puts the report together (:func:`compute_stats`); each family of
metrics has its own module: one incident's facts and the shared value types
(:mod:`.incident_facts`), the metrics of a scope (:mod:`.scope_stats`), the
months and the uptime (:mod:`.monthly_stats`), the targets
(:mod:`.metric_targets`).

**Which incidents count.** Incidents only: scheduled maintenance is planned
work, not a failure, and is left out of every metric. An incident belongs to
the window ``[since, until)`` when its start (``declared``, or its first
update when ``declared`` is absent: the time the status page files it under)
lies inside it and is not after ``now``. Facts dated after ``now`` (updates,
postmortems) are not yet known, so ``--now`` replays the past. Incidents with
``public: false`` count unless ``include_private`` is false (a public metrics
page leaves them out, so it never reveals them). An incident that is still
open (no ``resolved`` update at ``now``, or reopened since) counts in the
incident counts, MTTA, time to declare and time to first update, and is left
out of MTTR and of the postmortem share.

**Definitions** (per incident; a metric's mean, median and 90th percentile
are taken over the incidents that have both times):

- *MTTA*, time to acknowledge: ``acknowledged - detected``.
- *Time to declare*: ``declared - detected``.
- *Time to first public update*: first update - ``declared`` (public incidents
  only: an incident with ``public: false`` has no public update).
- *MTTR*, time to resolve: resolution - ``detected``, or - ``declared`` when
  ``detected`` is absent (or - the first update when both are). The
  resolution is the last ``resolved`` update not followed by a reopening
  one, so a reopened incident counts until it was finally resolved.
- *MTBF*, time between failures, per component: the gaps between one
  incident's resolution and the next incident's start (``detected``, else
  ``declared``) on that component, over the incidents of the window that
  affected it (named with a non-operational impact in the front matter or an
  ``Impact:`` line). Overlapping incidents merge into one failure; an open
  incident ends the series. Overall: the same over every incident, whatever
  the component.
- *Postmortem share*: of the resolved SEV0 and SEV1 incidents, the share with
  a ``Postmortem`` update within ``postmortem_within`` (the site's
  ``postmortem`` rule: :func:`clarion.reports.metrics.postmortem_window`) of the
  resolution. An incident still inside that period without a postmortem is
  *pending* and not counted yet.
- *Action-item completion*: of the action items in the postmortems of the
  window's incidents (:mod:`clarion.derive.action_items`), the share checked
  done (``[x]``).
- *Incidents per month*: incidents by the calendar month of their start in
  the site's zone, by severity.
- *Uptime* per component over the window, with Statuspage's weighting (as
  on the status page: ``major_outage`` counts fully as downtime,
  ``partial_outage`` as 0.3, degraded performance and maintenance not at all).

**Missing times.** A metric whose times are not both recorded (no
``detected``, no ``acknowledged``, ...) is skipped for that incident and
counted as *n/a*, never as zero. A negative interval (a time written before
the one it should follow) is also counted as n/a.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..model import Incident
from .action_items import ActionItem
from .incident_facts import IncidentFacts, incident_facts
from .monthly_stats import MonthStats, components_uptime, month_start, month_stats
from .scope_stats import ScopeStats, scope_stats


@dataclass(frozen=True, kw_only=True)
class Stats:
    """Every metric over a window, overall and per component."""

    now: datetime
    zone: ZoneInfo
    since: datetime | None  # as asked (None: from the first incident)
    until: datetime  # exclusive; at most ``now``
    include_private: bool
    overall: ScopeStats
    components: tuple[ScopeStats, ...]  # in the site's order
    months: tuple[MonthStats, ...]  # every month of the window, oldest first
    facts: tuple[IncidentFacts, ...]  # the window's incidents, by start
    postmortem_within: timedelta  # the postmortem rule's period at the site

    @property
    def start(self) -> datetime | None:
        """The window's effective start: ``since``, else the first incident's start."""
        if self.since is not None:
            return self.since
        return self.facts[0].incident.started_at if self.facts else None

    @property
    def action_items(self) -> tuple[ActionItem, ...]:
        return tuple(item for f in self.facts for item in f.action_items)

    def component(self, component_id: str) -> ScopeStats:
        for scope in self.components:
            if scope.component == component_id:
                return scope
        raise KeyError(component_id)


def compute_stats(
    incidents: Iterable[Incident],
    *,
    now: datetime,
    zone: ZoneInfo,
    components: Sequence[str],
    since: datetime | None = None,
    until: datetime | None = None,
    only_component: str | None = None,
    include_private: bool = True,
    postmortem_within: timedelta,
) -> Stats:
    """The metrics of the incidents that started in ``[since, until)`` (and
    not after ``now``); ``components`` are the site's component ids, in
    order. With ``only_component``, the overall scope is that component's
    incidents. Linear in the number of incidents (after sorting)."""
    end = min(until, now) if until is not None else now
    chosen = [
        i
        for i in incidents
        if not i.is_maintenance
        and (include_private or i.public)
        and (since is None or i.started_at >= since)
        and i.started_at < end
        and i.started_at <= now
    ]
    chosen.sort(key=lambda i: (i.started_at, i.slug))
    facts = [incident_facts(i, now, postmortem_within=postmortem_within) for i in chosen]
    wanted = [only_component] if only_component is not None else list(components)
    if only_component is not None:
        facts = [f for f in facts if only_component in f.components]
    by_component: dict[str, list[IncidentFacts]] = {c: [] for c in wanted}
    for fact in facts:
        for cid in fact.components:
            if cid in by_component:
                by_component[cid].append(fact)
    start = since if since is not None else (facts[0].incident.started_at if facts else None)
    if start is not None and start < end:
        population = [  # an incident that started before the window may reach into it
            i
            for i in incidents
            if (include_private or i.public)
            and i.started_at < end
            and (i.is_maintenance or i.resolved_at is None or i.resolved_at > start)
        ]
        uptime = components_uptime(population, wanted, start, end)
    else:
        uptime = dict.fromkeys(wanted)
    overall = scope_stats(
        facts,
        component=only_component,
        now=now,
        zone=zone,
        uptime=uptime.get(only_component) if only_component is not None else None,
    )
    scopes = tuple(
        scope_stats(by_component[c], component=c, now=now, zone=zone, uptime=uptime.get(c))
        for c in wanted
    )
    months: tuple[MonthStats, ...] = ()
    if start is not None:
        last_moment = end - timedelta(microseconds=1) if end > start else start
        months = month_stats(facts, month_start(start, zone), month_start(last_moment, zone), zone)
    return Stats(
        now=now,
        zone=zone,
        since=since,
        until=end,
        include_private=include_private,
        overall=overall,
        components=scopes,
        months=months,
        facts=tuple(facts),
        postmortem_within=postmortem_within,
    )


def months_back(now: datetime, zone: ZoneInfo, months: int) -> datetime:
    """The start (midnight, site's zone) of the calendar month ``months - 1``
    months before ``now``'s: a window of ``months`` whole months ending with
    the current one."""
    local = now.astimezone(zone)
    index = local.year * 12 + local.month - 1 - (months - 1)
    return datetime.combine(date(index // 12, index % 12 + 1, 1), time(), zone)
