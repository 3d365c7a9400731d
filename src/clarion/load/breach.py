"""The facts of a ``breach:`` block beyond its clocks: people affected per
jurisdiction, law-enforcement delays granted per rule, and yes/no facts a
rule's scope depends on (``facts:``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from ..errors import ErrorCollector, SourceLocation, did_you_mean
from ..model import Breach, Decision, Delay
from .schema import TIME_EXPECTED, TimeError, check_keys, parse_time

BREACH_KEYS = ("affected_count", "affected", "rules", "decisions", "delays", "facts", "notes")
DECISION_KEYS = ("required", "reason", "decided")
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
            f"breach.affected: the jurisdictions add up "
            f"to {sum(parts)}, more than the total {total}",
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
                hint=(
                    "45 CFR 164.412 and state laws allow a "
                    "delay a law-enforcement official asks for"
                ),
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
            expected=(
                "fact names mapped to true, false or a word, e.g. {dora_relief_excluded: false}"
            ),
        )  # fmt: skip
        return {}
    return {str(k): v for k, v in item.items()}


def read_breach_mapping(
    value: Mapping[str, object],
    lines: Mapping[str, int],
    prefix: str,
    relpath: str,
    zone: ZoneInfo | None,
    errors: ErrorCollector,
) -> Breach | None:
    """Validate a ``breach:`` mapping (front matter or ``comms/<slug>/breach.yml``).

    Any key holding a time is a clock; the rulebook says which clocks its rules
    read. ``affected_count``, ``rules``, ``decisions`` and ``notes`` are facts.
    """
    before = len(errors.errors)

    def at(key: str) -> SourceLocation:
        return SourceLocation(relpath, lines.get(prefix + key) or lines.get(prefix.rstrip(".")))

    clocks: dict[str, datetime] = {}
    affected: dict[str, int] = {}
    rules: tuple[str, ...] | None = None
    decisions: dict[str, Decision] = {}
    delays: dict[str, Delay] = {}
    facts: dict[str, bool | str] = {}
    for key, item in value.items():
        key = str(key)
        if key == "affected_count":
            if isinstance(item, int) and is_count(item):
                affected.setdefault("total", item)
            else:
                errors.error(
                    at(key), f"breach.affected_count: got {item!r}", expected="a whole number"
                )
        elif key == "affected":
            affected.update(read_affected(item, at, errors))
        elif key == "delays":
            delays = read_delays(item, at, lines, prefix, zone, errors)
        elif key == "facts":
            facts = read_facts(item, at, errors)
        elif key == "rules":
            if isinstance(item, list) and all(isinstance(r, str) for r in item):
                rules = tuple(item)
            else:
                errors.error(
                    at(key),
                    f"breach.rules: got {item!r}",
                    expected="a list of rule ids, e.g. [gdpr-art33-authority]",
                )
        elif key == "decisions":
            decisions = _read_decisions(item, at, prefix, lines, relpath, zone, errors)
        elif key == "notes":
            continue
        elif isinstance(item, (str, datetime)) and not isinstance(item, bool):
            try:
                clocks[key] = parse_time(item, zone)
            except TimeError as exc:
                errors.error(at(key), f"breach.{key}: {exc}", expected=TIME_EXPECTED)
        else:
            errors.error(
                at(key),
                f"breach.{key}: got {item!r}",
                expected="a clock time (aware, discovered, determined, ...) or one of: "
                + ", ".join(BREACH_KEYS),
                hint=did_you_mean(key, BREACH_KEYS),
            )
    if len(errors.errors) > before:
        return None
    return Breach(
        clocks=clocks,
        affected=affected,
        delays=delays,
        facts=facts,
        rules=rules,
        decisions=decisions,
        source_path=relpath,
        lines={k[len(prefix) :]: v for k, v in lines.items() if k.startswith(prefix)},
    )


def _read_decisions(
    item: object,
    at: Callable[[str], SourceLocation],
    prefix: str,
    lines: Mapping[str, int],
    relpath: str,
    zone: ZoneInfo | None,
    errors: ErrorCollector,
) -> dict[str, Decision]:
    if not isinstance(item, dict):
        errors.error(
            at("decisions"),
            "breach.decisions must map rule ids to decisions",
            expected=(
                "gdpr-art33-authority: {required: false, "
                'reason: "...", decided: 2026-11-21T09:00:00Z}'
            ),
        )
        return {}
    decisions: dict[str, Decision] = {}
    for rule, decision in item.items():
        where = f"decisions.{rule}"
        if not isinstance(decision, dict):
            errors.error(
                at(where),
                f"breach.{where}: got {decision!r}",
                expected='{required: false, reason: "...", decided: <time>}',
            )
            continue
        check_keys(
            decision,
            DECISION_KEYS,
            where=f"breach.{where}",
            locate=functools.partial(_at_key, at, where),
            errors=errors,
        )
        required = decision.get("required", False)
        reason = decision.get("reason")
        if not isinstance(required, bool):
            errors.error(
                at(f"{where}.required"),
                f"breach.{where}.required: got {required!r}",
                expected="true or false",
            )
            continue
        if not isinstance(reason, str) or not reason.strip():
            errors.error(
                at(where),
                f"breach.{where} records no reason",
                expected='reason: "why the notice is not required"',
                hint="GDPR Art. 33(5) requires the reasoning to be documented",
            )
            continue
        decided = None
        if decision.get("decided") is not None:
            try:
                decided = parse_time(decision["decided"], zone)
            except TimeError as exc:
                errors.error(
                    at(f"{where}.decided"), f"breach.{where}.decided: {exc}", expected=TIME_EXPECTED
                )
                continue
        decisions[str(rule)] = Decision(
            rule=str(rule),
            required=required,
            reason=reason.strip(),
            decided_at=decided,
            line=lines.get(prefix + where),
        )
    return decisions


def _at_key(at: Callable[[str], SourceLocation], where: str, key: str) -> SourceLocation:
    return at(f"{where}.{key}")
