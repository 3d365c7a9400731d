"""Owed items: which notice or update is due to whom, by when, and its state.

Pure functions of the model, the rulebook and ``now``: nothing here reads a
file or the clock. Facts dated after ``now`` (a notice's ``sent:``, an
update) are not yet known at ``now``, so ``--now`` can replay the past.

For each incident, the rules in force (:meth:`RuleBook.applicable`) give
obligations:

- a regulatory or practice rule with a clock gives one :class:`Obligation`,
  satisfied by a notice with that ``rule`` and a ``sent:`` time (``postmortem``:
  by a ``Postmortem`` update);
- ``update-cadence`` gives one item per late gap between public updates, and
  the next update while the incident is unresolved;
- ``monitoring-soak`` is a minimum, not a deadline: :func:`lint` warns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from ..documents import Notice
from ..errors import ContentError, SourceLocation
from ..model import Incident, Site, Stage
from ..rules import STAND_IN_CLOCKS, Rule, RuleBook
from .cadence import cadence_obligations, known_updates, next_update_due
from .obligation import applies, clock_time, obligation_for
from .owed import (
    OPEN_STATES,
    STATE_ORDER,
    Obligation,
    ObligationState,
    breach_location,
    hm,
    short_recipient,
    span,
    utc_text,
)

__all__ = [
    "OPEN_STATES",
    "DeadlineReport",
    "Obligation",
    "ObligationState",
    "applies",
    "clock_time",
    "incident_lint",
    "incident_obligations",
    "notice_lint",
    "next_update_due",
    "obligation_for",
    "obligations",
    "short_recipient",
]


@dataclass(frozen=True)
class DeadlineReport:
    """Every obligation of a site at ``now``, plus content lint."""

    now: datetime
    zone: ZoneInfo
    obligations: tuple[Obligation, ...]
    lint: tuple[ContentError, ...] = ()
    warn_within: timedelta | None = None
    #: A digest of everything above but ``now`` (and the incidents and rules
    #: the items name), ``""`` when not computed: the build's report files
    #: are reused while it is unchanged (:mod:`clarion.derive.deadline_report`).
    digest: str = ""
    #: Each incident's part as JSON text, by the digest of its inputs, for
    #: the next build; and how many parts this one reused.
    kept: Mapping[str, str | None] = dataclass_field(default_factory=dict)
    reused: int = 0

    @cached_property
    def overdue(self) -> tuple[Obligation, ...]:
        return tuple(o for o in self.obligations if o.state is ObligationState.OVERDUE)

    @cached_property
    def _due_soon_keys(self) -> frozenset[str]:
        return frozenset(o.key for o in self.due_soon)

    @cached_property
    def due_soon(self) -> tuple[Obligation, ...]:
        """Items due within ``warn_within`` (none without a window)."""
        if self.warn_within is None:
            return ()
        return tuple(
            o
            for o in self.obligations
            if o.state is ObligationState.DUE
            and o.due_at is not None
            and o.due_at - self.now <= self.warn_within
        )

    def is_due_soon(self, obligation: Obligation) -> bool:
        return obligation.key in self._due_soon_keys

    @cached_property
    def counts(self) -> dict[ObligationState, int]:
        counts = dict.fromkeys(STATE_ORDER, 0)
        for obligation in self.obligations:
            counts[obligation.state] += 1
        return counts

    @property
    def lint_warnings(self) -> tuple[ContentError, ...]:
        return tuple(e for e in self.lint if e.severity == "warning")


def obligations(
    site: Site, rulebook: RuleBook, now: datetime, zone: ZoneInfo
) -> Iterator[Obligation]:
    """The obligations of every incident of ``site`` (unsorted)."""
    by_slug: dict[str, list[Notice]] = {}
    for notice in site.notices:
        by_slug.setdefault(notice.slug, []).append(notice)
    for incident in site.incidents:
        yield from incident_obligations(
            incident, by_slug.get(incident.slug, ()), rulebook, now, zone
        )


def incident_obligations(
    incident: Incident, notices: Sequence[Notice], rulebook: RuleBook, now: datetime, zone: ZoneInfo
) -> Iterator[Obligation]:
    """The obligations of one incident, from it, its ``notices``, the rulebook,
    ``now`` and the zone alone (none before it starts)."""
    if incident.started_at > now:
        return
    for rule in rulebook.applicable(incident):
        if rule.is_warning:
            continue
        if rule.clock.kind == "incident" and rule.clock.field == "updates":
            yield from cadence_obligations(incident, rule, now)
        else:
            item = obligation_for(incident, rule, rulebook, notices, now, zone)
            if item is not None:
                yield item


# -- lint ---------------------------------------------------------------------------


def incident_lint(incident: Incident, rulebook: RuleBook, now: datetime) -> list[ContentError]:
    """One incident's own warnings: reopened, resolved without enough
    monitoring, a breach clock read from a stand-in field."""
    if incident.is_maintenance:
        return []
    out: list[ContentError] = []
    update = incident.reopening
    if update is not None:
        out.append(_warning(
            incident.source_path, update.line,
            f"the incident was reopened by this "
            f"{update.stage.value} update after it was resolved",
            "that is allowed; if the problem is new, open a new incident instead",
        ))  # fmt: skip
    soak = rulebook["monitoring-soak"] if "monitoring-soak" in rulebook else None
    if soak is not None and soak.enabled and soak.deadline is not None and not incident.imported:
        warning = _soak_warning(incident, soak, now)
        if warning is not None:
            out.append(warning)
    out.extend(_stand_in_warnings(incident, rulebook))
    return out


def notice_lint(
    notice: Notice, incident: Incident | None, rulebook: RuleBook, now: datetime
) -> list[ContentError]:
    """A notice dated after ``now``, or for a rule not in force for its
    incident (``incident``: ``None`` when the incident is not published at ``now``)."""
    out: list[ContentError] = []
    if notice.sent_at is not None and notice.sent_at > now:
        out.append(_warning(
            notice.source_path, notice.lines.get("sent"),
            f"sent: {utc_text(notice.sent_at)} is after now "
            f"({utc_text(now)}); it counts only from then",
            "check the date, or record the time it actually went out",
        ))  # fmt: skip
    if notice.rule is None or incident is None:
        return out
    rule = rulebook[notice.rule]
    target = rule.limits or rule.id
    if target not in {r.id for r in rulebook.applicable(incident)}:
        no_breach = not rule.is_practice and incident.breach is None
        why = (
            "the incident has no breach: block"
            if no_breach
            else "the rule is not in force for this incident"
        )
        out.append(_warning(
            notice.source_path, notice.lines.get("rule"),
            f"rule: {notice.rule} does not apply to {notice.slug} ({why})",
            "add the rule to breach.rules or [rules] enabled, or correct the rule id",
        ))  # fmt: skip
    return out


def _stand_in_warnings(incident: Incident, rulebook: RuleBook) -> Iterator[ContentError]:
    """A breach clock read from a stand-in (``discovered`` from ``aware``)."""
    breach = incident.breach
    if breach is None:
        return
    for field, stand_in in STAND_IN_CLOCKS.items():
        if field in breach.clocks or stand_in not in breach.clocks:
            continue
        ids = [r.id for r in rulebook.applicable(incident) if r.clock.breach_field == field]
        if ids:
            where = breach_location(incident, stand_in)
            yield _warning(
                where.path, where.line,
                f"breach.{field} is not recorded: {', '.join(ids)} count from breach.{stand_in}, "
                "which can only make their deadlines later",
                f"add breach.{field}: the time the breach was first known (or would have been "
                "with reasonable diligence)",
            )  # fmt: skip


def _soak_warning(incident: Incident, rule: Rule, now: datetime) -> ContentError | None:
    updates = [u for u in known_updates(incident, now) if u.stage is not Stage.POSTMORTEM]
    if not updates or updates[-1].stage is not Stage.RESOLVED:
        return None
    first_resolved = len(updates) - 1
    while first_resolved > 0 and updates[first_resolved - 1].stage is Stage.RESOLVED:
        first_resolved -= 1
    resolved = updates[first_resolved]
    start = first_resolved
    while start > 0 and updates[start - 1].stage is Stage.MONITORING:
        start -= 1
    minimum = rule.deadline.as_timedelta() if rule.deadline else timedelta(0)
    if start == first_resolved:
        message = (
            "resolved without a monitoring stage (monitoring-soak: stay in "
            f"monitoring at least {rule.deadline.human() if rule.deadline else ''})"
        )
    else:
        soaked = resolved.at - updates[start].at
        if soaked >= minimum:
            return None
        message = (
            f"resolved {span(soaked)} after monitoring began at {hm(updates[start].at)} UTC "
            f"(monitoring-soak: at least {rule.deadline.human() if rule.deadline else ''})"
        )
    return _warning(
        incident.source_path,
        resolved.line,
        message,
        "watch a fix in monitoring before resolving, so a relapse does not reopen the incident",
    )


def _warning(path: str, line: int | None, message: str, hint: str | None = None) -> ContentError:
    return ContentError(
        location=SourceLocation(path, line), message=message, hint=hint, severity="warning"
    )
