"""Incident metrics: how fast a team notices, responds and recovers, how
often things break, and whether postmortem action items get done.

Pure functions of the model and ``now``; nothing here reads a file or the
clock. Every duration is in seconds.

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
  ``postmortem`` rule: :func:`clarion.metrics.postmortem_window`) of the
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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..config import ALL_SEVERITIES, MetricTargets
from ..model import CLOSING_STAGES, Impact, Incident, Severity, Stage
from .action_items import ActionItem, action_items
from .timeline import Interval, impact_intervals
from .uptime import window_uptime

#: The duration metrics, in the order they are shown, with their labels.
DURATION_METRICS: tuple[tuple[str, str], ...] = (
    ("mtta", "MTTA (detected → acknowledged)"),
    ("time_to_declare", "Time to declare (detected → declared)"),
    ("time_to_first_update", "Time to first public update (declared → first update)"),
    ("mttr", "MTTR (detected → resolved)"),
)
SHORT_LABELS = {
    "mtta": "MTTA",
    "time_to_declare": "Time to declare",
    "time_to_first_update": "Time to first update",
    "mttr": "MTTR",
    "mtbf": "MTBF",
    "postmortem_share": "Postmortems in time",
    "action_item_completion": "Action items done",
}
SEVERITIES = tuple(Severity)
POSTMORTEM_SEVERITIES = (Severity.SEV0, Severity.SEV1)


# -- summaries --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Durations:
    """The values of one duration metric (seconds, sorted) and how many
    incidents had no value (n/a)."""

    values: tuple[float, ...] = ()
    missing: int = 0

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Durations:
        known: list[float] = []
        missing = 0
        for value in values:
            if value is None:
                missing += 1
            else:
                known.append(value)
        return cls(tuple(sorted(known)), missing)

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None

    @property
    def median(self) -> float | None:
        n = len(self.values)
        if not n:
            return None
        middle = n // 2
        return self.values[middle] if n % 2 else (self.values[middle - 1] + self.values[middle]) / 2

    @property
    def p90(self) -> float | None:
        """The 90th percentile, nearest rank."""
        if not self.values:
            return None
        return self.values[max(math.ceil(0.9 * len(self.values)) - 1, 0)]


@dataclass(frozen=True, slots=True)
class Share:
    """``hits`` of ``total``; ``pending`` items are not counted yet."""

    hits: int = 0
    total: int = 0
    pending: int = 0

    @property
    def ratio(self) -> float | None:
        return self.hits / self.total if self.total else None


# -- per incident -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IncidentFacts:
    """The times of one incident, as the metrics use them (seconds)."""

    incident: Incident
    components: tuple[str, ...]  # affected: named with a non-operational impact
    failed_at: datetime  # detected, else declared, else the first update
    resolved_at: datetime | None  # known at ``now``; None while open
    mtta: float | None
    time_to_declare: float | None
    time_to_first_update: float | None
    mttr: float | None
    postmortem: str | None  # "in_time", "late", "missing", "pending"; None: not SEV0/SEV1, or open
    action_items: tuple[ActionItem, ...]

    @property
    def severity(self) -> Severity | None:
        return self.incident.severity

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def duration(self, metric: str) -> float | None:
        value: float | None = getattr(self, metric)
        return value


def _span(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


def resolved_at(incident: Incident, now: datetime) -> datetime | None:
    """The resolution known at ``now``: the last closing update at or before
    ``now`` not followed by a reopening update at or before ``now``."""
    closed: datetime | None = None
    for update in incident.updates:
        if update.at > now:
            break
        if update.stage in CLOSING_STAGES:
            closed = update.at
        elif update.stage is not Stage.POSTMORTEM:
            closed = None
    return closed


def affected_components(incident: Incident) -> tuple[str, ...]:
    """Components named with a non-operational impact, in the order first named."""
    ids = {
        cid: None for cid, impact in incident.components.items() if impact is not Impact.OPERATIONAL
    }
    for update in incident.updates:
        if update.impact:
            ids.update(
                {
                    cid: None
                    for cid, impact in update.impact.items()
                    if impact is not Impact.OPERATIONAL
                }
            )
    return tuple(ids)


def incident_facts(
    incident: Incident, now: datetime, *, postmortem_within: timedelta
) -> IncidentFacts:
    """The metrics' view of one incident at ``now``."""
    known = [u for u in incident.updates if u.at <= now]
    resolved = resolved_at(incident, now)
    failed = incident.detected_at or incident.started_at
    first_update = next((u.at for u in known if u.stage is not Stage.POSTMORTEM), None)
    postmortem: str | None = None
    if incident.severity in POSTMORTEM_SEVERITIES and resolved is not None:
        review = next((u.at for u in known if u.stage is Stage.POSTMORTEM), None)
        deadline = resolved + postmortem_within
        if review is not None:
            postmortem = "in_time" if review <= deadline else "late"
        else:
            postmortem = "pending" if now < deadline else "missing"
    return IncidentFacts(
        incident=incident,
        components=affected_components(incident),
        failed_at=failed,
        resolved_at=resolved,
        mtta=_span(incident.detected_at, incident.acknowledged_at),
        time_to_declare=_span(incident.detected_at, incident.declared_at),
        time_to_first_update=_span(incident.declared_at, first_update) if incident.public else None,
        mttr=_span(failed, resolved),
        postmortem=postmortem,
        action_items=action_items(incident, now),
    )


