"""The rulebook's types (:class:`Rule`, :class:`RuleBook`) and the shipped rules.

The rules ship as data (``rulebook.yaml`` beside this file). A site puts
regulatory rules in force with ``[rules] enabled`` and changes any rule with
``[rules.overrides.<id>]`` in ``site_src/site.toml``; :func:`load_rules`
applies both and reports every problem with the file, line and a hint.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..model import Severity
from .calendars import Calendar, CalendarError, HolidayCalendar, parse_due_time, parse_holidays
from .duration import Duration, DurationError, parse_duration
from .sources import Primary, parse_primary

if TYPE_CHECKING:
    from ..model import Incident

RULEBOOK_RESOURCE = "rulebook.yaml"
#: The rulebook's data as JSON, in a build cache folder (see :func:`shipped_rules`).
_KEPT_RULEBOOK = "rulebook.json"
#: A breach clock that, when not recorded, is read from another one, said in
#: the row and warned about by ``clarion check``: HIPAA (45 CFR 164.404(a)(2))
#: and Washington count from discovery, which is never later than awareness,
#: so the stand-in can only make a deadline later.
STAND_IN_CLOCKS: Mapping[str, str] = {"discovered": "aware"}
_INCIDENT_CLOCKS = ("declared", "resolved", "detected", "acknowledged", "updates", "monitoring")


class RuleKind(enum.Enum):
    REGULATORY = "regulatory"
    CONTRACTUAL = "contractual"
    PRACTICE = "practice"


@dataclass(frozen=True, slots=True)
class Clock:
    """What starts a rule's clock.

    ``kind`` is ``breach`` (a time in the breach block, ``field``), ``incident``
    (an incident time, ``field``), ``sent`` / ``last-sent`` (the earliest or
    latest ``sent:`` of a notice for one of ``rules``) or ``year-end`` (the end
    of the calendar year of ``inner``).
    """

    text: str
    kind: str
    field: str | None = None
    rules: tuple[str, ...] = ()
    inner: Clock | None = None

    @property
    def breach_field(self) -> str | None:
        """The breach-block field this clock reads, if any."""
        if self.kind == "breach":
            return self.field
        return self.inner.breach_field if self.inner else None

    def describe(self) -> str:
        if self.kind == "breach":
            return f"breach.{self.field}"
        if self.kind == "incident":
            return {
                "updates": "each public update",
                "monitoring": "the final monitoring stage",
            }.get(self.field or "", f"incident {self.field}")
        if self.kind in ("sent", "last-sent"):
            which = "earliest" if self.kind == "sent" else "latest"
            return f"{which} sent: of {' or '.join(self.rules)}"
        assert self.inner is not None
        return f"end of the year of {self.inner.describe()}"

    def __str__(self) -> str:
        return self.text


def parse_clock(text: str) -> Clock:
    """``breach.aware``, ``incident.resolved``, ``sent:<id>``, ``last-sent:<a>+<b>``,
    ``year-end:breach.discovered``."""
    if text.startswith("year-end:"):
        return Clock(text, "year-end", inner=parse_clock(text[len("year-end:") :]))
    for kind in ("last-sent", "sent"):
        if text.startswith(kind + ":"):
            ids = tuple(i for i in text[len(kind) + 1 :].split("+") if i)
            if not ids:
                raise ValueError(f"clock {text!r} names no rule")
            return Clock(text, kind, rules=ids)
    scope, _, name = text.partition(".")
    if scope == "breach" and name:
        return Clock(text, "breach", field=name)
    if scope == "incident" and name in _INCIDENT_CLOCKS:
        return Clock(text, "incident", field=name)
    raise ValueError(f"cannot read clock {text!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Conditions:
    """Machine-checked scope of a rule (``None`` = no condition)."""

    min_affected_count: int | None = None
    max_affected_count: int | None = None
    affected_in: str | None = None  # total (default), a jurisdiction (US-TX), or any one (US-*)
    severity: tuple[Severity, ...] | None = None
    customers_affected: bool | None = None
    public: bool | None = None
    kind: str | None = None
    ongoing: str | None = (
        None  # a breach clock that ends the obligation when it comes by the due time
    )

    def describe(self) -> str:
        parts = []
        if self.ongoing:
            parts.append(f"while breach.{self.ongoing} has not come by the due time")
        if self.severity is not None:
            parts.append("/".join(s.value for s in self.severity))
        if self.customers_affected:
            parts.append("customers affected")
        if self.public:
            parts.append("public incidents")
        where = f"affected in {self.affected_in}" if self.affected_in else "affected_count"
        if self.min_affected_count is not None:
            parts.append(f"{where} >= {self.min_affected_count}")
        if self.max_affected_count is not None:
            parts.append(f"{where} <= {self.max_affected_count}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One rule of the rulebook, with the site's overrides applied."""

    id: str
    title: str
    kind: RuleKind
    regime: str
    jurisdiction: str
    recipient: str
    trigger: str
    clock: Clock
    optional_clock: bool = False
    deadline: Duration | None = None  # None: no fixed period ("without undue delay")
    deadlines: Mapping[Severity, Duration] = field(default_factory=dict)  # per severity
    calendar: Calendar | None = None
    holidays: HolidayCalendar | None = None
    zone: ZoneInfo | None = None  # None: the site's zone
    due_time: str = "same_time"
    limit: str | None = None  # the rule whose clock caps this one (DORA)
    limits: str | None = None  # this rule caps that one (and owes nothing itself)
    satisfied_by: tuple[str, ...] = ()  # rules whose notices also satisfy this one
    weekend_relief: bool = False
    relief_exclusion: str | None = None  # a breach fact that, true, takes the relief away
    conditions: Conditions = field(default_factory=Conditions)
    condition: str = ""
    must_contain: tuple[str, ...] = ()
    source: str = ""
    primary: Primary | None = None  # the law's own text (every regulatory rule)
    status: str = "in_force"
    verification: str = ""
    verified: bool = True
    unverified: str | None = None
    notes: str = ""
    check: str = "deadline"  # "warning": a practice minimum that never fails a check
    audience: str | None = None  # default audience id of its notices
    enabled: bool = False  # in force at this site
    overridden: tuple[str, ...] = ()  # keys the site overrides

    @property
    def is_practice(self) -> bool:
        return self.kind is RuleKind.PRACTICE

    @property
    def is_warning(self) -> bool:
        return self.check == "warning"

    def deadline_for(self, severity: Severity | None) -> Duration | None:
        """The period for an incident of ``severity`` (per-severity rules)."""
        if self.deadlines:
            return self.deadlines.get(severity) if severity is not None else None
        return self.deadline

    def describe_deadline(self) -> str:
        """``PT72H``, ``SEV0 PT15M, SEV1 PT30M`` or ``none``."""
        if self.deadlines:
            return ", ".join(f"{s.value} {d.text}" for s, d in self.deadlines.items())
        return self.deadline.text if self.deadline else "none"

    def describe_calendar(self) -> str:
        if self.calendar is None:
            return ""
        text = self.calendar.value
        if self.calendar is Calendar.BUSINESS_DAYS:
            text += f" ({self.holidays.describe()})" if self.holidays else " (weekends only)"
        if self.zone is not None and self.calendar is not Calendar.HOURS:
            text += f" in {self.zone.key}"
        if self.due_time != "same_time" and self.calendar is not Calendar.HOURS:
            text += ", by " + ("end of day" if self.due_time == "end_of_day" else self.due_time)
        if self.weekend_relief:
            text += ", weekend relief"
        return text


