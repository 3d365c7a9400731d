"""What the incidents that started in one month contribute to the metrics, as
plain data (a *month's part*), and the figures put together from the parts.

A month's part holds, for every scope (every incident: ``""``; each
component), the incident counts, each duration metric's values
(microseconds, by severity), the failures MTBF reads, the postmortems and the
action items; and each component's impact intervals, for the uptime. It is a
function of the month's incidents (what the metrics read of them:
:func:`~clarion.derive.incident_facts.metrics_text`), the window's start, the
site's zone, components and postmortem period, and not of ``now`` while no
update of its incidents is dated after ``now`` (a build holds those back).
What does depend on ``now`` is kept raw and decided when the parts are put
together: whether a postmortem not written is pending or missing (its
deadline is kept), which open action items are overdue (their due moment is
kept), where a still-open impact ends (at the window's end), and which
incidents have started. So a build reuses the last build's part of every
month whose incidents it reads the same (:func:`clarion.derive.stats.compute_stats`),
at any ``now``.

Every figure is put together the same way, parts kept or not: there is one
computation, and a clean build's figures are an incremental build's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from ..model import Incident
from .incident_facts import (
    DURATION_METRICS,
    SEVERITIES,
    Durations,
    IncidentFacts,
    Share,
    incident_facts,
)
from .monthly_stats import MonthStats, next_month
from .scope_stats import ScopeStats, failure_gaps
from .timeline import impact_intervals
from .uptime import window_uptime

#: A month's part, or one scope's in it, as JSON reads it.
Part = dict[str, Any]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NO_SEVERITY = len(SEVERITIES)  # the slot of the incidents without a severity
SLOTS = NO_SEVERITY + 1
_SLOT = {severity: index for index, severity in enumerate(SEVERITIES)}
_METRIC = {name: index for index, (name, _) in enumerate(DURATION_METRICS)}


def micros(moment: datetime) -> int:
    """``moment`` in microseconds since the epoch."""
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


# -- a month's part ---------------------------------------------------------------------


def month_part(
    incidents: Iterable[Incident],
    *,
    start: datetime,
    now: datetime,
    zone: ZoneInfo,
    components: Sequence[str],
    postmortem_within: timedelta,
) -> Part:
    """The part of ``incidents`` (the window's that started in one month,
    maintenance included, in the order of their start and slug): every
    scope's figures, of the incidents only, and each component's impact
    intervals."""
    wanted = set(components)
    scopes: dict[str, Part] = {}
    up: dict[str, list[list[object]]] = {}
    for incident in incidents:
        add_intervals(up, incident, start, wanted)
        if incident.is_maintenance:
            continue
        fact = incident_facts(incident, now, postmortem_within=postmortem_within)
        for scope in ("", *(c for c in fact.components if c in wanted)):
            if scope not in scopes:
                scopes[scope] = _empty()
            _add(scopes[scope], fact, postmortem_within, zone)
    for scope_part in scopes.values():
        for metric in scope_part["d"]:
            for values in metric:
                values.sort()
        scope_part["f"].sort()
    return {"s": scopes, "up": up}


def reaching_part(
    incidents: Iterable[Incident], *, start: datetime, components: Sequence[str]
) -> Part:
    """The part of the incidents (maintenance included) that started before
    the window: the impact intervals of those that may reach into it."""
    wanted = set(components)
    up: dict[str, list[list[object]]] = {}
    for incident in incidents:
        add_intervals(up, incident, start, wanted)
    return {"s": {}, "up": up}


def add_intervals(
    up: dict[str, list[list[object]]], incident: Incident, start: datetime, wanted: set[str]
) -> None:
    """Add the impact intervals of ``incident`` to ``up`` (by component)
    when it may reach into a window from ``start``: maintenance, open, or
    resolved after ``start``."""
    resolved = incident.resolved_at
    if not (incident.is_maintenance or resolved is None or resolved > start):
        return
    for interval in impact_intervals(incident):
        if interval.component in wanted:
            end = None if interval.end is None else micros(interval.end)
            up.setdefault(interval.component, []).append(
                [micros(interval.start), end, interval.impact.rank]
            )


def _empty() -> Part:
    return {
        "n": 0,  # incidents
        "open": 0,
        "sev": [0] * len(SEVERITIES),  # incidents by severity
        "d": [[[] for _ in range(SLOTS)] for _ in DURATION_METRICS],  # values by slot
        "miss": [[0] * SLOTS for _ in DURATION_METRICS],  # n/a by slot
        "f": [],  # failures: [failed, slug, resolved or None]
        "pm": [0, 0, []],  # in time, late, the deadlines of those not written
        "ai": [0, 0, []],  # done, all, the due moments of the open ones with one
        "items": [],  # the incidents with action items, in order
    }


def _add(part: Part, fact: IncidentFacts, postmortem_within: timedelta, zone: ZoneInfo) -> None:
    severity = fact.severity
    slot = NO_SEVERITY if severity is None else _SLOT[severity]
    part["n"] += 1
    part["open"] += 1 if fact.is_open else 0
    if severity is not None:
        part["sev"][slot] += 1
    for metric, value in enumerate(fact.micros):
        if value is None:
            part["miss"][metric][slot] += 1
        else:
            part["d"][metric][slot].append(value)
    resolved = fact.resolved_at
    part["f"].append(
        [micros(fact.failed_at), fact.incident.slug, None if resolved is None else micros(resolved)]
    )
    if fact.postmortem == "in_time":
        part["pm"][0] += 1
    elif fact.postmortem == "late":
        part["pm"][1] += 1
    elif fact.postmortem is not None and resolved is not None:  # pending or missing at now
        part["pm"][2].append(micros(resolved + postmortem_within))
    if fact.action_items:
        part["items"].append(fact.incident.slug)
    for item in fact.action_items:
        part["ai"][1] += 1
        if item.done:
            part["ai"][0] += 1
        else:
            due = item.due_end(zone)
            if due is not None:
                part["ai"][2].append(micros(due))


def encode(part: Part) -> str:
    return json.dumps(part, ensure_ascii=False, separators=(",", ":"))


def decode(line: str) -> Part | None:
    """A kept part, or ``None`` when it does not read as one."""
    try:
        part = json.loads(line)
    except ValueError:
        return None
    if not isinstance(part, dict) or not isinstance(part.get("s"), dict):
        return None
    if not isinstance(part.get("up"), dict):
        return None
    return part


# -- the figures from the parts ---------------------------------------------------------


def _durations(scopes: Sequence[Part], metric: int, slots: Iterable[int]) -> Durations:
    chosen = tuple(slots)
    values = sorted(chain.from_iterable(s["d"][metric][slot] for s in scopes for slot in chosen))
    missing = sum(s["miss"][metric][slot] for s in scopes for slot in chosen)
    return Durations(tuple([v / 1_000_000 for v in values]), missing)


def scope_stats(
    parts: Iterable[Part | None], *, component: str | None, now: datetime, uptime: float | None
) -> ScopeStats:
    """The metrics of one scope from its part of each month (``None``: none
    that month), in month order."""
    scopes = [part for part in parts if part is not None]
    at = micros(now)
    durations = {name: _durations(scopes, m, range(SLOTS)) for name, m in _METRIC.items()}
    by_severity = {
        name: {s: _durations(scopes, m, (_SLOT[s],)) for s in SEVERITIES}
        for name, m in _METRIC.items()
    }
    failures = sorted(chain.from_iterable(s["f"] for s in scopes))
    unwritten = [deadline for s in scopes for deadline in s["pm"][2]]
    pending = sum(1 for deadline in unwritten if at < deadline)
    in_time = sum(s["pm"][0] for s in scopes)
    return ScopeStats(
        component=component,
        incidents=sum(s["n"] for s in scopes),
        open=sum(s["open"] for s in scopes),
        by_severity={s: sum(p["sev"][_SLOT[s]] for p in scopes) for s in SEVERITIES},
        durations=durations,
        durations_by_severity=by_severity,
        mtbf=Durations(tuple(sorted(failure_gaps(failures))), 0),
        postmortems=Share(
            hits=in_time,
            total=in_time + sum(s["pm"][1] for s in scopes) + len(unwritten) - pending,
            pending=pending,
        ),
        action_items=Share(
            hits=sum(s["ai"][0] for s in scopes), total=sum(s["ai"][1] for s in scopes)
        ),
        overdue_action_items=sum(1 for s in scopes for due in s["ai"][2] if at >= due),
        uptime=uptime,
    )


def month_stats(
    parts: Mapping[date, Part], scope: str, first: date, last: date
) -> tuple[MonthStats, ...]:
    """Every month from ``first`` to ``last``, from the months' parts
    (``scope``: ``""`` for every incident, else a component's)."""
    out = []
    month = first
    mtta, mttr = _METRIC["mtta"], _METRIC["mttr"]
    while month <= last:
        part = parts.get(month)
        found = part["s"].get(scope) if part is not None else None
        scopes = [found] if found is not None else []
        out.append(
            MonthStats(
                month=month,
                by_severity={s: sum(p["sev"][_SLOT[s]] for p in scopes) for s in SEVERITIES},
                mtta=_durations(scopes, mtta, range(SLOTS)),
                mttr=_durations(scopes, mttr, range(SLOTS)),
                mtta_by_severity={s: _durations(scopes, mtta, (_SLOT[s],)) for s in SEVERITIES},
                mttr_by_severity={s: _durations(scopes, mttr, (_SLOT[s],)) for s in SEVERITIES},
            )
        )
        month = next_month(month)
    return tuple(out)


def components_uptime(
    parts: Iterable[Part], components: Sequence[str], start: datetime, end: datetime
) -> dict[str, float | None]:
    """Uptime of each component over ``[start, end)``, Statuspage-weighted,
    from the impact intervals in ``parts`` (:func:`clarion.derive.uptime.window_uptime`)."""
    wanted = list(parts)
    first, last = micros(start), micros(end)
    return {
        c: window_uptime(chain.from_iterable(p["up"].get(c, ()) for p in wanted), first, last)
        for c in components
    }


def with_items(parts: Iterable[Part], scope: str) -> Iterable[str]:
    """The slugs of the scope's incidents with action items, in order."""
    for part in parts:
        found = part["s"].get(scope)
        if found is not None:
            yield from found["items"]
