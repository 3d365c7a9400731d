"""Role warnings: an unresolved SEV0/SEV1 incident without an incident commander
(rule ``incident-commander``) or a communications lead (``comms-lead``) once the
rule's duration since ``declared`` has passed. The rules live in the rulebook
(kind ``practice``, ``check: warning``): ``[rules.overrides.<id>]`` changes the
duration, the severities or turns a rule off. Pure: no files, no clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from ..errors import ContentError, SourceLocation
from ..model import Incident, outline_of
from ..rules import Rule, RuleBook
from .obligation import applies

#: Rule id -> (the ``roles:`` key it asks for, the role's name in messages).
ROLE_RULES = {
    "incident-commander": ("commander", "an incident commander"),
    "comms-lead": ("comms_lead", "a communications lead"),
}


def incident_role_warnings(
    incident: Incident, rulebook: RuleBook, now: datetime, *, only: str | None = None
) -> Iterator[ContentError]:
    """The role warnings of one incident, in the order of :data:`ROLE_RULES`
    (``only``: that rule's alone)."""
    for rule_id, (key, name) in ROLE_RULES.items():
        if only is not None and rule_id != only:
            continue
        if rule_id not in rulebook or not rulebook[rule_id].enabled:
            continue
        warning = _role_warning(incident, rulebook[rule_id], key, name, now)
        if warning is not None:
            yield warning


def _role_warning(
    incident: Incident, rule: Rule, key: str, name: str, now: datetime
) -> ContentError | None:
    if incident.is_maintenance or incident.imported or incident.declared_at is None:
        return None
    if rule.deadline is None:
        return None
    if getattr(incident.roles, key, None) if incident.roles else None:
        return None
    if not applies(rule, incident)[0]:
        return None
    due = incident.declared_at + rule.deadline.as_timedelta()
    known = [u for u in incident.updates if u.at <= now]
    if now < due or outline_of(known, incident.kind).resolved_at is not None:
        return None
    severity = incident.severity.value if incident.severity else "the"
    return ContentError(
        location=SourceLocation(incident.source_path, incident.lines.get("roles", 1)),
        message=(
            f"{severity} incident without {name} {rule.deadline.human()} after it was declared "
            f"({rule.id}: due {due:%Y-%m-%d %H:%M} UTC)"
        ),
        hint=f"name one in the front matter: roles: {{{key}: NAME}}",
        severity="warning",
    )