# -- per scope --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScopeStats:
    """The metrics of every incident (``component`` None) or of the incidents
    that affected one component."""

    component: str | None
    incidents: int
    open: int
    by_severity: Mapping[Severity, int]
    durations: Mapping[str, Durations]  # by metric name (DURATION_METRICS)
    durations_by_severity: Mapping[str, Mapping[Severity, Durations]]
    mtbf: Durations
    postmortems: Share
    action_items: Share
    overdue_action_items: int
    uptime: float | None  # None for the overall scope, or an empty window

    def duration(self, metric: str, severity: Severity | None = None) -> Durations:
        if severity is None:
            return self.durations[metric]
        return self.durations_by_severity[metric][severity]


def _failure_gaps(facts: Sequence[IncidentFacts]) -> list[float]:
    """Seconds between the end of one failure and the start of the next;
    overlapping incidents merge, an open one ends the series."""
    gaps: list[float] = []
    ordered = sorted(facts, key=lambda f: (f.failed_at, f.incident.slug))
    end: datetime | None = None
    started = False
    for fact in ordered:
        if started:
            if end is None:
                break
            if fact.failed_at > end:
                gaps.append((fact.failed_at - end).total_seconds())
                end = fact.resolved_at
            elif fact.resolved_at is None:
                end = None
            else:
                end = max(end, fact.resolved_at)
        else:
            started, end = True, fact.resolved_at
    return gaps


def scope_stats(
    facts: Sequence[IncidentFacts],
    *,
    component: str | None,
    now: datetime,
    zone: ZoneInfo,
    uptime: float | None = None,
) -> ScopeStats:
    """Aggregate the facts of one scope."""
    by_severity = {s: 0 for s in SEVERITIES}
    for fact in facts:
        if fact.severity is not None:
            by_severity[fact.severity] += 1
    durations = {
        name: Durations.of(f.duration(name) for f in facts) for name, _ in DURATION_METRICS
    }
    by_sev = {
        name: {
            s: Durations.of(f.duration(name) for f in facts if f.severity is s) for s in SEVERITIES
        }
        for name, _ in DURATION_METRICS
    }
    states = [f.postmortem for f in facts if f.postmortem is not None]
    postmortems = Share(
        hits=states.count("in_time"),
        total=sum(1 for s in states if s != "pending"),
        pending=states.count("pending"),
    )
    items = [item for f in facts for item in f.action_items]
    return ScopeStats(
        component=component,
        incidents=len(facts),
        open=sum(1 for f in facts if f.is_open),
        by_severity=by_severity,
        durations=durations,
        durations_by_severity=by_sev,
        mtbf=Durations(tuple(sorted(_failure_gaps(facts))), 0),
        postmortems=postmortems,
        action_items=Share(hits=sum(1 for i in items if i.done), total=len(items)),
        overdue_action_items=sum(1 for i in items if i.is_overdue(now, zone)),
        uptime=uptime,
    )


