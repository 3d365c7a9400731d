"""``update-cadence``: the gaps between public updates, and the next one owed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from ..errors import SourceLocation
from ..model import Incident, Stage, Update
from ..rules import Rule, RuleBook
from .obligation import applies
from .owed import Obligation, ObligationState, hm, make, span

# -- update cadence -----------------------------------------------------------------


def cadence_obligations(incident: Incident, rule: Rule, now: datetime) -> Iterator[Obligation]:
    """``update-cadence``: one item per late gap, and the next public update of
    an unresolved incident (or one ``met`` item when every gap was kept)."""
    ok, _ = applies(rule, incident)
    interval = rule.deadline_for(incident.severity)
    if not ok or interval is None:
        return
    step = interval.as_timedelta()
    anchor, anchored_by = incident.started_at, "declaration"  # the text made when shown
    is_open = True
    count = 0
    late = 0
    last_due: datetime | None = None
    last: Update | None = None
    for update in known_updates(incident, now):
        if update.stage is Stage.POSTMORTEM:
            continue
        if not is_open:
            if update.stage is not Stage.RESOLVED:  # reopened: the cadence starts again
                is_open, anchor, anchored_by = True, update.at, "reopening"
            continue
        if update.at <= anchor:
            anchor, anchored_by = update.at, "update"
            last = update
            continue
        due = anchor + step
        count += 1
        if update.at > due:
            late += 1
            anchor_text = f"{anchored_by} at {hm(anchor)} UTC"
            yield make(
                incident, rule, ObligationState.MET_LATE, due_at=due, clock=anchor_text,
                clock_at=anchor, satisfied_at=update.at,
                satisfied_by=f"{incident.source_path}:{update.line}",
                detail=f"{span(update.at - due)} late: {span(update.at - anchor)} after the "
                f"{anchor_text} ({incident.severity.value if incident.severity else ''} "
                f"cadence {interval.human()})",
                location=SourceLocation(incident.source_path, update.line),
                key=f"{incident.slug}/{rule.id}/{count}",
            )  # fmt: skip
        anchor, anchored_by, last_due, last = update.at, "update", due, update
        if update.stage is Stage.RESOLVED:
            is_open = False
    if is_open:
        due = anchor + step
        state = ObligationState.DUE if now <= due else ObligationState.OVERDUE
        anchor_text = f"{anchored_by} at {hm(anchor)} UTC"
        yield make(
            incident, rule, state, due_at=due, clock=anchor_text, clock_at=anchor,
            detail=f"the next public update is due {interval.human()} after the {anchor_text}",
            location=SourceLocation(
                incident.source_path, last.line if last else incident.lines.get("declared")
            ),
            key=f"{incident.slug}/{rule.id}/next",
        )  # fmt: skip
    elif late == 0:
        yield make(
            incident, rule, ObligationState.MET, due_at=last_due, clock="declared",
            clock_at=incident.started_at,
            satisfied_at=last.at if last else None,
            satisfied_by=f"{incident.source_path}:{last.line}" if last else None,
            detail=f"{count} public update{'s' if count != 1 else ''}, "
            f"every gap within {interval.human()}",
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


def known_updates(incident: Incident, now: datetime) -> Iterable[Update]:
    return (u for u in incident.updates if u.at <= now)
