"""The obligation of one rule for one incident: its clock, its deadline, what
satisfies it, and its state at ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..documents import Notice
from ..errors import SourceLocation
from ..model import Decision, Incident, Stage
from ..rules import STAND_IN_CLOCKS, Clock, Rule, RuleBook
from ..rules.calendars import year_end
from ..rules.duration import Duration
from .counts import count_applies
from .due import calendar_notes, delayed, due, end_of_due_day, lapsed, with_relief
from .owed import (
    OPEN_STATES,
    Obligation,
    ObligationState,
    breach_location,
    join_notes,
    make,
    span,
    utc_text,
)

# -- one rule, one incident ---------------------------------------------------------


def applies(rule: Rule, incident: Incident) -> tuple[bool | None, str]:
    """Whether ``rule``'s conditions hold for ``incident`` (``None``: unknown,
    a count is not recorded); the text says why not, or what is missing."""
    cond = rule.conditions
    if cond.kind is not None and incident.kind.value != cond.kind:
        return False, f"only for {cond.kind} items"
    if incident.is_maintenance and rule.is_practice:
        return False, "not for maintenance"
    if cond.severity is not None and incident.severity not in cond.severity:
        have = incident.severity.value if incident.severity else "no severity"
        return False, f"only for {'/'.join(s.value for s in cond.severity)} ({have})"
    if cond.customers_affected and not incident.customers_affected:
        return False, "only when customers_affected: true"
    if cond.public and not incident.public:
        return False, "only for public incidents"
    if incident.breach is not None:
        return count_applies(cond, incident.breach.affected)
    return True, ""


def obligation_for(
    incident: Incident,
    rule: Rule,
    rulebook: RuleBook,
    notices: Sequence[Notice],
    now: datetime,
    zone: ZoneInfo,
) -> Obligation | None:
    """The obligation of one rule for one incident (``None`` when the rule's
    conditions exclude a practice rule). When a count the rule's scope needs
    is not recorded, an open item is ``clock_not_started`` (unknown), with the
    deadline it would have."""
    ok, why = applies(rule, incident)
    item = _obligation(incident, rule, rulebook, notices, now, zone, ok, why)
    if ok is None and item is not None and item.state in OPEN_STATES:
        would = f"if it applies, due {utc_text(item.due_at)}" if item.due_at else ""
        return replace(
            item,
            state=ObligationState.CLOCK_NOT_STARTED,
            due_at=None,
            detail=join_notes([item.detail, would]),
        )
    return item


def _obligation(
    incident: Incident,
    rule: Rule,
    rulebook: RuleBook,
    notices: Sequence[Notice],
    now: datetime,
    zone: ZoneInfo,
    ok: bool | None,
    why: str,
) -> Obligation | None:
    decision = _decision(incident, rule, rulebook)
    if ok is False and not (decision is not None and decision.required):
        if rule.is_practice:
            return None
        # A regulatory rule in force whose scope excludes this incident: shown,
        # so the record says why nothing is owed.
        return make(
            incident, rule, ObligationState.NOT_REQUIRED, detail=f"condition not met: {why}"
        )
    notes = [why] if why else []
    clock_at, missing = clock_time(rule.clock, incident, notices, now, zone)
    if clock_at is not None and missing:  # the clock read a stand-in field: say so
        notes.append(missing)
    earliest = _window_start(rule, rulebook, clock_at, incident, notices, now, zone)

    sent, drafts, early = _notices(rulebook.satisfying_rules(rule), notices, now, earliest)
    notes += _early_notes(early, clock_at)
    satisfied_at, satisfied_by = _satisfaction(incident, rule, sent, now, earliest)

    if decision is not None and not decision.required:
        when = f" (decided {utc_text(decision.decided_at)})" if decision.decided_at else ""
        return make(
            incident,
            rule,
            ObligationState.NOT_REQUIRED,
            detail=f"not required: {decision.reason}{when}",
            satisfied_by=satisfied_by,
            satisfied_at=satisfied_at,
            location=SourceLocation(breach_location(incident).path, decision.line),
        )

    deadline = rule.deadline_for(incident.severity)
    draft_note = f"draft: {drafts[0].source_path}" if drafts else None
    location = _fix_location(incident, rule, drafts)

    if clock_at is None:
        if satisfied_at is not None:
            return make(
                incident, rule, ObligationState.MET,
                detail=join_notes(notes + [f"sent {utc_text(satisfied_at)}"]),
                satisfied_at=satisfied_at, satisfied_by=satisfied_by, location=location,
            )  # fmt: skip
        hint = missing + _cap_hint(rule, rulebook, incident, notices, now, zone)
        return make(
            incident, rule, ObligationState.CLOCK_NOT_STARTED,
            detail=join_notes([hint, *notes, draft_note]), clock=rule.clock.describe(),
            location=location,
        )  # fmt: skip

    if deadline is None:
        if satisfied_at is not None:
            return make(
                incident, rule, ObligationState.MET,
                detail=join_notes(notes + [f"sent {utc_text(satisfied_at)}"]),
                clock=rule.clock.describe(), clock_at=clock_at, satisfied_at=satisfied_at,
                satisfied_by=satisfied_by, location=location,
            )  # fmt: skip
        return make(
            incident, rule, ObligationState.NO_DEADLINE,
            detail=join_notes(["without undue delay (no fixed period)", *notes, draft_note]),
            clock=rule.clock.describe(), clock_at=clock_at, location=location,
        )  # fmt: skip

    known = _Known(
        incident=incident, rule=rule, notes=notes, clock_at=clock_at, satisfied_at=satisfied_at,
        satisfied_by=satisfied_by, drafts=drafts, location=location,
    )  # fmt: skip
    return _with_deadline(known, rulebook, notices, deadline, now, zone)


def _early_notes(early: Sequence[Notice], clock_at: datetime | None) -> list[str]:
    """A note for each notice sent before the clock started: it does not count."""
    return [
        f"{n.source_path} was sent {utc_text(n.sent_at)}, before the clock started"
        + (f" ({utc_text(clock_at)})" if clock_at is not None else "")
        + ": it does not count"
        for n in early
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Known:
    """What an obligation with a started clock and a fixed period knows
    before its due time is computed."""

    incident: Incident
    rule: Rule
    notes: list[str]
    clock_at: datetime
    satisfied_at: datetime | None
    satisfied_by: str | None
    drafts: Sequence[Notice]
    location: SourceLocation


def _with_deadline(
    known: _Known,
    rulebook: RuleBook,
    notices: Sequence[Notice],
    deadline: Duration,
    now: datetime,
    zone: ZoneInfo,
) -> Obligation:
    """The due time (relief, cap, delay, outer limit) and the state at ``now``."""
    incident, rule, notes, clock_at = known.incident, known.rule, known.notes, known.clock_at
    satisfied_at, satisfied_by, location = known.satisfied_at, known.satisfied_by, known.location
    draft_note = f"draft: {known.drafts[0].source_path}" if known.drafts else None
    timed, relief_note = with_relief(rule, incident)
    due_at = due(timed, deadline, clock_at, zone)
    notes += calendar_notes(timed, deadline, clock_at, due_at, zone)
    notes += [relief_note] if relief_note else []
    if rule.limit and rule.limit in rulebook:
        limit, _ = with_relief(rulebook[rule.limit], incident)
        due_at, note = _apply_limit(rule, limit, due_at, clock_at, incident, notices, now, zone)
        notes.append(note)
    due_at, delay_note = delayed(rule, incident, due_at)
    notes += [delay_note] if delay_note else []
    why_lapsed = lapsed(rule, incident, due_at, satisfied_at)
    if why_lapsed:
        return make(incident, rule, ObligationState.NOT_REQUIRED, detail=why_lapsed, due_at=due_at,
                    clock=rule.clock.describe(), clock_at=clock_at, location=location)  # fmt: skip
    if (
        rule.conditions.ongoing
        and incident.breach
        and rule.conditions.ongoing not in incident.breach.clocks
    ):
        notes.append(
            "owed if the incident is still ongoing then: "
            f"add breach.{rule.conditions.ongoing} once handled"
        )
    outer = end_of_due_day(timed, due_at, zone)
    if outer is not None:
        notes.append(
            f"the law counts days: outer limit {utc_text(outer)} "
            f"(end of that day, {(timed.zone or zone).key})"
        )
    if satisfied_at is not None:
        if satisfied_at <= due_at:
            state, text = ObligationState.MET, f"{span(due_at - satisfied_at)} before the deadline"
        else:
            state, text = (
                ObligationState.MET_LATE,
                f"{span(satisfied_at - due_at)} after the deadline",
            )
        return make(
            incident, rule, state, due_at=due_at, outer_limit=outer,
            detail=join_notes([text, *notes]), clock=rule.clock.describe(), clock_at=clock_at,
            satisfied_at=satisfied_at, satisfied_by=satisfied_by, location=location,
        )  # fmt: skip
    state = ObligationState.DUE if now <= due_at else ObligationState.OVERDUE
    if rule.id == "postmortem":
        notes.append(f"add a '## <time> · Postmortem' update to {incident.source_path}")
    elif not known.drafts:
        notes.append(f"no notice yet: write {_notice_hint(incident, rule)}")
    return make(
        incident, rule, state, due_at=due_at, outer_limit=outer,
        detail=join_notes([*notes, draft_note]), clock=rule.clock.describe(), clock_at=clock_at,
        location=location,
    )  # fmt: skip


def _cap_hint(
    rule: Rule,
    rulebook: RuleBook,
    incident: Incident,
    notices: Sequence[Notice],
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """For a capped rule whose own clock has not started (DORA before
    classification): when the cap falls."""
    if not rule.limit or rule.limit not in rulebook:
        return ""
    limit = rulebook[rule.limit]
    limit_at, _ = clock_time(limit.clock, incident, notices, now, zone)
    if limit_at is None or limit.deadline is None:
        return ""
    cap = due(limit, limit.deadline, limit_at, zone)
    return (
        f"; if {rule.clock.describe()} comes by {utc_text(cap)}, "
        "the notice is due by then at the latest"
    )


def _notices(
    ids: Sequence[str], notices: Sequence[Notice], now: datetime, earliest: datetime | None
) -> tuple[list[Notice], list[Notice], list[Notice]]:
    """The notices for ``ids``: sent by ``now`` (first first), drafts (not sent
    by ``now``), and those sent before ``earliest``, which do not count."""
    sent = [n for n in notices if n.rule in ids and n.sent_at is not None and n.sent_at <= now]
    sent.sort(key=lambda n: (n.sent_at, n.name))
    early = [n for n in sent if earliest is not None and n.sent_at < earliest]  # type: ignore[operator]
    drafts = [n for n in notices if n.rule in ids and (n.sent_at is None or n.sent_at > now)]
    return [n for n in sent if n not in early], drafts, early


def _apply_limit(
    rule: Rule,
    limit: Rule,
    due_at: datetime,
    clock_at: datetime,
    incident: Incident,
    notices: Sequence[Notice],
    now: datetime,
    zone: ZoneInfo,
) -> tuple[datetime, str]:
    """DORA RTS Art. 5(1)(a) and 5(2): 4 h after classification, but no later
    than 24 h after awareness while classification came within those 24 h."""
    limit_at, missing = clock_time(limit.clock, incident, notices, now, zone)
    if limit_at is None or limit.deadline is None:
        return due_at, f"outer limit unknown: {missing}"
    cap = due(limit, limit.deadline, limit_at, zone)
    if clock_at <= cap:
        if cap < due_at:
            return (
                cap,
                f"capped at {limit.deadline.human()} after {limit.clock.describe()} ({limit.id})",
            )
        return due_at, f"within the {limit.deadline.human()} outer limit ({limit.id})"
    return (
        due_at,
        f"{rule.clock.describe()} came after the {limit.deadline.human()} outer limit: "
        f"{rule.deadline.human() if rule.deadline else ''} from {rule.clock.describe()}",
    )


def _window_start(
    rule: Rule,
    rulebook: RuleBook,
    clock_at: datetime | None,
    incident: Incident,
    notices: Sequence[Notice],
    now: datetime,
    zone: ZoneInfo,
) -> datetime | None:
    """The earliest time a notice answers ``rule``: its clock's start (or, for
    a rule another caps, the capping clock's start when that is earlier).
    ``None``: any sent notice counts (a breach clock that is not recorded);
    a clock that has not started yet admits none (``datetime.max``)."""
    starts = [clock_at] if clock_at is not None else []
    if rule.limit and rule.limit in rulebook:
        limit_at, _ = clock_time(rulebook[rule.limit].clock, incident, notices, now, zone)
        if limit_at is not None:
            starts.append(limit_at)
    if starts:
        return min(starts)
    field = rule.clock.breach_field
    if field is not None and (incident.breach is None or field not in incident.breach.clocks):
        return None
    return datetime.max.replace(tzinfo=UTC)


def _satisfaction(
    incident: Incident, rule: Rule, sent: Sequence[Notice], now: datetime, earliest: datetime | None
) -> tuple[datetime | None, str | None]:
    """The first notice (or, for ``postmortem``, Postmortem update) sent at or
    after ``earliest`` and by ``now``."""
    if rule.id == "postmortem":
        update = next(
            (
                u
                for u in incident.updates
                if u.stage is Stage.POSTMORTEM
                and u.at <= now
                and (earliest is None or u.at >= earliest)
            ),
            None,
        )
        if update is not None:
            return update.at, f"{incident.source_path}:{update.line} (Postmortem update)"
    if sent:
        first = sent[0]
        return first.sent_at, first.source_path
    return None, None


def _decision(incident: Incident, rule: Rule, rulebook: RuleBook) -> Decision | None:
    if incident.breach is None:
        return None
    for rule_id in rulebook.satisfying_rules(rule):
        if rule_id in incident.breach.decisions:
            return incident.breach.decisions[rule_id]
    return None


def clock_time(
    clock: Clock, incident: Incident, notices: Sequence[Notice], now: datetime, zone: ZoneInfo
) -> tuple[datetime | None, str]:
    """When ``clock`` started for ``incident`` (``None`` if it has not, or only
    after ``now``), and otherwise what would start it."""
    if clock.kind == "breach":
        at = incident.breach.clocks.get(clock.field or "") if incident.breach else None
        where = (
            incident.breach.source_path
            if incident.breach and incident.breach.source_path != incident.source_path
            else "the breach: block"
        )
        note = ""
        stand_in = STAND_IN_CLOCKS.get(clock.field or "")
        if at is None and stand_in and incident.breach and stand_in in incident.breach.clocks:
            at = incident.breach.clocks[stand_in]
            note = f"clock from breach.{stand_in}: breach.{clock.field} not recorded"
        if at is None:
            return None, f"clock not started: add breach.{clock.field} to {where}"
        if at > now:
            return None, f"clock starts at {utc_text(at)} (breach.{clock.field})"
        return at, note
    if clock.kind == "incident":
        if clock.field == "declared":
            return incident.started_at, ""
        if clock.field == "resolved":
            resolved = incident.resolved_at
            if resolved is None or resolved > now:
                return None, "clock starts when the incident is resolved"
            return resolved, ""
        raise ValueError(f"clock {clock.text} has no single start")
    if clock.kind in ("sent", "last-sent"):
        times = sorted(
            n.sent_at
            for n in notices
            if n.rule in clock.rules and n.sent_at is not None and n.sent_at <= now
        )
        if not times:
            return (
                None,
                f"clock starts when the {' or '.join(clock.rules)} notice is sent (its sent: time)",
            )
        return (times[0] if clock.kind == "sent" else times[-1]), ""
    assert clock.inner is not None
    inner, missing = clock_time(clock.inner, incident, notices, now, zone)
    if inner is None:
        return None, missing
    end = year_end(inner, zone)
    return (
        (end, "")
        if end <= now
        else (None, f"clock starts at the end of the year ({utc_text(end)})")
    )


def _fix_location(incident: Incident, rule: Rule, drafts: Sequence[Notice]) -> SourceLocation:
    """Where the fix goes: a draft notice, the clock's line in the breach
    block, the incident's ``declared`` line or its latest update."""
    if drafts:
        return SourceLocation(drafts[0].source_path, 1)
    if incident.breach is not None and not rule.is_practice:
        return breach_location(incident, rule.clock.breach_field)
    if rule.clock.field == "declared":
        return SourceLocation(incident.source_path, incident.lines.get("declared"))
    return SourceLocation(
        incident.source_path, incident.updates[-1].line if incident.updates else 1
    )


def _notice_hint(incident: Incident, rule: Rule) -> str:
    return f"comms/{incident.slug}/{rule.id}.md (rule: {rule.id})"
