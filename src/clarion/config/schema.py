"""``site_src/site.toml`` declared: one :class:`~clarion.core.options.Section` per
table, one option per key, each with its default, its check and its message.

The reference in docs/file-formats.md documents these keys;
tests/test_config_schema.py checks that the two name the same keys.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..core.options import (
    URL,
    Choice,
    Flag,
    Folder,
    Invalid,
    ListOf,
    MappingOf,
    Option,
    Raw,
    Reading,
    Section,
    SubTable,
    Table,
    TablesOf,
    Text,
    Whole,
    Zone,
    text,
)
from ..errors import did_you_mean
from ..load.schema import TimeError, parse_time
from ..model import ID_RE, SEVERITY_WORDS, Severity
from ..rules.duration import DURATION_EXPECTED, DurationError, parse_duration
from .site import (
    ALL_SEVERITIES,
    DURATION_TARGET_METRICS,
    OVERDUE_ACTION_ITEM_LEVELS,
    MetricTargets,
    PostmortemSettings,
)

# --- options of site.toml's own --------------------------------------------------------


class Time(Option[datetime | None]):
    """A moment with its zone, read as UTC."""

    expected = "a time with an offset, e.g. 2026-11-27T12:00:00Z"

    def convert(self, value: object) -> datetime | None:
        try:
            return parse_time(value, None)
        except TimeError as exc:
            raise Invalid(str(exc), expected=self.expected) from None


class TargetDuration(Option[timedelta | None]):
    """A duration without months (they have no fixed length), or ``false`` for none."""

    expected = DURATION_EXPECTED.replace(", P1M", "") + "; no months"

    def convert(self, value: object) -> timedelta | None:
        return None if value is False else self.duration(value)

    def duration(self, value: object) -> timedelta:
        try:
            return parse_duration(value).as_timedelta()
        except DurationError as exc:
            raise Invalid(str(exc), expected=self.expected) from None


class SeverityLimits(Option[dict[str, timedelta]]):
    """The longest acceptable mean of a metric: ``"PT5M"`` (every incident),
    ``{SEV1 = "PT5M", SEV0 = "PT2M"}`` or ``false`` (no target, ``{}``)."""

    expected = 'a duration such as "PT5M", a table such as { SEV1 = "PT5M" }, or false'

    def read(self, value: object, where: str, reading: Reading) -> dict[str, timedelta]:
        limit = TargetDuration(None)  # with its message
        if value is False:
            return {}
        if isinstance(value, str):
            one = limit.read(value, where, reading)
            return {ALL_SEVERITIES: one} if one is not None else {}
        if not isinstance(value, dict):
            reading.report(where, self.got(value))
            return {}
        limits: dict[str, timedelta] = {}
        for key, duration in value.items():
            name = _severity_or_all(str(key))
            if name is None:
                reading.report(
                    where,
                    Invalid(
                        f"unknown severity {key!r}",
                        expected="SEV0, SEV1, SEV2, SEV3 (P0-P3 are aliases) or all",
                        hint=did_you_mean(str(key).upper(), SEVERITY_WORDS),
                    ),
                )
                continue
            try:
                limits[name] = limit.duration(duration)
            except Invalid as exc:
                reading.report(f"{where}.{key}", exc)
        return limits


def _severity_or_all(word: str) -> str | None:
    if word.lower() == ALL_SEVERITIES:
        return ALL_SEVERITIES
    try:
        return Severity.parse(word).value
    except ValueError:
        return None


class Share(Option[float | None]):
    """``0.9``, ``"90%"`` or ``false`` (no target)."""

    expected = 'a share from 0 to 1 such as 0.9, a percentage such as "90%", or false'

    def convert(self, value: object) -> float | None:
        if value is False:
            return None
        share: float | None = None
        if isinstance(value, float) or (
            isinstance(value, int) and not isinstance(value, bool) and value in (0, 1)
        ):
            share = float(value)
        elif isinstance(value, str) and re.fullmatch(r"\s*\d+(?:\.\d+)?\s*%\s*", value):
            share = float(value.strip().rstrip("%")) / 100
        if share is None or not 0 <= share <= 1:
            raise self.got(value)
        return share


def _severity(word: object) -> Severity:
    return Severity.parse(str(word))


# --- the tables -------------------------------------------------------------------------


class SiteTable(Section):
    """``[site]``"""

    title = Text[str]("", required='title = "Acme Status"')
    base_url = URL(
        "/", expected='an absolute URL such as "https://status.example.com/"', slash=True
    )
    timezone = Zone(ZoneInfo("UTC"), example="Europe/Berlin or UTC")
    description = Text[str]("")
    fictional = Flag(False)
    now = Time(None)

    def check(self, where: str, reading: Reading) -> None:
        if self.fictional and self.now is None:
            reading.errors.error(
                reading.locate("site.fictional"),
                "a fictional site pins its clock, but site.now is missing",
                expected='now = "2026-11-27T12:00:00Z" in [site]',
            )


class GroupTable(Section):
    """``[groups.<id>]``"""

    name = Text[str | None](None)
    description = Text[str | None](None)


class ComponentTable(Section):
    """``[components.<id>]``"""

    name = Text[str | None](None)
    description = Text[str | None](None)
    group = Text[str | None](None)  # a [groups.<id>]: checked once every group is read
    statuspage_id = Text[str | None](None)


class EmailTable(Section):
    """``[email]``"""

    sender = Text[str | None](None, key="from")
    reply_to = Text[str | None](None)


class RulesTable(Section):
    """``[rules]``; the rule ids and overrides are checked against the rulebook
    (:mod:`clarion.rules.settings`)."""

    enabled = ListOf(text, expected="a list of rule ids")
    overrides = Table({}, expected="[rules.overrides.<rule-id>]")


class PathsTable(Section):
    """``[paths]``; resolved against the site root, and checked not to overlap."""

    comms = Folder("comms")
    public = Folder("public")
    private = Folder("private")


class FeedsTable(Section):
    """``[feeds]``"""

    entries = Whole(50, minimum=1, expected="a whole number of at least 1")


_DEFAULT_TARGETS = MetricTargets()


class TargetsTable(Section):
    """``[metrics.targets]``: a target left out keeps its default, ``false`` removes it."""

    mtta = SeverityLimits(dict(_DEFAULT_TARGETS.durations.get("mtta", {})))
    time_to_declare = SeverityLimits(dict(_DEFAULT_TARGETS.durations.get("time_to_declare", {})))
    time_to_first_update = SeverityLimits(
        dict(_DEFAULT_TARGETS.durations.get("time_to_first_update", {}))
    )
    mttr = SeverityLimits(dict(_DEFAULT_TARGETS.durations.get("mttr", {})))
    mtbf = TargetDuration(_DEFAULT_TARGETS.mtbf)
    action_item_completion = Share(_DEFAULT_TARGETS.action_item_completion)
    postmortem_share = Share(_DEFAULT_TARGETS.postmortem_share)


assert tuple(TargetsTable.options)[: len(DURATION_TARGET_METRICS)] == DURATION_TARGET_METRICS


class MetricsTable(Section):
    """``[metrics]``"""

    public = Flag(False)
    months = Whole(12, minimum=1, maximum=120, expected="a whole number from 1 to 120")
    overdue_action_items = Choice(OVERDUE_ACTION_ITEM_LEVELS, "warning")
    targets = SubTable(TargetsTable)


class PostmortemTable(Section):
    """``[postmortem]``"""

    lint = ListOf(
        _severity,
        PostmortemSettings().lint,
        expected='a list of severities, e.g. ["SEV0", "SEV1"] ([] lints none)',
    )
    public_action_items = Flag(False)


class RunbooksTable(Section):
    """``[runbooks]``"""

    stale_after_days = Whole(180, minimum=1, expected="a whole number of days, at least 1")


class SiteToml(Section):
    """The whole file, table by table. ``[[announce]]`` and ``[alerts]`` are read
    by their own modules (:mod:`clarion.announce.config`, :mod:`clarion.alerts.settings`)
    once the components are known."""

    site = SubTable(SiteTable)
    groups = TablesOf(GroupTable, id_pattern=ID_RE, example='name = "..."')
    components = TablesOf(ComponentTable, id_pattern=ID_RE, example='name = "..."')
    email = SubTable(EmailTable)
    audiences = MappingOf(
        ListOf(text, expected='a list of addresses, e.g. ["ops@example.com"]', single=True)
    )
    rules = SubTable(RulesTable)
    paths = SubTable(PathsTable)
    feeds = SubTable(FeedsTable)
    metrics = SubTable(MetricsTable)
    postmortem = SubTable(PostmortemTable)
    runbooks = SubTable(RunbooksTable)
    announce = Raw(None)
    alerts = Table({})
