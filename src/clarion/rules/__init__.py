"""The rulebook: every deadline Clarion knows, as typed :class:`Rule` values.

The rules ship as data (``rulebook.yaml`` beside this file). A site puts
regulatory rules in force with ``[rules] enabled`` and changes any rule with
``[rules.overrides.<id>]`` in ``site_src/site.toml``; :func:`load_rules`
applies both and reports every problem with the file, line and a hint.

The types and the shipped rules are in :mod:`.book`, a site's settings in
:mod:`.settings`; this package names both.
"""

from __future__ import annotations

from .book import (
    STAND_IN_CLOCKS,
    Clock,
    Conditions,
    Rule,
    RuleBook,
    RuleKind,
    default_rulebook,
    parse_rulebook,
    shipped_rules,
)
from .calendars import Calendar, HolidayCalendar
from .duration import Duration
from .settings import OVERRIDE_KEYS, apply_settings, load_rules

__all__ = [
    "OVERRIDE_KEYS",
    "STAND_IN_CLOCKS",
    "apply_settings",
    "Calendar",
    "Clock",
    "Conditions",
    "Duration",
    "HolidayCalendar",
    "Rule",
    "RuleBook",
    "RuleKind",
    "default_rulebook",
    "load_rules",
    "parse_rulebook",
    "shipped_rules",
]