@dataclass(frozen=True)
class RuleBook:
    """All rules (in rulebook order), with the site's settings applied."""

    rules: tuple[Rule, ...]

    @functools.cached_property
    def by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    def __getitem__(self, rule_id: str) -> Rule:
        return self.by_id[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.by_id

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.by_id)

    @functools.cached_property
    def breach_clocks(self) -> tuple[str, ...]:
        """Every breach-block field some rule's clock reads (``aware``, ...)."""
        names = dict.fromkeys(f for r in self.rules if (f := r.clock.breach_field))
        return tuple(names)

    @functools.cached_property
    def fact_names(self) -> tuple[str, ...]:
        """Every ``breach.facts`` name some rule reads."""
        return tuple(dict.fromkeys(r.relief_exclusion for r in self.rules if r.relief_exclusion))

    def satisfying_rules(self, rule: Rule) -> tuple[str, ...]:
        """Rule ids whose notices satisfy ``rule`` (itself and rules that cap it)."""
        return (rule.id, *(r.id for r in self.rules if r.limits == rule.id), *rule.satisfied_by)

    @functools.cached_property
    def _practice_in_force(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.is_practice and rule.enabled)

    @functools.cached_property
    def _order(self) -> dict[str, int]:
        return {rule.id: index for index, rule in enumerate(self.rules)}

    def applicable(self, incident: Incident) -> tuple[Rule, ...]:
        """Rules in force for ``incident``: enabled practice rules, and for an
        incident with a breach block its ``breach.rules`` (default: the site's
        enabled regulatory rules). A rule that only caps another (``limits``)
        brings in the rule it caps. An imported incident (``imported:``) owes
        no practice rule: its communication happened in the tool it came from."""
        practice = () if incident.imported else self._practice_in_force
        if incident.breach is None:
            return practice
        chosen: dict[str, Rule] = {rule.id: rule for rule in practice}
        if incident.breach.rules is not None:
            wanted = [self.by_id[i] for i in incident.breach.rules if i in self.by_id]
        else:
            wanted = [r for r in self.rules if r.enabled and not r.is_practice]
        for rule in wanted:
            if rule.is_practice:
                continue
            target = self.by_id[rule.limits] if rule.limits and rule.limits in self.by_id else rule
            chosen.setdefault(target.id, target)
        return tuple(sorted(chosen.values(), key=lambda r: self._order[r.id]))


