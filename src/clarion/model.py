"""The content model: typed, validated, immutable values built by ``clarion.load``.

This module imports nothing else from Clarion (the site's other documents,
:mod:`clarion.documents`, import it). All datetimes are aware and
held in UTC; the loader applies the site's zone to naive input.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .documents import Notice, Page, Runbook


class Severity(enum.Enum):
    """Internal severity: drives deadlines and emails, never shown publicly."""

    SEV0 = "SEV0"
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"

    @classmethod
    def parse(cls, word: str) -> Severity:
        """``SEV1``, ``sev1`` or the alias ``P1``."""
        text = str(word).strip().upper()
        if text.startswith("P") and text[1:].isdigit():
            text = "SEV" + text[1:]
        return cls(text)

    @property
    def rank(self) -> int:
        """0 for SEV0 (most severe) ... 3 for SEV3."""
        return int(self.value[3:])


#: What a component, group or audience id may look like (lower case).
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

SEVERITY_WORDS = ("SEV0", "SEV1", "SEV2", "SEV3", "P0", "P1", "P2", "P3")


class Impact(enum.Enum):
    """A component's status, in Statuspage's words."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        """Order used to pick the worst of several impacts."""
        return _IMPACT_RANK[self]

    @property
    def label(self) -> str:
        return _IMPACT_LABEL[self]

    @property
    def downtime_weight(self) -> float:
        """Share of a minute counted as downtime (Statuspage's uptime weighting)."""
        return _DOWNTIME_WEIGHT[self]


_IMPACT_RANK = {
    Impact.OPERATIONAL: 0,
    Impact.UNDER_MAINTENANCE: 1,
    Impact.DEGRADED_PERFORMANCE: 2,
    Impact.PARTIAL_OUTAGE: 3,
    Impact.MAJOR_OUTAGE: 4,
}
_IMPACT_LABEL = {
    Impact.OPERATIONAL: "Operational",
    Impact.UNDER_MAINTENANCE: "Under maintenance",
    Impact.DEGRADED_PERFORMANCE: "Degraded performance",
    Impact.PARTIAL_OUTAGE: "Partial outage",
    Impact.MAJOR_OUTAGE: "Major outage",
}
_DOWNTIME_WEIGHT = {
    Impact.OPERATIONAL: 0.0,
    Impact.UNDER_MAINTENANCE: 0.0,
    Impact.DEGRADED_PERFORMANCE: 0.0,
    Impact.PARTIAL_OUTAGE: 0.3,
    Impact.MAJOR_OUTAGE: 1.0,
}

#: Impacts an author may write for an incident (``under_maintenance`` is derived).
INCIDENT_IMPACTS = (
    Impact.OPERATIONAL,
    Impact.DEGRADED_PERFORMANCE,
    Impact.PARTIAL_OUTAGE,
    Impact.MAJOR_OUTAGE,
)


def worst_impact(impacts: object) -> Impact:
    """The worst of an iterable of impacts (``operational`` when empty)."""
    worst = Impact.OPERATIONAL
    for impact in impacts:  # type: ignore[attr-defined]
        if impact.rank > worst.rank:
            worst = impact
    return worst


class Kind(enum.Enum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class Stage(enum.Enum):
    """An update's stage word. ``POSTMORTEM`` marks the post-incident review."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


INCIDENT_STAGES = (
    Stage.INVESTIGATING,
    Stage.IDENTIFIED,
    Stage.MONITORING,
    Stage.RESOLVED,
    Stage.POSTMORTEM,
)
MAINTENANCE_STAGES = (
    Stage.SCHEDULED,
    Stage.IN_PROGRESS,
    Stage.VERIFYING,
    Stage.COMPLETED,
    Stage.CANCELLED,
)
#: Stages after which an item is finished.
CLOSING_STAGES = (Stage.RESOLVED, Stage.COMPLETED, Stage.CANCELLED)


class _OnUse:
    """A field that a reader of plain data may leave to decode on first use
    (:func:`clarion.output.parsed_texts.defer_texts`): the object then
    holds, instead of the field, ``_texts`` (which decodes it, and pickles
    without the bytes it decodes from) and, for a text, ``_text_index``. Set
    on the class once it is made (a non-data descriptor, as
    ``functools.cached_property``): a field the instance holds is read as
    any other, and only a missing one comes here, to be decoded and kept. (A
    ``__getattr__`` would do the same, and slow every attribute of the class.)
    So model classes keep a ``__dict__`` (no slots), and a deferred field has
    no class attribute of the dataclass's own (no default, or a factory)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, item: object, owner: type | None = None) -> object:
        texts = getattr(item, "_texts", None) if item is not None else None
        if texts is None:
            raise AttributeError(self.name)
        if self.name == "updates":
            value = texts.updates()
        else:
            value = texts.text(getattr(item, "_text_index"))  # noqa: B009
        object.__setattr__(item, self.name, value)
        return value


@dataclass(frozen=True, kw_only=True)
class Update:
    """One timestamped section of an incident or maintenance file."""

    at: datetime
    stage: Stage
    body: str  # Markdown, without the ``Impact:`` line and HTML comments
    impact: Mapping[str, Impact] | None  # from an ``Impact:`` line, else None
    line: int  # the heading's line in the source file
    position: int  # 0-based order within the file (after sorting by time)


@dataclass(frozen=True, kw_only=True)
class Decision:
    """A recorded decision that a rule's notice is not required (or is)."""

    rule: str
    required: bool
    reason: str
    decided_at: datetime | None
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class Delay:
    """A delay of one rule's notice granted by law enforcement or another
    authority (HIPAA 45 CFR 164.412, Form 8-K Item 1.05(c), state laws)."""

    rule: str
    until: datetime
    by: str
    reference: str = ""
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class Breach:
    """The regulatory facts of a personal-data or security incident.

    ``clocks`` maps clock names (``aware``, ``discovered``, ``determined``, ...)
    to the times they started. ``affected`` maps ``total`` and jurisdiction
    codes (``US-TX``) to the number of people affected there. ``rules`` is
    ``None`` when the incident uses the site's rules in force.
    """

    clocks: Mapping[str, datetime]
    affected: Mapping[str, int] = field(default_factory=dict)  # "total", "US-TX", ...
    delays: Mapping[str, Delay] = field(default_factory=dict)  # rule id -> granted delay
    facts: Mapping[str, bool | str] = field(default_factory=dict)  # scope facts rules read
    rules: tuple[str, ...] | None = None
    decisions: Mapping[str, Decision] = field(default_factory=dict)
    source_path: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)

    @property
    def affected_count(self) -> int | None:
        """The total number of people affected, if recorded."""
        return self.affected.get("total")


@dataclass(frozen=True, kw_only=True)
class Roles:
    """Who does what in the response (``roles:`` in the front matter): private,
    never published; shown in the private report and ``clarion brief``."""

    commander: str | None = None  # incident commander
    comms_lead: str | None = None  # communications lead
    scribe: str | None = None
    experts: tuple[str, ...] = ()  # subject-matter experts

    def as_dict(self) -> dict[str, object]:
        return {
            "commander": self.commander,
            "comms_lead": self.comms_lead,
            "scribe": self.scribe,
            "experts": list(self.experts),
        }

    def summary(self) -> str:
        """``Commander: Ana Lima · Comms lead: Ben Okafor · ...`` (who is named)."""
        parts = [
            (label, name)
            for label, name in (
                ("Commander", self.commander),
                ("Comms lead", self.comms_lead),
                ("Scribe", self.scribe),
                ("Experts", ", ".join(self.experts)),
            )
            if name
        ]
        return " · ".join(f"{label}: {name}" for label, name in parts)


@dataclass(frozen=True, kw_only=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True, kw_only=True)
class Outline:
    """What an item's updates say in a few values: what the passes over
    every incident read, kept with the parsed sources so that a build reads
    them without decoding the updates (:mod:`clarion.output.parsed`)."""

    count: int
    first_at: datetime | None
    latest_at: datetime | None
    #: the last closing update (resolved, completed, cancelled) not followed
    #: by a reopening one (postmortems aside); ``None`` while open
    resolved_at: datetime | None
    #: the last update's stage, postmortems aside; with none, ``scheduled``
    #: for maintenance and ``investigating`` for an incident
    status: Stage
    postmortem: int | None  # the first postmortem update's index
    reopening: int | None  # the first update after a ``resolved`` one (postmortems aside)
    closing_impact: Mapping[str, Impact] | None  # the last ``resolved`` update's impact


def outline_of(updates: Sequence[Update], kind: Kind) -> Outline:
    """The :class:`Outline` of ``updates`` (in time order), in one pass."""
    closed: datetime | None = None
    latest_stage: Stage | None = None
    postmortem: int | None = None
    reopening: int | None = None
    closing_impact: Mapping[str, Impact] | None = None
    resolved_seen = False
    for index, update in enumerate(updates):
        stage = update.stage
        if stage is Stage.POSTMORTEM:
            postmortem = index if postmortem is None else postmortem
            continue
        closed = update.at if stage in CLOSING_STAGES else None
        latest_stage = stage
        if stage is Stage.RESOLVED:
            resolved_seen, closing_impact = True, update.impact
        elif resolved_seen and reopening is None:
            reopening = index
    return Outline(
        count=len(updates),
        first_at=updates[0].at if updates else None,
        latest_at=updates[-1].at if updates else None,
        resolved_at=closed,
        status=latest_stage
        or (Stage.SCHEDULED if kind is Kind.MAINTENANCE else Stage.INVESTIGATING),
        postmortem=postmortem,
        reopening=reopening,
        closing_impact=closing_impact,
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class Incident:
    """An incident or scheduled maintenance (``kind``), read from ``updates/<slug>.md``."""

    slug: str
    kind: Kind
    title: str
    severity: Severity | None  # None for maintenance
    components: Mapping[str, Impact]  # impact when it starts (ordered as written)
    updates: tuple[Update, ...]
    summary: str = field(default_factory=str)  # Markdown before the first update heading
    declared_at: datetime | None = None
    detected_at: datetime | None = None
    acknowledged_at: datetime | None = None
    customers_affected: bool = False
    public: bool = True
    breach: Breach | None = None
    window: Window | None = None
    statuspage_id: str | None = None  # the id the API serves (an imported incident's)
    imported: str | None = None  # the tool it came from: its practice was that tool's
    roles: Roles | None = None  # private
    source_path: str = ""  # relative to the site root, ``/`` separators
    lines: Mapping[str, int] = field(default_factory=dict)  # front-matter key -> line
    digest: str = ""  # hash of the source bytes, for caches
    runbooks: tuple[str, ...] = ()  # ids of runbooks/*.md the responders used

    @property
    def is_maintenance(self) -> bool:
        return self.kind is Kind.MAINTENANCE

    @cached_property
    def outline(self) -> Outline:
        """What the updates say (kept with the parsed sources). What is
        read from it are properties, not kept on the object: at 50,000
        incidents each value added to their dictionaries cost about 0.1 s."""
        return outline_of(self.updates, self.kind)

    @property
    def started_at(self) -> datetime:
        """When impact begins: the window start for maintenance, else ``declared``
        (or the first update when ``declared`` is absent)."""
        if self.window is not None:
            return self.window.start
        if self.declared_at is not None:
            return self.declared_at
        first = self.outline.first_at
        return first if first is not None else self.updates[0].at

    @property
    def latest_at(self) -> datetime | None:
        """When the last update is dated (``None`` without updates)."""
        return self.outline.latest_at

    @property
    def resolved_at(self) -> datetime | None:
        """The last closing update not followed by a reopening update."""
        return self.outline.resolved_at

    @property
    def status(self) -> Stage:
        """The current stage: the last update's stage word, ignoring postmortems
        (maintenance without updates is ``scheduled``)."""
        return self.outline.status

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSING_STAGES

    @property
    def reopening(self) -> Update | None:
        """The first update that reopens a ``resolved`` incident, if any."""
        index = self.outline.reopening
        return None if index is None else self.updates[index]

    @property
    def reopened(self) -> bool:
        """True when a non-closing update follows a ``resolved`` one."""
        return self.reopening is not None

    @property
    def postmortem(self) -> Update | None:
        index = self.outline.postmortem
        return None if index is None else self.updates[index]

    def as_of(self, now: datetime) -> Incident | None:
        """The item as known at ``now``: updates dated after ``now`` are held
        back like scheduled posts. ``None`` while nothing of it is published
        yet (an incident that starts later, or an item whose every update is
        dated later); ``self`` when nothing is held back."""
        if not self.is_maintenance and self.started_at > now:
            return None
        latest = self.latest_at
        if latest is None or latest <= now:
            return self
        shown = tuple(u for u in self.updates if u.at <= now)
        if not shown:
            return None
        # the digest names the visible part, so caches keyed on it stay right
        return replace(self, updates=shown, digest=f"{self.digest}@{len(shown)}")


setattr(Update, "body", _OnUse("body"))  # noqa: B010 (the type checker sees the field)
setattr(Incident, "summary", _OnUse("summary"))  # noqa: B010
setattr(Incident, "updates", _OnUse("updates"))  # noqa: B010


@dataclass(frozen=True, kw_only=True, eq=False)
class Site:
    """Everything read from a site's sources (the config travels separately)."""

    incidents: tuple[Incident, ...]  # sorted by (started_at, slug); includes private ones
    pages: tuple[Page, ...] = ()
    notices: tuple[Notice, ...] = ()  # sorted by (slug, name)
    runbooks: tuple[Runbook, ...] = ()  # sorted by id
    warnings: tuple[object, ...] = ()

    def notices_for(self, slug: str) -> tuple[Notice, ...]:
        return tuple(n for n in self.notices if n.slug == slug)

    def as_of(self, now: datetime) -> Site:
        """The site as published at ``now``: every item through
        :meth:`Incident.as_of` (items not yet published left out)."""
        shown = tuple(s for s in (i.as_of(now) for i in self.incidents) if s is not None)
        if len(shown) == len(self.incidents) and all(
            a is b for a, b in zip(shown, self.incidents, strict=True)
        ):
            return self
        return replace(self, incidents=shown)

    def by_slug(self, slug: str) -> Incident:
        for incident in self.incidents:
            if incident.slug == slug:
                return incident
        raise KeyError(slug)