# -- months -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MonthStats:
    """Incidents that started in one calendar month (site's zone)."""

    month: date  # the first day
    by_severity: Mapping[Severity, int]
    mtta: Durations
    mttr: Durations
    mtta_by_severity: Mapping[Severity, Durations]
    mttr_by_severity: Mapping[Severity, Durations]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def month_start(moment: datetime, zone: ZoneInfo) -> date:
    local = moment.astimezone(zone)
    return date(local.year, local.month, 1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _months(
    facts: Sequence[IncidentFacts], first: date, last: date, zone: ZoneInfo
) -> tuple[MonthStats, ...]:
    grouped: dict[date, list[IncidentFacts]] = {}
    for fact in facts:
        grouped.setdefault(month_start(fact.incident.started_at, zone), []).append(fact)
    out = []
    month = first
    while month <= last:
        group = grouped.get(month, [])
        counts = {s: 0 for s in SEVERITIES}
        for fact in group:
            if fact.severity is not None:
                counts[fact.severity] += 1
        out.append(
            MonthStats(
                month=month,
                by_severity=counts,
                mtta=Durations.of(f.mtta for f in group),
                mttr=Durations.of(f.mttr for f in group),
                mtta_by_severity={
                    s: Durations.of(f.mtta for f in group if f.severity is s) for s in SEVERITIES
                },
                mttr_by_severity={
                    s: Durations.of(f.mttr for f in group if f.severity is s) for s in SEVERITIES
                },
            )
        )
        month = next_month(month)
    return tuple(out)


# -- uptime -----------------------------------------------------------------------------


def components_uptime(
    incidents: Iterable[Incident], components: Sequence[str], start: datetime, end: datetime
) -> dict[str, float | None]:
    """Uptime of each component over ``[start, end)``, Statuspage-weighted,
    by the page's own sweep (:func:`clarion.derive.uptime.window_uptime`)."""
    by_component: dict[str, list[Interval]] = {c: [] for c in components}
    for incident in incidents:
        for interval in impact_intervals(incident):
            if interval.component in by_component:
                by_component[interval.component].append(interval)
    return {c: window_uptime(items, start, end) for c, items in by_component.items()}


# -- the whole report -------------------------------------------------------------------


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
        months = _months(facts, month_start(start, zone), month_start(last_moment, zone), zone)
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


# -- targets ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetResult:
    """One target, the value it is compared with and whether it is met
    (``None``: no value yet)."""

    metric: str  # "mtta", ..., "mtbf", "action_item_completion", "postmortem_share"
    severity: str | None  # "SEV1", "all", or None for non-duration targets
    kind: str  # "max_seconds", "min_seconds" or "min_ratio"
    target: float  # seconds or ratio
    value: float | None
    count: int  # how many values the value is made of
    meets: bool | None
    component: str | None = None  # MTBF over the components: the one with the lowest value
    meeting: int | None = None  # MTBF over the components: how many meet the target

    @property
    def label(self) -> str:
        name = SHORT_LABELS[self.metric]
        if self.severity and self.severity != ALL_SEVERITIES:
            return f"{name} ({self.severity})"
        return name


def _compare(value: float | None, target: float, kind: str) -> bool | None:
    if value is None:
        return None
    return value <= target if kind == "max_seconds" else value >= target


def evaluate_targets(scope: ScopeStats, targets: MetricTargets) -> tuple[TargetResult, ...]:
    """Each target against ``scope``'s means and shares. Duration targets are
    maxima of the mean (met when the mean is at most the target); MTBF and the
    shares are minima (met when at least the target)."""
    out = []
    for metric, _ in DURATION_METRICS:
        for severity, limit in sorted(targets.durations.get(metric, {}).items()):
            values = (
                scope.durations[metric]
                if severity == ALL_SEVERITIES
                else scope.durations_by_severity[metric][Severity(severity)]
            )
            seconds = limit.total_seconds()
            out.append(
                TargetResult(
                    metric=metric,
                    severity=severity,
                    kind="max_seconds",
                    target=seconds,
                    value=values.mean,
                    count=values.count,
                    meets=_compare(values.mean, seconds, "max_seconds"),
                )
            )
    if targets.mtbf is not None:
        seconds = targets.mtbf.total_seconds()
        out.append(
            TargetResult(
                metric="mtbf",
                severity=None,
                kind="min_seconds",
                target=seconds,
                value=scope.mtbf.mean,
                count=scope.mtbf.count,
                meets=_compare(scope.mtbf.mean, seconds, "min_seconds"),
            )
        )
    for metric, share, share_target in (
        ("postmortem_share", scope.postmortems, targets.postmortem_share),
        ("action_item_completion", scope.action_items, targets.action_item_completion),
    ):
        if share_target is None:
            continue
        out.append(
            TargetResult(
                metric=metric,
                severity=None,
                kind="min_ratio",
                target=share_target,
                value=share.ratio,
                count=share.total,
                meets=_compare(share.ratio, share_target, "min_ratio"),
            )
        )
    return tuple(out)


def mtbf_target_summary(stats: Stats, targets: MetricTargets) -> TargetResult | None:
    """The MTBF target over the components: the lowest component MTBF, met
    when every component with a value meets it (MTBF is a per-component
    figure; the site-wide gap between any two incidents is much shorter)."""
    if targets.mtbf is None:
        return None
    seconds = targets.mtbf.total_seconds()
    valued = [(c.mtbf.mean, c.component or "") for c in stats.components if c.mtbf.mean is not None]
    if not valued:
        return TargetResult(
            metric="mtbf",
            severity=None,
            kind="min_seconds",
            target=seconds,
            value=None,
            count=0,
            meets=None,
        )
    lowest, where = min(valued)
    meeting = sum(1 for value, _ in valued if value >= seconds)
    return TargetResult(
        metric="mtbf",
        severity=None,
        kind="min_seconds",
        target=seconds,
        value=lowest,
        count=len(valued),
        meets=meeting == len(valued),
        component=where,
        meeting=meeting,
    )


def headline_targets(stats: Stats, targets: MetricTargets) -> tuple[TargetResult, ...]:
    """The targets as the summary shows them: durations and shares over the
    window's incidents; MTBF over the components (:func:`mtbf_target_summary`)
    unless the stats are of one component."""
    results = evaluate_targets(stats.overall, targets)
    if stats.overall.component is not None:
        return results
    summary = mtbf_target_summary(stats, targets)
    return tuple(summary if t.metric == "mtbf" and summary is not None else t for t in results)
