"""Incident metrics: how fast a team notices, responds and recovers, how
often things break, and whether postmortem action items get done.

Pure functions of the model and ``now``; nothing here reads a file or the
clock. Every duration is in seconds.

This module puts the report together (:func:`compute_stats`) from what the
incidents of each month contribute (:mod:`.metric_parts`: plain data that a
build keeps and reuses while the month's incidents read the same); each
family of metrics has its own module: one incident's facts and the shared
value types (:mod:`.incident_facts`), the metrics of a scope
(:mod:`.scope_stats`), the months (:mod:`.monthly_stats`), the uptime's
sweep (:mod:`.uptime`), the targets (:mod:`.metric_targets`).

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

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from ..model import Incident
from .action_items import ActionItem, action_items
from .incident_facts import affected_components
from .metric_parts import (
    Part,
    components_uptime,
    decode,
    encode,
    month_part,
    month_stats,
    reaching_part,
    scope_stats,
    with_items,
)
from .monthly_stats import MonthStats, month_start
from .scope_stats import ScopeStats


@dataclass(frozen=True, kw_only=True)
class Stats:
    """Every metric over a window, overall and per component."""

    now: datetime
    zone: ZoneInfo
    since: datetime | None  # as asked (None: from the first incident)
    until: datetime  # exclusive; at most ``now``
    #: The window's effective start: ``since``, else the first incident's start.
    start: datetime | None
    include_private: bool
    overall: ScopeStats
    components: tuple[ScopeStats, ...]  # in the site's order
    months: tuple[MonthStats, ...]  # every month of the window, oldest first
    action_items: tuple[ActionItem, ...]  # of the window's incidents, by start
    postmortem_within: timedelta  # the postmortem rule's period at the site

    def component(self, component_id: str) -> ScopeStats:
        for scope in self.components:
            if scope.component == component_id:
                return scope
        raise KeyError(component_id)


@dataclass(frozen=True, eq=False)
class KeptMonths:
    """The months' parts the last build kept (:mod:`.metric_parts`), by the
    digest of their inputs, and those of this build for the next."""

    #: The digest of what every part shares: Clarion, the site's settings and
    #: rules, the zone, the components, the postmortem period, the scope.
    base: str
    #: The digest of what the metrics read of each incident, by slug.
    digests: Mapping[str, str]
    previous: Mapping[str, str]
    kept: dict[str, str] = field(default_factory=dict)
    #: How many months' parts were computed (the others were reused).
    #: The months whose parts were computed (``None``: the part of the
    #: incidents from before the window); the others were reused.
    computed: list[date | None] = field(default_factory=list)


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
    kept: KeptMonths | None = None,
) -> Stats:
    """The metrics of the incidents that started in ``[since, until)`` (and
    not after ``now``); ``components`` are the site's component ids, in
    order. With ``only_component``, the overall scope is that component's
    incidents. Each month's part is computed, or reused from ``kept``
    (:class:`KeptMonths`) when its incidents read the same; the figures are
    put together from the parts (:mod:`.metric_parts`)."""
    end = min(until, now) if until is not None else now
    window, earlier = _members(incidents, since, end, include_private)
    start = since if since is not None else _first_start(window, only_component)
    wanted = [only_component] if only_component is not None else list(components)
    scope = only_component or ""
    parts: dict[date, Part] = {}
    before: Part = {"s": {}, "up": {}}  # the incidents from before the window
    if start is not None and since is None:  # the window starts with its first incident
        first = start.astimezone(UTC)
        earlier += [i for i in window if i.started_at < first]
        window = [i for i in window if i.started_at >= first]
    if start is not None:
        by_month: dict[date, list[Incident]] = {}
        for incident in window:
            by_month.setdefault(month_start(incident.started_at, zone), []).append(incident)
        settings = (start, now, zone, components, postmortem_within)
        parts = {m: _part(m, group, settings, kept) for m, group in by_month.items()}
        before = _part(None, earlier, settings, kept)
    ordered = [parts[m] for m in sorted(parts)]
    uptime = (
        components_uptime([*ordered, before], wanted, start, end)
        if start is not None
        else dict.fromkeys(wanted)
    )
    overall = scope_stats(
        (p["s"].get(scope) for p in ordered),
        component=only_component,
        now=now,
        uptime=uptime.get(only_component) if only_component is not None else None,
    )
    scopes = tuple(
        scope_stats((p["s"].get(c) for p in ordered), component=c, now=now, uptime=uptime.get(c))
        for c in wanted
    )
    months: tuple[MonthStats, ...] = ()
    if start is not None:
        last_moment = end - timedelta(microseconds=1) if end > start else start
        months = month_stats(parts, scope, month_start(start, zone), month_start(last_moment, zone))
    by_slug = {i.slug: i for i in window}
    items = chain.from_iterable(action_items(by_slug[s], now) for s in with_items(ordered, scope))
    return Stats(
        now=now,
        zone=zone,
        since=since,
        until=end,
        start=start,
        include_private=include_private,
        overall=overall,
        components=scopes,
        months=months,
        action_items=tuple(items),
        postmortem_within=postmortem_within,
    )


def _members(
    incidents: Iterable[Incident], since: datetime | None, end: datetime, include_private: bool
) -> tuple[list[Incident], list[Incident]]:
    """The incidents (maintenance included) that started in ``[since, end)``,
    by start, and those that started before ``since``: their impact may reach
    into the window. One pass: each incident is read once."""
    last = end.astimezone(UTC)  # (the bounds in UTC: each start compares fastest so)
    first = since.astimezone(UTC) if since is not None else None
    window: list[Incident] = []
    earlier: list[Incident] = []
    for incident in incidents:
        started = incident.started_at
        if started < last and (include_private or incident.public):
            (earlier if first is not None and started < first else window).append(incident)
    window.sort(key=lambda i: (i.started_at, i.slug))
    return window, earlier


def _first_start(ordered: Sequence[Incident], component: str | None) -> datetime | None:
    """The start of the first incident (not maintenance) of the scope."""
    for incident in ordered:
        if incident.is_maintenance:
            continue
        if component is None or component in affected_components(incident):
            return incident.started_at
    return None


def _part(
    month: date | None,
    incidents: Sequence[Incident],
    settings: tuple[datetime, datetime, ZoneInfo, Sequence[str], timedelta],
    kept: KeptMonths | None,
) -> Part:
    """A month's part (``month`` None: the part of the incidents from before
    the window): the last build's when ``kept`` holds it for these incidents
    as the metrics read them, else computed (and kept)."""
    start, now, zone, components, within = settings
    key = _part_key(month, start, incidents, kept) if kept is not None else None
    if key is not None and kept is not None:
        line = kept.previous.get(key)
        part = decode(line) if line is not None else None
        if line is not None and part is not None:
            kept.kept[key] = line
            return part
    if month is None:
        part = reaching_part(incidents, start=start, components=components)
    else:
        part = month_part(
            incidents,
            start=start,
            now=now,
            zone=zone,
            components=components,
            postmortem_within=within,
        )
    if key is not None and kept is not None:
        kept.computed.append(month)
        if all(u.at <= now for i in incidents for u in i.updates):
            kept.kept[key] = encode(part)  # (a part with updates after now is not kept)
    return part


def _part_key(
    month: date | None, start: datetime, incidents: Sequence[Incident], kept: KeptMonths
) -> str | None:
    """The digest of a month's inputs (``None`` when an incident has no digest)."""
    digests = kept.digests
    slugs = [incident.slug for incident in incidents]
    if not all(slug in digests for slug in slugs):
        return None
    text = "".join([f"{slug}\0{digests[slug]}\0" for slug in slugs])
    head = f"{kept.base}\0{month}\0{start.isoformat()}\0"
    return hashlib.sha256((head + text).encode()).hexdigest()


def months_back(now: datetime, zone: ZoneInfo, months: int) -> datetime:
    """The start (midnight, site's zone) of the calendar month ``months - 1``
    months before ``now``'s: a window of ``months`` whole months ending with
    the current one."""
    local = now.astimezone(zone)
    index = local.year * 12 + local.month - 1 - (months - 1)
    return datetime.combine(date(index // 12, index % 12 + 1, 1), time(), zone)
