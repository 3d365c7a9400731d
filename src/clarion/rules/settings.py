"""A site's ``[rules]`` settings applied to the shipped rulebook: which
regulatory rules are in force, and per-rule overrides, every problem
reported with the file, line and a hint."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..core.options import Choice, Flag, Invalid, ListOf, Option, Reading, Section, Zone
from ..errors import ErrorCollector, did_you_mean
from ..model import Severity
from .book import Rule, RuleBook, check_deadlines_fit_calendar, shipped_rules
from .calendars import (
    Calendar,
    CalendarError,
    HolidayCalendar,
    parse_due_time,
    parse_holidays,
    supported_countries,
)
from .duration import DURATION_EXPECTED, Duration, DurationError, parse_duration

if TYPE_CHECKING:
    from ..config import SiteConfig


class _Duration(Option[Duration | None]):
    expected = DURATION_EXPECTED

    def convert(self, value: object) -> Duration | None:
        try:
            return parse_duration(value)
        except DurationError:
            raise self.got(value) from None


class _SeverityDurations(Option[dict[Severity, Duration]]):
    """``{SEV1 = "PT20M"}``: per severity, each reported at its own key."""

    expected = 'a table of severity to duration, e.g. {SEV1 = "PT20M"}'

    def read(self, value: object, where: str, reading: Reading) -> dict[Severity, Duration]:
        if not isinstance(value, Mapping):
            reading.report(where, self.got(value))
            return {}
        found: dict[Severity, Duration] = {}
        for word, text in value.items():
            try:
                found[Severity.parse(str(word))] = parse_duration(text)
            except ValueError:
                expected = "SEV0-SEV3 mapped to " + DURATION_EXPECTED
                reading.report(f"{where}.{word}", Invalid(f"got {text!r}", expected=expected))
        return found


class _Holidays(Option[HolidayCalendar | None]):
    expected = (
        "a country code of the holidays package, optionally with a subdivision (US, BR, US-NY)"
    )

    def convert(self, value: object) -> HolidayCalendar | None:
        try:
            return parse_holidays(value)
        except CalendarError as exc:
            country = str(value).partition("-")[0].upper()
            hint = did_you_mean(country, supported_countries())
            raise Invalid(str(exc), expected=self.expected, hint=hint) from None


class _DueTime(Option[str]):
    expected = 'same_time, end_of_day or a cut-off such as "17:30"'

    def convert(self, value: object) -> str:
        try:
            return parse_due_time(value)
        except CalendarError:
            raise self.got(value) from None


class RuleOverride(Section):
    """``[rules.overrides.<id>]``: the keys a site may set for a rule, each with
    its check; :func:`_override` says what each changes in the rule."""

    enabled = Flag(False)
    deadline = _Duration(None)
    deadlines = _SeverityDurations({})
    calendar = Choice([c.value for c in Calendar], "hours", quoted=False)
    holidays = _Holidays(None)
    zone = Zone(ZoneInfo("UTC"), example="America/New_York")
    due_time = _DueTime("same_time")
    weekend_relief = Flag(False)
    severity = ListOf(
        lambda word: Severity.parse(str(word)),
        expected='a list of severities, e.g. ["SEV0", "SEV1"]',
    )


#: Keys a site may set in ``[rules.overrides.<id>]``.
OVERRIDE_KEYS = tuple(RuleOverride.options)


def load_rules(
    config: SiteConfig, errors: ErrorCollector | None = None, kept: Path | None = None
) -> RuleBook:
    """The rulebook with the site's ``[rules]`` applied.

    Problems (unknown rule ids, unknown override keys, bad values) are added to
    ``errors``; without a collector they raise :class:`~clarion.errors.ContentErrors`.
    ``kept``: the build cache folder, where the shipped rulebook's data is kept
    (:func:`~clarion.rules.book.shipped_rules`).
    """
    own = errors is None
    collector = ErrorCollector() if errors is None else errors
    book = apply_settings(shipped_rules(kept), config, collector)
    if own:
        collector.raise_if_any()
    return book


def apply_settings(rules: Iterable[Rule], config: SiteConfig, errors: ErrorCollector) -> RuleBook:
    rules = tuple(rules)
    by_id = {r.id: r for r in rules}
    locate = config.key_lines
    reading = Reading(locate, errors)
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
            reading.not_a_table(where, f'[{where}]\ndeadline = "PT12H"')
            continue
        rule = _override(by_id[rule_id], raw, where, reading)
        if rule is not None:
            changed[rule_id] = rule

    final = []
    for rule in rules:
        rule = changed.get(rule.id, rule)
        if "enabled" not in rule.overridden:
            rule = replace(rule, enabled=rule.is_practice or rule.id in enabled)
        final.append(rule)
    return RuleBook(tuple(final))


def _override(rule: Rule, raw: Mapping[str, object], where: str, reading: Reading) -> Rule | None:
    """``rule`` with the site's ``[rules.overrides.<id>]`` applied, or ``None``
    (with the problems reported) when a value is wrong."""
    before = len(reading.errors.errors)
    override = RuleOverride.read(raw, where, reading)
    if len(reading.errors.errors) > before:
        return None
    changes: dict[str, object] = {}
    for key in override.present:  # in the file's order: a later key wins
        if key == "deadline":
            changes["deadline"] = override.deadline
            if rule.deadlines:
                changes["deadlines"] = {}
        elif key == "deadlines":
            per = {**rule.deadlines, **override.deadlines}
            changes["deadlines"] = dict(sorted(per.items(), key=lambda item: item[0].rank))
        elif key == "calendar":
            changes["calendar"] = Calendar(override.calendar)
        elif key == "holidays":
            assert override.holidays is not None
            closures = rule.holidays.closures if rule.holidays else None  # the rule's own
            changes["holidays"] = replace(override.holidays, closures=closures)
        elif key == "severity":
            changes["conditions"] = replace(rule.conditions, severity=override.severity)
        else:
            changes[key] = override.values[key]
    updated = replace(rule, **changes, overridden=tuple(raw))  # type: ignore[arg-type]
    try:
        check_deadlines_fit_calendar(updated)
    except ValueError as exc:
        reading.errors.error(
            reading.locate(where),
            f"[{where}]: {exc}",
            expected="a deadline that fits the rule's calendar",
        )
        return None
    return updated