# -- the shipped rulebook -------------------------------------------------------

_RULE_KEYS = {
    "id",
    "title",
    "kind",
    "regime",
    "jurisdiction",
    "recipient",
    "trigger",
    "clock",
    "optional_clock",
    "deadline",
    "deadlines",
    "calendar",
    "holidays",
    "closures",
    "zone",
    "due_time",
    "limit",
    "limits",
    "satisfied_by",
    "weekend_relief",
    "relief_exclusion",
    "conditions",
    "condition",
    "must_contain",
    "source",
    "primary",
    "status",
    "verification",
    "verified",
    "unverified",
    "notes",
    "check",
    "audience",
}
_CONDITION_KEYS = (
    "min_affected_count",
    "max_affected_count",
    "affected_in",
    "severity",
    "customers_affected",
    "public",
    "kind",
    "ongoing",
)


@functools.lru_cache(maxsize=2)
def shipped_rules(kept: Path | None = None) -> tuple[Rule, ...]:
    """The rulebook shipped with Clarion, without any site's settings.

    ``kept``: a build cache folder, where the YAML's data is kept as JSON
    (``rulebook.json``, keyed by the YAML's SHA-256 and PyYAML's version):
    the YAML parser takes about 0.02 s over the rulebook, JSON a fortieth
    of that. The data is plain JSON types only (strings, numbers, booleans,
    lists, tables), so JSON gives back exactly what YAML read."""
    text = resources.files(__package__).joinpath(RULEBOOK_RESOURCE).read_text(encoding="utf-8")
    return parse_rulebook(_rulebook_data(text, kept), check_calendars=False)


def _rulebook_data(text: str, kept: Path | None) -> object:
    key = hashlib.sha256(f"{yaml.__version__}\0{text}".encode()).hexdigest()
    path = kept / _KEPT_RULEBOOK if kept is not None else None
    if path is not None:
        try:
            held = json.loads(path.read_bytes())
            if isinstance(held, dict) and held.get("yaml") == key:
                return held["data"]
        except (OSError, ValueError):
            pass  # none yet, or damaged: read the YAML again
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser reads it ten times faster
    data = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            temporary.write_text(json.dumps({"yaml": key, "data": data}), encoding="utf-8")
            os.replace(temporary, path)
        except (OSError, TypeError, ValueError):  # read-only, or not JSON's types: not kept
            pass
    return data


def parse_rulebook(data: object, *, check_calendars: bool = True) -> tuple[Rule, ...]:
    """Build rules from the rulebook's data; a bad entry is a bug in Clarion.

    ``check_calendars=False`` takes each ``holidays`` calendar as written,
    without asking the ``holidays`` package whether it knows it: asking
    imports every country it supports (about 0.06 s, most of reading the
    rulebook), and a build that counts no business day never needs it. The
    shipped rulebook is read so; ``tests/test_rules.py`` checks each of its
    calendars the full way."""
    if not isinstance(data, list):
        raise ValueError("the rulebook must be a list of rules")
    rules = [_parse_rule(entry, check_calendars) for entry in data]
    ids = [r.id for r in rules]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate rule ids in the rulebook: {', '.join(sorted(duplicates))}")
    known = set(ids)
    for rule in rules:
        for other in (*rule.clock.rules, rule.limit, rule.limits, *rule.satisfied_by):
            if other is not None and other not in known:
                raise ValueError(f"rule {rule.id} names unknown rule {other!r}")
    return tuple(rules)


