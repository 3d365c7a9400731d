"""An owed item (:class:`Obligation`) and its states, and the small helpers
every module that builds one shares.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..errors import SourceLocation
from ..model import Incident
from ..rules import Rule
from ..rules.duration import format_seconds


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
        return STATE_ORDER.index(self)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


STATE_ORDER = (
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
    outer_limit: datetime | None = None  # end of the due day, where the law counts days
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
            return f"{span(self.due_at - now)} left"
        if self.state is ObligationState.OVERDUE and self.due_at is not None:
            return f"overdue by {span(now - self.due_at)}"
        if self.state is ObligationState.NO_DEADLINE and self.clock_at is not None:
            return f"clock started {span(now - self.clock_at)} ago"
        return ""

    def describe(self, now: datetime | None = None) -> str:
        """The detail, led by the timing at ``now`` (none without ``now``: the
        text then changes only when the state does)."""
        return join_notes([self.timing(now) if now is not None else "", self.detail])


def make(incident: Incident, rule: Rule, state: ObligationState, **kw: Any) -> Obligation:
    if "location" not in kw:
        regulatory = incident.breach is not None and not rule.is_practice
        kw["location"] = (
            breach_location(incident) if regulatory else SourceLocation(incident.source_path, 1)
        )
    kw.setdefault("key", f"{incident.slug}/{rule.id}")
    return Obligation(
        rule=rule, incident=incident, recipient=short_recipient(rule.recipient), state=state, **kw
    )


def short_recipient(text: str) -> str:
    """The recipient without its parenthesised details."""
    return text.split(" (")[0].strip()


def breach_location(incident: Incident, field: str | None = None) -> SourceLocation:
    """A breach field's line, in the front matter or the ``breach.yml`` sidecar."""
    breach = incident.breach
    assert breach is not None
    path = breach.source_path or incident.source_path
    line = breach.lines.get(field) if field else None
    if line is None:
        line = incident.lines.get("breach") if path == incident.source_path else 1
    return SourceLocation(path, line)


# -- formatting helpers --------------------------------------------------------------


def utc_text(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def hm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def span(delta: timedelta) -> str:
    return format_seconds(delta.total_seconds())


def join_notes(parts: Iterable[str | None]) -> str:
    return "; ".join(p for p in parts if p)
