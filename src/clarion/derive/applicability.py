"""Whether a rule's conditions hold for an incident (kind, severity, audience, counts).

Used by the deadlines, the role warnings and the incident brief alike.
"""

from __future__ import annotations

from ..model import Incident
from ..rules import Rule


def applies(rule: Rule, incident: Incident) -> tuple[bool, str]:
    """Whether ``rule``'s conditions hold for ``incident``; the text says why not
    (or what is assumed when a fact is missing)."""
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
    count = incident.breach.affected_count if incident.breach else None
    if cond.min_affected_count is not None or cond.max_affected_count is not None:
        if count is None:
            bound = (
                f"at least {cond.min_affected_count}"
                if cond.min_affected_count is not None
                else f"at most {cond.max_affected_count}"
            )
            return True, f"applies if {bound} are affected: breach.affected_count is not recorded"
        if cond.min_affected_count is not None and count < cond.min_affected_count:
            return False, f"affected_count {count} is below {cond.min_affected_count}"
        if cond.max_affected_count is not None and count > cond.max_affected_count:
            return False, f"affected_count {count} is above {cond.max_affected_count}"
    return True, ""
