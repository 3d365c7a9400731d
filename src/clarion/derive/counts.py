"""Thresholds on the number of people a breach affects, applied to the count
each rule's law names: the total, one jurisdiction's residents (``US-TX``),
or any single jurisdiction of a country (``US-*``, HIPAA's media notice).

A count that is not recorded is never guessed from another one: the answer
is then ``None`` (unknown) with the field to add, unless the recorded counts
already settle it (a total below the threshold cannot hold a state above it).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..rules import Conditions

TOTAL = "total"


def count_applies(cond: Conditions, affected: Mapping[str, int]) -> tuple[bool | None, str]:
    """Whether the count conditions of ``cond`` hold: ``True``, ``False`` or
    ``None`` (unknown), with the reason."""
    low, high = cond.min_affected_count, cond.max_affected_count
    if low is None and high is None:
        return True, ""
    scope = cond.affected_in or TOTAL
    if scope.endswith("-*"):
        return _any_part(scope, low or 0, affected)
    count = affected.get(scope)
    total = affected.get(TOTAL)
    field = (
        "breach.affected_count (or affected.total)"
        if scope == TOTAL
        else f"breach.affected.{scope}"
    )
    name = "affected_count" if scope == TOTAL else f"affected.{scope}"
    if count is None and scope == TOTAL and affected:
        known = sum(affected.values())  # residents of the jurisdictions recorded: a lower bound
        if low is not None and known >= low and high is None:
            return True, f"the recorded jurisdictions alone count {known}"
    if count is None:
        if scope != TOTAL and total is not None and low is not None and total < low:
            return False, f"affected_count {total} is below {low}, so {scope} is too"
        bound = f"at least {low}" if low is not None else f"at most {high}"
        return None, f"unknown whether it applies ({bound} affected in {scope}): add {field}"
    if low is not None and count < low:
        return False, f"{name} {count} is below {low}"
    if high is not None and count > high:
        return False, f"{name} {count} is above {high}"
    return True, ""


def _any_part(scope: str, low: int, affected: Mapping[str, int]) -> tuple[bool | None, str]:
    prefix = scope[:-1]
    parts = {k: v for k, v in affected.items() if k.startswith(prefix)}
    reached = sorted((k for k, v in parts.items() if v >= low), key=lambda k: (-parts[k], k))
    if reached:
        return True, f"affected.{reached[0]} {parts[reached[0]]} is at least {low}"
    total = affected.get(TOTAL)
    if total is not None and total < low:
        return False, f"affected_count {total} is below {low}, so no single {scope} is above it"
    if parts and total is not None and sum(parts.values()) >= total:
        largest = max(parts, key=lambda k: (parts[k], k))
        return False, f"no {scope} reaches {low} (largest: affected.{largest} {parts[largest]})"
    return None, (
        f"unknown whether it applies (at least {low} affected in one {scope}): "
        f"add breach.affected counts per jurisdiction, "
        f"e.g. affected: {{{prefix}CA: 120, total: 2400}}"
    )
