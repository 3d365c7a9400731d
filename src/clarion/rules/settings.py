"""A site's ``[rules]`` settings applied to the shipped rulebook: which
regulatory rules are in force, and per-rule overrides, every problem
reported with the file, line and a hint."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ErrorCollector, SourceLocation, did_you_mean
from ..model import Severity
from .book import Rule, RuleBook, _check_consistent, shipped_rules
from .calendars import Calendar, CalendarError, parse_due_time, parse_holidays
from .duration import DURATION_EXPECTED, DurationError, parse_duration

if TYPE_CHECKING:
    from ..config import SiteConfig

#: Keys a site may set in ``[rules.overrides.<id>]``.
OVERRIDE_KEYS = (
    "enabled",
    "deadline",
    "deadlines",
    "calendar",
    "holidays",
    "zone",
    "due_time",
    "weekend_relief",
    "severity",
)


def load_rules(config: SiteConfig, errors: ErrorCollector | None = None) -> RuleBook:
    """The rulebook with the site's ``[rules]`` applied.

    Problems (unknown rule ids, unknown override keys, bad values) are added to
    ``errors``; without a collector they raise :class:`~clarion.errors.ContentErrors`.
    """
    own = errors is None
    collector = ErrorCollector() if errors is None else errors
    book = apply_settings(shipped_rules(), config, collector)
    if own:
        collector.raise_if_any()
    return book


def apply_settings(rules: Iterable[Rule], config: SiteConfig, errors: ErrorCollector) -> RuleBook:
    rules = tuple(rules)
    by_id = {r.id: r for r in rules}
    locate = config.key_lines
    settings = config.rules
    ids = tuple(by_id)

    enabled: set[str] = set()
    for rule_id in settings.enabled:
        if rule_id in by_id:
            enabled.add(rule_id)
            if by_id[rule_id].status == "proposed":
                errors.warn(
                    locate("rules.enabled"),
                    f"rules.enabled: {rule_id} is a proposed rule, not yet in force",
                    hint="keep it to rehearse; `clarion rules " + rule_id + "` shows its status",
                )
        else:
            errors.error(
                locate("rules.enabled"),
                f"rules.enabled: unknown rule '{rule_id}'",
                expected="a rule id listed by `clarion rules`",
                hint=did_you_mean(rule_id, ids) or "run `clarion rules` to see every rule id",
            )

    changed: dict[str, Rule] = {}
    for rule_id, raw in settings.overrides.items():
        where = f"rules.overrides.{rule_id}"
        if rule_id not in by_id:
            errors.error(
                locate(where),
                f"[{where}]: unknown rule '{rule_id}'",
                expected="a rule id listed by `clarion rules`",
                hint=did_you_mean(rule_id, ids) or "run `clarion rules` to see every rule id",
            )
            continue
        if not isinstance(raw, Mapping):
            errors.error(
                locate(where),
                f"[{where}] must be a table",
                expected=f'[{where}]\ndeadline = "PT12H"',
            )
            continue
        rule = _override(by_id[rule_id], raw, where, locate, errors)
        if rule is not None:
            changed[rule_id] = rule

    final = []
    for rule in rules:
        rule = changed.get(rule.id, rule)
        if "enabled" not in rule.overridden:
            rule = replace(rule, enabled=rule.is_practice or rule.id in enabled)
        final.append(rule)
    return RuleBook(tuple(final))


def _override(
    rule: Rule,
    raw: Mapping[str, object],
    where: str,
    locate: Callable[[str], SourceLocation],
    errors: ErrorCollector,
) -> Rule | None:
    before = len(errors.errors)
    changes: dict[str, object] = {}

    def bad(key: str, got: object, expected: str, hint: str | None = None) -> None:
        errors.error(
            locate(f"{where}.{key}"), f"{where}.{key}: got {got!r}", expected=expected, hint=hint
        )

    for key, value in raw.items():
        if key not in OVERRIDE_KEYS:
            errors.error(
                locate(f"{where}.{key}"),
                f"unknown key '{key}' in [{where}]",
                expected="one of: " + ", ".join(OVERRIDE_KEYS),
                hint=did_you_mean(key, OVERRIDE_KEYS) or f"remove '{key}' or check its spelling",
            )
        elif key == "enabled":
            if isinstance(value, bool):
                changes["enabled"] = value
            else:
                bad(key, value, "true or false")
        elif key == "deadline":
            try:
                changes["deadline"] = parse_duration(value)
            except DurationError:
                bad(key, value, DURATION_EXPECTED)
            if rule.deadlines:
                changes["deadlines"] = {}
        elif key == "deadlines":
            if not isinstance(value, Mapping):
                bad(key, value, 'a table of severity to duration, e.g. {SEV1 = "PT20M"}')
                continue
            per = dict(rule.deadlines)
            for word, text in value.items():
                try:
                    per[Severity.parse(str(word))] = parse_duration(text)
                except ValueError:
                    bad(f"{key}.{word}", text, "SEV0-SEV3 mapped to " + DURATION_EXPECTED)
            changes["deadlines"] = dict(sorted(per.items(), key=lambda item: item[0].rank))
        elif key == "calendar":
            try:
                changes["calendar"] = Calendar(value)
            except ValueError:
                words = [c.value for c in Calendar]
                bad(key, value, "one of: " + ", ".join(words), did_you_mean(str(value), words))
        elif key == "holidays":
            try:
                changes["holidays"] = parse_holidays(
                    value, rule.holidays.closures if rule.holidays else None
                )
            except CalendarError as exc:
                country = str(value).partition("-")[0].upper()
                from .calendars import supported_countries

                errors.error(
                    locate(f"{where}.{key}"),
                    f"{where}.{key}: {exc}",
                    expected="a country code of the holidays package, optionally with a subdivision (US, BR, US-NY)",
                    hint=did_you_mean(country, supported_countries()),
                )
        elif key == "zone":
            try:
                changes["zone"] = ZoneInfo(str(value))
            except (ZoneInfoNotFoundError, ValueError):
                bad(key, value, "an IANA zone name such as America/New_York")
        elif key == "due_time":
            try:
                changes["due_time"] = parse_due_time(value)
            except CalendarError:
                bad(key, value, 'same_time, end_of_day or a cut-off such as "17:30"')
        elif key == "weekend_relief":
            if isinstance(value, bool):
                changes["weekend_relief"] = value
            else:
                bad(key, value, "true or false")
        elif key == "severity":
            try:
                if not isinstance(value, list):
                    raise ValueError
                severities = tuple(Severity.parse(str(v)) for v in value)
                changes["conditions"] = replace(rule.conditions, severity=severities)
            except ValueError:
                bad(key, value, 'a list of severities, e.g. ["SEV0", "SEV1"]')
    if len(errors.errors) > before:
        return None
    updated = replace(rule, **changes, overridden=tuple(raw))  # type: ignore[arg-type]
    try:
        _check_consistent(updated)
    except ValueError as exc:
        errors.error(
            locate(where), f"[{where}]: {exc}", expected="a deadline that fits the rule's calendar"
        )
        return None
    return updated
