"""One incident's facts for the metrics (its times, spans, components and
action items), and the value types every metric family shares: a duration
metric's values and a share.

The definitions are in :mod:`clarion.derive.stats`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..model import CLOSING_STAGES, Impact, Incident, Severity, Stage
from .action_items import ActionItem, action_items

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
    #: The four durations in microseconds, in :data:`DURATION_METRICS` order
    #: (the seconds above are these divided by a million: exact as plain data).
    micros: tuple[int | None, int | None, int | None, int | None]
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


def span_micros(start: datetime | None, end: datetime | None) -> int | None:
    """Microseconds from ``start`` to ``end`` (``None``: either missing, or negative)."""
    if start is None or end is None or end < start:
        return None
    delta = end - start
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def seconds(micros: int | None) -> float | None:
    """Microseconds as seconds: the same float as ``timedelta.total_seconds()``."""
    return None if micros is None else micros / 1_000_000


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
    micros = (
        span_micros(incident.detected_at, incident.acknowledged_at),
        span_micros(incident.detected_at, incident.declared_at),
        span_micros(incident.declared_at, first_update) if incident.public else None,
        span_micros(failed, resolved),
    )
    return IncidentFacts(
        incident=incident,
        components=affected_components(incident),
        failed_at=failed,
        resolved_at=resolved,
        mtta=seconds(micros[0]),
        time_to_declare=seconds(micros[1]),
        time_to_first_update=seconds(micros[2]),
        mttr=seconds(micros[3]),
        micros=micros,
        postmortem=postmortem,
        action_items=action_items(incident, now),
    )


#: The fields of an incident the metrics and the learning review do not read
#: (:func:`metrics_text`): the summary and the bodies of updates other than
#: postmortems (rewording them changes no metric), and what only the other
#: outputs show.
NOT_READ_BY_METRICS = frozenset(
    {"summary", "breach", "statuspage_id", "roles", "source_path", "lines", "digest"}
)


def metrics_text(incident: Incident) -> str:
    """Everything the metrics page reads of ``incident`` (its facts, its
    impacts, its action items, what the learning review counts, and its
    title and slug as the page shows them), as one line of JSON: while the
    text of every incident is unchanged, so are the page's figures at a
    given ``now``. Every field but those :data:`NOT_READ_BY_METRICS` names."""
    i = incident
    data = [
        i.slug,
        i.kind.value,
        i.title,
        i.severity.value if i.severity else None,
        [[cid, impact.value] for cid, impact in i.components.items()],
        [_when(i.declared_at), _when(i.detected_at), _when(i.acknowledged_at)],
        i.customers_affected,
        i.public,
        [_when(i.window.start), _when(i.window.end)] if i.window else None,
        i.imported,
        list(i.runbooks),
        [
            [
                _when(u.at),
                u.stage.value,
                None if u.impact is None else [[c, m.value] for c, m in u.impact.items()],
                u.line,
                u.position,
                u.body if u.stage is Stage.POSTMORTEM else None,
            ]
            for u in i.updates
        ],
    ]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


# -- per scope --------------------------------------------------------------------------
