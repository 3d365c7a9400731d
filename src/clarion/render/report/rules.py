"""The rulebook listing of ``clarion rules``: a table, one rule's detail, JSON."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...rules import Rule, RuleBook
from .data import _dumps
from .text import _columns

if TYPE_CHECKING:
    from rich.console import Console


# -- the rulebook ---------------------------------------------------------------------


def _rule_flags(rule: Rule) -> str:
    flags = [rule.status.replace("_", " ")]
    if not rule.verified:
        flags.append("UNVERIFIED")
    elif rule.unverified:
        flags.append("partly unverified")
    if rule.overridden:
        flags.append("overridden: " + ", ".join(rule.overridden))
    return "; ".join(flags)


def short_source(rule: Rule) -> str:
    """The citation of a rule's source, without its URLs (``GDPR Art. 33(1), (3)-(5)``)."""
    text = _URL_TAIL.split(rule.source.split("; ")[0].split(", as set ")[0])[0].strip(" ,:")
    while text.count("(") > text.count(")") and " (" in text:
        text = text.rsplit(" (", 1)[0]
    return text or rule.source


_URL_TAIL = re.compile(
    r",? (?:text |content text |statute text )?(?:reproduced "
    r"|quoted |as summarised |summarised |as described )?"
    r"(?:at |on )?https?://"
)


def rules_rows(rulebook: RuleBook) -> list[tuple[str, ...]]:
    return [
        (
            rule.id,
            "on" if rule.enabled else "off",
            rule.kind.value,
            rule.clock.text + (" (if it happens)" if rule.optional_clock else ""),
            rule.describe_deadline(),
            rule.describe_calendar(),
            _rule_flags(rule),
        )
        for rule in rulebook
    ]


_RULE_HEADER = ("RULE", "AT SITE", "KIND", "CLOCK", "DEADLINE", "CALENDAR", "STATUS")


def render_rules_text(rulebook: RuleBook, *, only: Iterable[str] = ()) -> str:
    """The rulebook as a plain table, each rule's source below it; with
    ``only``, every field of those rules."""
    wanted = tuple(only)
    if wanted:
        return "\n\n".join(render_rule_detail(rulebook[i]) for i in wanted) + "\n"
    rows = rules_rows(rulebook)
    widths = [max(len(r[i]) for r in (_RULE_HEADER, *rows)) for i in range(len(_RULE_HEADER))]
    lines = [_columns(_RULE_HEADER, widths)]
    for row, rule in zip(rows, rulebook, strict=False):
        lines.append(_columns(row, widths))
        lines.append("    " + rule.title + " · source: " + rule.source)
    lines += ["", _rules_footer(rulebook)]
    return "\n".join(lines) + "\n"


def _rules_footer(rulebook: RuleBook) -> str:
    on = sum(1 for r in rulebook if r.enabled)
    return (
        f"{len(rulebook)} rules, {on} on at this site. Breach "
        f"clocks: {', '.join(rulebook.breach_clocks)}.\n"
        "Not legal advice: check the official text before relying on a rule. "
        "`clarion rules RULE` shows one rule in full."
    )


def render_rule_detail(rule: Rule) -> str:
    fields = [
        ("id", rule.id),
        ("title", rule.title),
        ("kind", rule.kind.value),
        ("at this site", "on" if rule.enabled else "off"),
        ("status", _rule_flags(rule)),
        ("regime", rule.regime),
        ("jurisdiction", rule.jurisdiction),
        ("recipient", rule.recipient),
        ("trigger", rule.trigger),
        (
            "clock",
            rule.clock.text
            + ("" if rule.clock.describe() == rule.clock.text else f" ({rule.clock.describe()})")
            + (", only if it happens" if rule.optional_clock else ""),
        ),  # fmt: skip
        ("deadline", rule.describe_deadline()),
        ("calendar", rule.describe_calendar() or "-"),
        ("caps", f"{rule.limit} caps this rule" if rule.limit else None),
        ("limits", f"caps {rule.limits}" if rule.limits else None),
        ("conditions", rule.conditions.describe() or None),
        ("condition", rule.condition),
        ("must contain", "\n".join(f"- {item}" for item in rule.must_contain) or None),
        ("primary", _primary_text(rule)),
        ("research", _NOTES.get(rule.verification, rule.verification)),
        ("unverified", rule.unverified),
        ("source", rule.source),
        ("notes", rule.notes),
    ]
    lines = []
    for name, value in fields:
        if not value:
            continue
        text = str(value).replace("\n", "\n" + " " * 15)
        lines.append(f"{name + ':':<14} {text}")
    return "\n".join(lines)


