"""``clarion serve``'s reminders: when each active incident's next public update is due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..config import SiteConfig
from ..derive.deadlines import next_update_due
from ..errors import ClarionError
from ..model import Incident, Severity
from ..rules import RuleBook, load_rules

#: Remind this long before a public update is due.
REMIND_BEFORE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class UpdateDue:
    """The next public update of an active incident."""

    slug: str
    title: str
    severity: Severity
    last_update_at: datetime
    due_at: datetime

    def describe(self, now: datetime) -> str:
        left = self.due_at - now
        when = self.due_at.astimezone(UTC).strftime("%H:%M UTC")
        if left >= timedelta(0):
            state = f"due at {when} (in {_minutes(left)})"
        else:
            state = f"OVERDUE since {when} ({_minutes(-left)} ago)"
        return (
            f"{self.slug} ({self.severity.value}): next public update {state}; "
            f'clarion update {self.slug} STAGE "..."'
        )


def updates_due_for(
    config: SiteConfig,
    incidents: Iterable[Incident],
    now: datetime,
    *,
    rulebook: RuleBook | None = None,
) -> list[UpdateDue]:
    """When each active incident's next public update is due: the rulebook's
    ``update-cadence`` with the site's overrides, as ``clarion check`` counts
    it (:func:`clarion.derive.deadlines.next_update_due`). ``rulebook``: the one
    the build read with the site (else it is read here)."""
    if rulebook is None:
        try:
            rulebook = load_rules(config)
        except ClarionError:  # the build reports the rulebook's errors
            return []
    result = []
    for incident in incidents:
        if incident.is_maintenance or incident.is_closed or incident.started_at > now:
            continue
        item = next_update_due(incident, rulebook, now)
        if item is None or item.due_at is None or incident.severity is None:
            continue
        last = item.clock_at or incident.started_at
        result.append(
            UpdateDue(incident.slug, incident.title, incident.severity, last, item.due_at)
        )
    return sorted(result, key=lambda d: (d.due_at, d.slug))


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"