def _parse_rule(entry: object, check_calendars: bool) -> Rule:
    if not isinstance(entry, dict) or "id" not in entry:
        raise ValueError(f"a rulebook entry must be a mapping with an id: {entry!r}")
    rule_id = str(entry["id"])
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise ValueError(f"rule {rule_id}: unknown keys {sorted(unknown)}")
    try:
        for key in ("title", "regime", "recipient", "trigger", "source"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ValueError(f"missing {key}")
        primary = parse_primary(entry["primary"]) if "primary" in entry else None
        kind = RuleKind(entry.get("kind", "regulatory"))
        if kind is not RuleKind.PRACTICE and primary is None:
            raise ValueError("a regulatory or contractual rule needs primary: (its law's own text)")
        if primary is not None and "verified" in entry:
            raise ValueError("verified is primary.verified for a rule with a primary source")
        conditions = entry.get("conditions") or {}
        if set(conditions) - set(_CONDITION_KEYS):
            raise ValueError(f"unknown conditions {sorted(set(conditions) - set(_CONDITION_KEYS))}")
        rule = Rule(
            id=rule_id,
            title=entry["title"],
            kind=RuleKind(entry.get("kind", "regulatory")),
            regime=entry["regime"],
            jurisdiction=str(entry.get("jurisdiction", "")),
            recipient=entry["recipient"],
            trigger=entry["trigger"],
            clock=parse_clock(str(entry["clock"])),
            optional_clock=bool(entry.get("optional_clock", False)),
            deadline=parse_duration(entry["deadline"]) if entry.get("deadline") else None,
            deadlines={
                Severity.parse(k): parse_duration(v)
                for k, v in (entry.get("deadlines") or {}).items()
            },
            calendar=Calendar(entry["calendar"]) if entry.get("calendar") else None,
            holidays=(parse_holidays if check_calendars else HolidayCalendar.as_written)(
                entry["holidays"], entry.get("closures")
            )
            if entry.get("holidays")
            else None,
            zone=ZoneInfo(entry["zone"]) if entry.get("zone") else None,
            due_time=parse_due_time(entry.get("due_time", "same_time")),
            limit=entry.get("limit"),
            limits=entry.get("limits"),
            satisfied_by=tuple(entry.get("satisfied_by") or ()),
            weekend_relief=bool(entry.get("weekend_relief", False)),
            relief_exclusion=entry.get("relief_exclusion"),
            conditions=Conditions(
                min_affected_count=conditions.get("min_affected_count"),
                max_affected_count=conditions.get("max_affected_count"),
                affected_in=conditions.get("affected_in"),
                severity=tuple(Severity.parse(s) for s in conditions["severity"])
                if "severity" in conditions
                else None,
                customers_affected=conditions.get("customers_affected"),
                public=conditions.get("public"),
                kind=conditions.get("kind"),
                ongoing=conditions.get("ongoing"),
            ),
            condition=str(entry.get("condition") or ""),
            must_contain=tuple(entry.get("must_contain") or ()),
            source=entry["source"].strip(),
            status=str(entry.get("status", "in_force")),
            verification=str(entry.get("verification", "")),
            primary=primary,
            verified=primary.verified if primary is not None else bool(entry.get("verified", True)),
            unverified=entry.get("unverified"),
            notes=str(entry.get("notes") or ""),
            check=str(entry.get("check", "deadline")),
            audience=entry.get("audience"),
        )
        check_deadlines_fit_calendar(rule)
    except (ValueError, KeyError, DurationError, CalendarError, ZoneInfoNotFoundError) as exc:
        raise ValueError(f"rule {rule_id} in the rulebook: {exc}") from None
    return rule


def check_deadlines_fit_calendar(rule: Rule) -> None:
    """Raise ``ValueError`` when the period does not fit the calendar."""
    periods = [d for d in (rule.deadline, *rule.deadlines.values()) if d is not None]
    if periods and rule.calendar is None:
        raise ValueError("a rule with a deadline needs a calendar")
    for period in periods:
        if rule.calendar is Calendar.BUSINESS_DAYS and (
            period.months or period.seconds or not period.days
        ):
            raise ValueError(f"business_days count whole days, not {period.text}")
        if rule.calendar is Calendar.HOURS and period.months:
            raise ValueError(f"an hours calendar cannot hold months ({period.text})")


def default_rulebook() -> RuleBook:
    """The shipped rulebook as a site without ``[rules]`` settings sees it:
    practice rules on, regulatory rules off."""
    return RuleBook(tuple(replace(rule, enabled=rule.is_practice) for rule in shipped_rules()))