#: What the rulebook's research notes read for a rule (``verification``); the
#: rule is verified only by ``primary.verified``.
_NOTES = {
    "P": "P (primary text, as reproduced)",
    "S": "S (secondary summaries)",
    "U": "U (unverified)",
}


def _primary_text(rule: Rule) -> str | None:
    """``GDPR Art. 33(1), <url> (not verified: ...)`` with the quote below."""
    p = rule.primary
    if p is None:
        return None
    mark = "verified" if p.verified else "NOT VERIFIED against the official text"
    lines = [f"{p.cite}, {p.url}", f"{mark}" + (f"; read: {p.read}" if p.read else "")]
    if p.quote:
        lines.append(f'"{p.quote}"')
    return "\n".join(lines)


def print_rules_rich(rulebook: RuleBook, console: Console) -> None:
    from rich.table import Table

    table = Table(title="Clarion rulebook", title_justify="left")
    for name in ("Rule", "At site", "Kind", "Clock", "Deadline", "Calendar", "Status", "Source"):
        table.add_column(name, overflow="fold", no_wrap=name in ("Rule", "At site"))
    for row, rule in zip(rules_rows(rulebook), rulebook, strict=False):
        table.add_row(*row, short_source(rule))
    console.print(table)
    console.print(_rules_footer(rulebook), markup=False, highlight=False)


def rule_data(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "title": rule.title,
        "kind": rule.kind.value,
        "enabled": rule.enabled,
        "regime": rule.regime,
        "jurisdiction": rule.jurisdiction,
        "recipient": rule.recipient,
        "trigger": rule.trigger,
        "clock": rule.clock.text,
        "optional_clock": rule.optional_clock,
        "deadline": rule.deadline.text if rule.deadline else None,
        "deadlines": {s.value: d.text for s, d in rule.deadlines.items()} or None,
        "calendar": rule.calendar.value if rule.calendar else None,
        "holidays": rule.holidays.label if rule.holidays else None,
        "closures": rule.holidays.closures if rule.holidays else None,
        "zone": rule.zone.key if rule.zone else None,
        "due_time": rule.due_time,
        "limit": rule.limit,
        "limits": rule.limits,
        "weekend_relief": rule.weekend_relief,
        "conditions": rule.conditions.describe() or None,
        "condition": rule.condition,
        "must_contain": list(rule.must_contain),
        "source": rule.source,
        "primary": {
            "cite": rule.primary.cite,
            "url": rule.primary.url,
            "quote": rule.primary.quote,
            "read": rule.primary.read,
            "verified": rule.primary.verified,
        }
        if rule.primary
        else None,
        "status": rule.status,
        "verification": rule.verification,
        "verified": rule.verified,
        "unverified": rule.unverified,
        "notes": rule.notes,
        "overridden": list(rule.overridden),
    }


def render_rules_json(rulebook: RuleBook, *, only: Iterable[str] = ()) -> str:
    wanted = set(only)
    return _dumps({
        "breach_clocks": list(rulebook.breach_clocks),
        "rules": [rule_data(r) for r in rulebook if not wanted or r.id in wanted],
    })  # fmt: skip
