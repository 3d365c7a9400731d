"""The facts of a ``breach:`` block beyond its clocks: people affected per
jurisdiction, law-enforcement delays granted per rule, and yes/no facts a
rule's scope depends on (``facts:``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

from ..errors import ErrorCollector, SourceLocation
from ..model import Delay
from .schema import TIME_EXPECTED, TimeError, check_keys, parse_time

DELAY_KEYS = ("until", "by", "reference")
Locate = Callable[[str], SourceLocation]

_JURISDICTION_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def is_count(item: object) -> bool:
    return isinstance(item, int) and not isinstance(item, bool) and item >= 0


def read_affected(
    item: object, at: Callable[[str], SourceLocation], errors: ErrorCollector
) -> dict[str, int]:
    """``affected: {US-TX: 300, US-CO: 120, total: 2400}``: people affected per
    jurisdiction (ISO 3166 codes, as the rules' thresholds count them)."""
    expected = "a mapping of jurisdictions to whole numbers, e.g. {US-TX: 300, total: 2400}"
    if not isinstance(item, dict):
        errors.error(at("affected"), f"breach.affected: got {item!r}", expected=expected)
        return {}
    out: dict[str, int] = {}
    for code, count in item.items():
        name = str(code) if str(code) == "total" else str(code).upper()
        if name != "total" and not _JURISDICTION_RE.match(name):
            errors.error(
                at(f"affected.{code}"),
                f"breach.affected: unknown jurisdiction {code!r}",
                expected="total, or an ISO 3166 code such as US-TX, US-CA or DE",
            )
        elif not is_count(count):
            errors.error(
                at(f"affected.{code}"), f"breach.affected.{code}: got {count!r}", expected=expected
            )
        else:
            out[name] = count
    total = out.get("total")
    parts = [v for k, v in out.items() if k != "total" and "-" in k]
    if total is not None and sum(parts) > total:
        errors.error(
            at("affected"),
            f"breach.affected: the jurisdictions add up to {sum(parts)}, more than the total {total}",
            expected="a total at least the sum of the jurisdictions' counts",
        )
    return out


def read_delays(
    item: object,
    at: Locate,
    lines: Mapping[str, int],
    prefix: str,
    zone: ZoneInfo | None,
    errors: ErrorCollector,
) -> dict[str, Delay]:
    """``delays: {hipaa-164-404-individuals: {until: <time>, by: FBI, reference: ...}}``:
    a delay of a rule's notice granted by law enforcement (or another
    authority the rule names), which moves that rule's deadline."""
    example = "{until: 2026-12-01T00:00:00Z, by: FBI field office, reference: letter of 3 Nov}"
    if not isinstance(item, dict):
        errors.error(
            at("delays"), f"breach.delays: got {item!r}", expected="rule ids mapped to " + example
        )
        return {}
    out: dict[str, Delay] = {}
    for rule, value in item.items():
        where = f"delays.{rule}"
        if not isinstance(value, dict):
            errors.error(at(where), f"breach.{where}: got {value!r}", expected=example)
            continue

        def locate(key: str, where: str = where) -> SourceLocation:
            return at(f"{where}.{key}")

        check_keys(value, DELAY_KEYS, where=f"breach.{where}", locate=locate, errors=errors)
        try:
            until = parse_time(value.get("until"), zone)
        except TimeError as exc:
            errors.error(
                at(f"{where}.until"), f"breach.{where}.until: {exc}", expected=TIME_EXPECTED
            )
            continue
        by, reference = value.get("by"), value.get("reference")
        if not isinstance(by, str) or not by.strip():
            errors.error(
                at(where), f"breach.{where} does not say who granted the delay",
                expected='by: "the law-enforcement official or authority"',
                hint="45 CFR 164.412 and state laws allow a delay a law-enforcement official asks for",
            )  # fmt: skip
            continue
        out[str(rule)] = Delay(
            rule=str(rule), until=until, by=by.strip(),
            reference=str(reference).strip() if reference else "",
            line=lines.get(prefix + where),
        )  # fmt: skip
    return out


def read_facts(item: object, at: Locate, errors: ErrorCollector) -> dict[str, bool | str]:
    """``facts: {dora_relief_excluded: false}``: yes/no or short facts that a
    rule's scope depends on; the rulebook says which names it reads."""
    if not isinstance(item, dict) or not all(isinstance(v, (bool, str)) for v in item.values()):
        errors.error(
            at("facts"), f"breach.facts: got {item!r}",
            expected="fact names mapped to true, false or a word, e.g. {dora_relief_excluded: false}",
        )  # fmt: skip
        return {}
    return {str(k): v for k, v in item.items()}
