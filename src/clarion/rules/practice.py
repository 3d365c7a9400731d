"""The periods of the practice rules at one site, read from its rulebook.

``clarion new``, ``clarion update`` and ``clarion serve`` tell authors what an
incident owes (the update cadence, the customer emails, the postmortem, the
monitoring soak). They read those periods here, from the rulebook with the
site's ``[rules.overrides.<id>]`` applied, as ``clarion check`` does: no
period is written a second time in the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from ..model import Severity
from . import Rule, RuleBook
from .duration import Duration

#: The practice rules whose periods authoring commands mention.
PRACTICE_RULES = (
    "update-cadence",
    "customer-ack",
    "customer-resolution",
    "postmortem",
    "monitoring-soak",
)


@dataclass(frozen=True, slots=True)
class Period:
    """A practice rule's period and the severities it applies to."""

    rule: str
    length: timedelta
    severities: tuple[Severity, ...] | None  # None: every severity

    def applies_to(self, severity: Severity | None) -> bool:
        return self.severities is None or severity in self.severities

    @property
    def human(self) -> str:
        """``30 min``, ``1 h 30 min``, ``48 h``."""
        return hours_minutes(self.length)


@dataclass(frozen=True, slots=True)
class Practice:
    """The practice periods in force at a site (``None``: the rule is off)."""

    cadence: Mapping[Severity, timedelta] = field(default_factory=dict)
    customer_ack: Period | None = None
    customer_resolution: Period | None = None
    postmortem: Period | None = None
    monitoring_soak: Period | None = None

    @classmethod
    def of(cls, rulebook: RuleBook) -> Practice:
        def period(rule_id: str) -> Period | None:
            rule = _enabled(rulebook, rule_id)
            if rule is None or rule.deadline is None or not rule.deadline.is_fixed:
                return None
            return Period(rule_id, rule.deadline.as_timedelta(), rule.conditions.severity)

        cadence_rule = _enabled(rulebook, "update-cadence")
        cadence = {}
        if cadence_rule is not None:
            for severity in Severity:
                duration: Duration | None = cadence_rule.deadline_for(severity)
                if duration is not None and duration.is_fixed and _applies(cadence_rule, severity):
                    cadence[severity] = duration.as_timedelta()
        return cls(
            cadence=cadence,
            customer_ack=period("customer-ack"),
            customer_resolution=period("customer-resolution"),
            postmortem=period("postmortem"),
            monitoring_soak=period("monitoring-soak"),
        )

    def cadence_text(self, severity: Severity | None) -> str | None:
        """``30 min`` for a severity with a cadence, else ``None``."""
        length = self.cadence.get(severity) if severity is not None else None
        return None if length is None else hours_minutes(length)


def hours_minutes(delta: timedelta) -> str:
    """``45 min``, ``1 h``, ``1 h 30 min``, ``48 h``: a practice period as said."""
    minutes = int(delta.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


def _enabled(rulebook: RuleBook, rule_id: str) -> Rule | None:
    if rule_id not in rulebook:
        return None
    rule = rulebook[rule_id]
    return rule if rule.enabled else None


def _applies(rule: Rule, severity: Severity) -> bool:
    return rule.conditions.severity is None or severity in rule.conditions.severity
