"""The ``breach:`` facts of an incident (front matter or ``comms/<slug>/breach.yml``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from ..errors import ErrorCollector, SourceLocation, did_you_mean
from ..model import Breach, Decision
from .schema import TIME_EXPECTED, TimeError, check_keys, parse_time

BREACH_KEYS = ("affected_count", "rules", "decisions", "notes")
DECISION_KEYS = ("required", "reason", "decided")


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
    affected: int | None = None
    rules: tuple[str, ...] | None = None
    decisions: dict[str, Decision] = {}
    for key, item in value.items():
        key = str(key)
        if key == "affected_count":
            if isinstance(item, int) and not isinstance(item, bool) and item >= 0:
                affected = item
            else:
                errors.error(
                    at(key), f"breach.affected_count: got {item!r}", expected="a whole number"
                )
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
    if "aware" in clocks and "discovered" not in clocks:
        clocks["discovered"] = clocks["aware"]
    if len(errors.errors) > before:
        return None
    return Breach(
        clocks=clocks,
        affected_count=affected,
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
            expected="gdpr-art33-authority: "
            '{required: false, reason: "...", decided: 2026-11-21T09:00:00Z}',
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
