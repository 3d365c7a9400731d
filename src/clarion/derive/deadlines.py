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

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import ContentError, SourceLocation
from ..model import Decision, Incident, Notice, Site, Stage, Update
from ..rules import Calendar, Clock, Rule, RuleBook
from ..rules.calendars import due_after, year_end
from ..rules.duration import Duration, format_seconds
from .applicability import applies
from .roles import role_warnings


class ObligationState(enum.Enum):
    MET = "met"
    MET_LATE = "met_late"
    DUE = "due"
    OVERDUE = "overdue"
    NO_DEADLINE = "no_deadline"
    CLOCK_NOT_STARTED = "clock_not_started"
    NOT_REQUIRED = "not_required"

    @property
    def rank(self) -> int:
        """Sort order of a report: what needs action first."""
        return _STATE_ORDER.index(self)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


_STATE_ORDER = (
    ObligationState.OVERDUE,
    ObligationState.DUE,
    ObligationState.CLOCK_NOT_STARTED,
    ObligationState.NO_DEADLINE,
    ObligationState.MET_LATE,
    ObligationState.NOT_REQUIRED,
    ObligationState.MET,
)
OPEN_STATES = frozenset(
    {
        ObligationState.OVERDUE,
        ObligationState.DUE,
        ObligationState.CLOCK_NOT_STARTED,
        ObligationState.NO_DEADLINE,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Obligation:
    """One owed item: a rule, for an incident, to a recipient, by ``due_at``."""

    rule: Rule
    incident: Incident
    recipient: str
    state: ObligationState
    due_at: datetime | None = None  # None: no fixed deadline, or the clock has not started
    clock: str = ""  # what started the clock, e.g. "breach.aware"
    clock_at: datetime | None = None
    satisfied_at: datetime | None = None
    satisfied_by: str | None = None  # a notice file, or an update's file:line
    detail: str = (
        ""  # the reason of a decision, the field to add, ... (never the time left: see describe)
    )
    location: SourceLocation  # where a fix goes (annotations point here)
    key: str  # unique within a report: "<slug>/<rule>[/<n>]"

    def left(self, now: datetime) -> timedelta | None:
        """Time until the deadline (negative when past)."""
        return None if self.due_at is None else self.due_at - now

    def timing(self, now: datetime) -> str:
        """What ``now`` adds to the detail: ``21 h left``, ``overdue by 2 h``,
        ``clock started 3 d ago`` (empty for settled items)."""
        if self.state is ObligationState.DUE and self.due_at is not None:
            return f"{_span(self.due_at - now)} left"
        if self.state is ObligationState.OVERDUE and self.due_at is not None:
            return f"overdue by {_span(now - self.due_at)}"
        if self.state is ObligationState.NO_DEADLINE and self.clock_at is not None:
            return f"clock started {_span(now - self.clock_at)} ago"
        return ""

    def describe(self, now: datetime | None = None) -> str:
        """The detail, led by the timing at ``now`` (none without ``now``: the
        text then changes only when the state does)."""
        return _join([self.timing(now) if now is not None else "", self.detail])


@dataclass(frozen=True)
class DeadlineReport:
    """Every obligation of a site at ``now``, plus content lint."""

    now: datetime
    zone: ZoneInfo
    obligations: tuple[Obligation, ...]
    lint: tuple[ContentError, ...] = ()
    warn_within: timedelta | None = None

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
        counts = dict.fromkeys(_STATE_ORDER, 0)
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
        if incident.started_at > now:
            continue
        notices = by_slug.get(incident.slug, ())
        for rule in rulebook.applicable(incident):
            if rule.is_warning:
                continue
            if rule.clock.kind == "incident" and rule.clock.field == "updates":
                yield from cadence_obligations(incident, rule, now)
            else:
                item = obligation_for(incident, rule, rulebook, notices, now, zone)
                if item is not None:
                    yield item


# -- one rule, one incident ---------------------------------------------------------


def obligation_for(
    incident: Incident,
    rule: Rule,
    rulebook: RuleBook,
    notices: Sequence[Notice],
    now: datetime,
    zone: ZoneInfo,
) -> Obligation | None:
    """The obligation of one rule for one incident (``None`` when the rule's
    conditions exclude a practice rule)."""
    decision = _decision(incident, rule, rulebook)
    ok, why = applies(rule, incident)
    if not ok and not (decision is not None and decision.required):
        if rule.is_practice:
            return None
        # A regulatory rule in force whose scope excludes this incident: shown,
        # so the record says why nothing is owed.
        return _make(
            incident, rule, ObligationState.NOT_REQUIRED, detail=f"condition not met: {why}"
        )
    notes = [why] if why else []

    ids = rulebook.satisfying_rules(rule)
    sent = [n for n in notices if n.rule in ids and n.sent_at is not None and n.sent_at <= now]
    sent.sort(key=lambda n: (n.sent_at, n.name))
    drafts = [n for n in notices if n.rule in ids and (n.sent_at is None or n.sent_at > now)]
    satisfied_at, satisfied_by = _satisfaction(incident, rule, sent, now)

    if decision is not None and not decision.required:
        when = f" (decided {_utc(decision.decided_at)})" if decision.decided_at else ""
        return _make(
            incident,
            rule,
            ObligationState.NOT_REQUIRED,
            detail=f"not required: {decision.reason}{when}",
            satisfied_by=satisfied_by,
            satisfied_at=satisfied_at,
            location=SourceLocation(_breach_location(incident).path, decision.line),
        )

    clock_at, missing = clock_time(rule.clock, incident, notices, now, zone)
    deadline = rule.deadline_for(incident.severity)
    draft_note = f"draft: {drafts[0].source_path}" if drafts else None
    location = _fix_location(incident, rule, drafts)

    if clock_at is None:
        if satisfied_at is not None:
            return _make(
                incident, rule, ObligationState.MET, detail=_join(notes + [f"sent {_utc(satisfied_at)}"]),
                satisfied_at=satisfied_at, satisfied_by=satisfied_by, location=location,
            )  # fmt: skip
        hint = missing
        if rule.limit and rule.limit in rulebook:
            limit = rulebook[rule.limit]
            limit_at, _ = clock_time(limit.clock, incident, notices, now, zone)
            if limit_at is not None and limit.deadline is not None:
                cap = _due(limit, limit.deadline, limit_at, zone)
                hint += f"; if {rule.clock.describe()} comes by {_utc(cap)}, the notice is due by then at the latest"
        return _make(
            incident, rule, ObligationState.CLOCK_NOT_STARTED, detail=_join([hint, *notes, draft_note]),
            clock=rule.clock.describe(), location=location,
        )  # fmt: skip

    if deadline is None:
        if satisfied_at is not None:
            return _make(
                incident, rule, ObligationState.MET, detail=_join(notes + [f"sent {_utc(satisfied_at)}"]),
                clock=rule.clock.describe(), clock_at=clock_at, satisfied_at=satisfied_at,
                satisfied_by=satisfied_by, location=location,
            )  # fmt: skip
        return _make(
            incident, rule, ObligationState.NO_DEADLINE,
            detail=_join(["without undue delay (no fixed period)", *notes, draft_note]),
            clock=rule.clock.describe(), clock_at=clock_at, location=location,
        )  # fmt: skip

    due_at = _due(rule, deadline, clock_at, zone)
    if rule.limit and rule.limit in rulebook:
        due_at, note = _apply_limit(
            rule, rulebook[rule.limit], due_at, clock_at, incident, notices, now, zone
        )
        notes.append(note)
    if satisfied_at is not None:
        if satisfied_at <= due_at:
            state, text = ObligationState.MET, f"{_span(due_at - satisfied_at)} before the deadline"
        else:
            state, text = (
                ObligationState.MET_LATE,
                f"{_span(satisfied_at - due_at)} after the deadline",
            )
        return _make(
            incident, rule, state, due_at=due_at, detail=_join([text, *notes]), clock=rule.clock.describe(),
            clock_at=clock_at, satisfied_at=satisfied_at, satisfied_by=satisfied_by, location=location,
        )  # fmt: skip
    state = ObligationState.DUE if now <= due_at else ObligationState.OVERDUE
    if rule.id == "postmortem":
        notes.append(f"add a '## <time> · Postmortem' update to {incident.source_path}")
    elif not drafts:
        notes.append(f"no notice yet: write {_notice_hint(incident, rule)}")
    return _make(
        incident, rule, state, due_at=due_at, detail=_join([*notes, draft_note]),
        clock=rule.clock.describe(), clock_at=clock_at, location=location,
    )  # fmt: skip


def _due(rule: Rule, deadline: Duration, start: datetime, zone: ZoneInfo) -> datetime:
    return due_after(
        start,
        deadline,
        calendar=rule.calendar or Calendar.HOURS,
        zone=rule.zone or zone,
        holidays=rule.holidays,
        due_time=rule.due_time,
        weekend_relief=rule.weekend_relief,
    )


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
    cap = _due(limit, limit.deadline, limit_at, zone)
    if clock_at <= cap:
        if cap < due_at:
            return (
                cap,
                f"capped at {limit.deadline.human()} after {limit.clock.describe()} ({limit.id})",
            )
        return due_at, f"within the {limit.deadline.human()} outer limit ({limit.id})"
    return (
        due_at,
        f"{rule.clock.describe()} came after the {limit.deadline.human()} outer limit: {rule.deadline.human() if rule.deadline else ''} from {rule.clock.describe()}",
    )


def _satisfaction(
    incident: Incident, rule: Rule, sent: Sequence[Notice], now: datetime
) -> tuple[datetime | None, str | None]:
    if rule.id == "postmortem":
        update = next(
            (u for u in incident.updates if u.stage is Stage.POSTMORTEM and u.at <= now), None
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
        if at is None:
            return None, f"clock not started: add breach.{clock.field} to {where}"
        if at > now:
            return None, f"clock starts at {_utc(at)} (breach.{clock.field})"
        return at, ""
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
    return (end, "") if end <= now else (None, f"clock starts at the end of the year ({_utc(end)})")


def _fix_location(incident: Incident, rule: Rule, drafts: Sequence[Notice]) -> SourceLocation:
    """Where the fix goes: a draft notice, the clock's line in the breach
    block, the incident's ``declared`` line or its latest update."""
    if drafts:
        return SourceLocation(drafts[0].source_path, 1)
    if incident.breach is not None and not rule.is_practice:
        return _breach_location(incident, rule.clock.breach_field)
    if rule.clock.field == "declared":
        return SourceLocation(incident.source_path, incident.lines.get("declared"))
    return SourceLocation(
        incident.source_path, incident.updates[-1].line if incident.updates else 1
    )


def _breach_location(incident: Incident, field: str | None = None) -> SourceLocation:
    """A breach field's line, in the front matter or the ``breach.yml`` sidecar."""
    breach = incident.breach
    assert breach is not None
    path = breach.source_path or incident.source_path
    line = breach.lines.get(field) if field else None
    if line is None:
        line = incident.lines.get("breach") if path == incident.source_path else 1
    return SourceLocation(path, line)


def _notice_hint(incident: Incident, rule: Rule) -> str:
    return f"comms/{incident.slug}/{rule.id}.md (rule: {rule.id})"


def _make(incident: Incident, rule: Rule, state: ObligationState, **kw: Any) -> Obligation:
    if "location" not in kw:
        regulatory = incident.breach is not None and not rule.is_practice
        kw["location"] = (
            _breach_location(incident) if regulatory else SourceLocation(incident.source_path, 1)
        )
    kw.setdefault("key", f"{incident.slug}/{rule.id}")
    return Obligation(
        rule=rule, incident=incident, recipient=short_recipient(rule.recipient), state=state, **kw
    )


def short_recipient(text: str) -> str:
    """The recipient without its parenthesised details."""
    return text.split(" (")[0].strip()


# -- update cadence -----------------------------------------------------------------


def cadence_obligations(incident: Incident, rule: Rule, now: datetime) -> Iterator[Obligation]:
    """``update-cadence``: one item per late gap, and the next public update of
    an unresolved incident (or one ``met`` item when every gap was kept)."""
    ok, _ = applies(rule, incident)
    interval = rule.deadline_for(incident.severity)
    if not ok or interval is None:
        return
    step = interval.as_timedelta()
    anchor = incident.started_at
    anchor_text = "declared"
    is_open = True
    count = 0
    late = 0
    last_due: datetime | None = None
    last: Update | None = None
    for update in _known_updates(incident, now):
        if update.stage is Stage.POSTMORTEM:
            continue
        if not is_open:
            if update.stage is not Stage.RESOLVED:  # reopened: the cadence starts again
                is_open, anchor, anchor_text = True, update.at, f"reopened {_hm(update.at)} UTC"
            continue
        if update.at <= anchor:
            anchor, anchor_text = update.at, f"update {_hm(update.at)} UTC"
            last = update
            continue
        due = anchor + step
        count += 1
        if update.at > due:
            late += 1
            yield _make(
                incident, rule, ObligationState.MET_LATE, due_at=due, clock=anchor_text, clock_at=anchor,
                satisfied_at=update.at, satisfied_by=f"{incident.source_path}:{update.line}",
                detail=f"{_span(update.at - due)} late: {_span(update.at - anchor)} after the {anchor_text} "
                f"({incident.severity.value if incident.severity else ''} cadence {interval.human()})",
                location=SourceLocation(incident.source_path, update.line), key=f"{incident.slug}/{rule.id}/{count}",
            )  # fmt: skip
        anchor, anchor_text, last_due, last = update.at, f"update {_hm(update.at)} UTC", due, update
        if update.stage is Stage.RESOLVED:
            is_open = False
    if is_open:
        due = anchor + step
        state = ObligationState.DUE if now <= due else ObligationState.OVERDUE
        yield _make(
            incident, rule, state, due_at=due, clock=anchor_text, clock_at=anchor,
            detail=f"the next public update is due {interval.human()} after the {anchor_text}",
            location=SourceLocation(incident.source_path, last.line if last else incident.lines.get("declared")),
            key=f"{incident.slug}/{rule.id}/next",
        )  # fmt: skip
    elif late == 0:
        yield _make(
            incident, rule, ObligationState.MET, due_at=last_due, clock="declared", clock_at=incident.started_at,
            satisfied_at=last.at if last else None,
            satisfied_by=f"{incident.source_path}:{last.line}" if last else None,
            detail=f"{count} public update{'s' if count != 1 else ''}, every gap within {interval.human()}",
            location=SourceLocation(incident.source_path, 1),
        )  # fmt: skip


def next_update_due(incident: Incident, rulebook: RuleBook, now: datetime) -> Obligation | None:
    """The next public update an unresolved incident owes (``clarion serve``
    shows it), or ``None``."""
    if "update-cadence" not in rulebook:
        return None
    rule = rulebook["update-cadence"]
    if not rule.enabled:
        return None
    for item in cadence_obligations(incident, rule, now):
        if item.key.endswith("/next"):
            return item
    return None


def _known_updates(incident: Incident, now: datetime) -> Iterable[Update]:
    return (u for u in incident.updates if u.at <= now)


# -- lint ---------------------------------------------------------------------------


def lint(site: Site, rulebook: RuleBook, now: datetime) -> tuple[ContentError, ...]:
    """The loader's warnings plus what only a check sees: reopened incidents,
    short monitoring, notices dated in the future or for rules that do not apply."""
    out: list[ContentError] = [w for w in site.warnings if isinstance(w, ContentError)]
    soak = rulebook["monitoring-soak"] if "monitoring-soak" in rulebook else None
    for incident in site.incidents:
        if incident.is_maintenance:
            continue
        update = incident.reopening
        if update is not None:
            out.append(_warning(
                incident.source_path, update.line,
                f"the incident was reopened by this {update.stage.value} update after it was resolved",
                "that is allowed; if the problem is new, open a new incident instead",
            ))  # fmt: skip
        if soak is not None and soak.enabled and soak.deadline is not None:
            warning = _soak_warning(incident, soak, now)
            if warning is not None:
                out.append(warning)
    out.extend(role_warnings(site, rulebook, now))
    incidents = {i.slug: i for i in site.incidents}
    applicable = {slug: {r.id for r in rulebook.applicable(i)} for slug, i in incidents.items()}
    for notice in site.notices:
        if notice.sent_at is not None and notice.sent_at > now:
            out.append(_warning(
                notice.source_path, notice.lines.get("sent"),
                f"sent: {_utc(notice.sent_at)} is after now ({_utc(now)}); it counts only from then",
                "check the date, or record the time it actually went out",
            ))  # fmt: skip
        if notice.rule is None or notice.slug not in applicable:
            continue
        rule = rulebook[notice.rule]
        target = rule.limits or rule.id
        if target not in applicable[notice.slug]:
            no_breach = not rule.is_practice and incidents[notice.slug].breach is None
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
    return tuple(out)


def _soak_warning(incident: Incident, rule: Rule, now: datetime) -> ContentError | None:
    updates = [u for u in _known_updates(incident, now) if u.stage is not Stage.POSTMORTEM]
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
        message = f"resolved without a monitoring stage (monitoring-soak: stay in monitoring at least {rule.deadline.human() if rule.deadline else ''})"
    else:
        soaked = resolved.at - updates[start].at
        if soaked >= minimum:
            return None
        message = (
            f"resolved {_span(soaked)} after monitoring began at {_hm(updates[start].at)} UTC "
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


# -- formatting helpers --------------------------------------------------------------


def _utc(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _hm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _span(delta: timedelta) -> str:
    return format_seconds(delta.total_seconds())


def _join(parts: Iterable[str | None]) -> str:
    return "; ".join(p for p in parts if p)
