"""The rulebook as Markdown: ``clarion rules --format markdown`` and the
docs' rulebook page (``docs/hooks.py`` includes it), one text from the data.

Rules are grouped by jurisdiction, each group with its count of rules whose
primary text was verified; every rule shows its primary source (article,
official URL, quote, what was read) and its secondary reading.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from ..rules import Rule, RuleBook
from ..rules.sources import PRIMARY_DOMAINS

_URL = re.compile(r"https?://[^\s<>\"')]+[^\s<>\"').,;:]")
_VERIFICATION = {"P": "primary text", "S": "secondary summaries", "U": "unverified"}


def escape(text: str, *, table: bool = False) -> str:
    """Plain text as Markdown that shows exactly that text."""
    text = html.escape(text, quote=False)
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text)
    return text.replace("|", "\\|") if table else text


def linked(text: str, *, table: bool = False) -> str:
    """Like :func:`escape`, with URLs as links."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts += [escape(text[last : match.start()], table=table), f"<{match[0]}>"]
        last = match.end()
    return "".join(parts + [escape(text[last:], table=table)])


def anchor(text: str) -> str:
    """The id MkDocs' table of contents gives a heading with this text."""
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())


_SAME = {"EU Member States": "EU", "EU/EEA": "EU", "Global": "Card schemes (contractual)"}


def jurisdiction_of(rule: Rule) -> str:
    """The group a rule is listed under: its jurisdiction without the
    parenthesised scope (``United States - Texas``, ``EU``)."""
    if rule.is_practice:
        return "Practice (any jurisdiction)"
    base = rule.jurisdiction.split(" (")[0].split(",")[0].strip() or "Unspecified"
    return _SAME.get(base, base)


def groups(book: Iterable[Rule]) -> dict[str, list[Rule]]:
    """Rules by jurisdiction, the jurisdictions sorted, practice rules last."""
    out: dict[str, list[Rule]] = {}
    for rule in book:
        out.setdefault(jurisdiction_of(rule), []).append(rule)
    return dict(sorted(out.items(), key=lambda item: (item[0].startswith("Practice"), item[0])))


def counts(rules: Iterable[Rule]) -> tuple[int, int]:
    """(verified, unverified) among rules with a primary source."""
    sourced = [r for r in rules if r.primary is not None]
    verified = sum(1 for r in sourced if r.primary is not None and r.primary.verified)
    return verified, len(sourced) - verified


def render_rules_markdown(book: RuleBook) -> str:
    verified, unverified = counts(book)
    lines = [
        f"{len(book)} rules; of the {verified + unverified} regulatory and contractual rules, "
        f"{verified} verified against the official text, {unverified} not (yet). Breach clocks "
        "(fields of an incident's `breach:` block that start a regulatory clock): "
        + ", ".join(f"`{name}`" for name in book.breach_clocks)
        + ".",
        "",
        "| jurisdiction | rules | verified | unverified |",
        "|---|---|---|---|",
    ]
    grouped = groups(book)
    for name, rules in grouped.items():
        v, u = counts(rules)
        lines.append(
            f"| [{escape(name, table=True)}](#{anchor(name)}) | {len(rules)} | {v} | {u} |"
        )
    lines.append("")
    for name, rules in grouped.items():
        v, u = counts(rules)
        lines += [f"## {escape(name)}", ""]
        if v or u:
            lines += [f"{len(rules)} rules: {v} verified, {u} unverified.", ""]
        lines += ["| rule | kind | deadline | status |", "|---|---|---|---|"]
        for rule in rules:
            deadline = rule.describe_deadline() + (
                f", {rule.describe_calendar()}" if rule.describe_calendar() else ""
            )
            kind = rule.kind.value + ("" if rule.enabled or not rule.is_practice else ", off")
            lines.append(
                f"| [{rule.id}](#{anchor(rule.id)}) | {kind} | {escape(deadline, table=True)} "
                f"| {escape(status(rule), table=True)} |"
            )
        lines.append("")
        for rule in rules:
            lines += render_rule(rule)
    lines += primary_domains()
    return "\n".join(lines).rstrip("\n") + "\n"


def primary_domains() -> list[str]:
    lines = [
        "## Primary sources",
        "",
        "A rule in force cites its law on one of these official publishers' domains "
        "(a test fails otherwise); secondary reading stays in the rule's source.",
        "",
        "| domain | publisher |",
        "|---|---|",
    ]
    lines += [f"| `{d}` | {escape(what, table=True)} |" for d, what in PRIMARY_DOMAINS.items()]
    return [*lines, ""]


def status(rule: Rule) -> str:
    flags = [rule.status.replace("_", " ")]
    if not rule.verified:
        flags.append("UNVERIFIED")
    elif rule.unverified:
        flags.append("partly unverified")
    return "; ".join(flags)


def render_rule(rule: Rule) -> list[str]:
    clock = f"`{rule.clock.text}`"
    if rule.clock.describe() != rule.clock.text:
        clock += f" ({escape(rule.clock.describe(), table=True)})"
    if rule.optional_clock:
        clock += ", only if it happens"
    notes = _VERIFICATION.get(rule.verification, rule.verification)
    rows = [
        ("kind", rule.kind.value + (", a warning only" if rule.is_warning else "")),
        ("regime", escape(rule.regime, table=True)),
        ("recipient", escape(rule.recipient, table=True)),
        ("trigger", escape(rule.trigger, table=True)),
        ("clock", clock),
        (
            "deadline",
            f"`{escape(rule.describe_deadline(), table=True)}`"
            if rule.deadline or rule.deadlines
            else "none fixed (without undue delay)",
        ),  # fmt: skip
        ("calendar", escape(rule.describe_calendar(), table=True)),
        ("caps", f"[`{rule.limit}`](#{anchor(rule.limit)}) caps this rule" if rule.limit else ""),
        ("limits", f"caps [`{rule.limits}`](#{anchor(rule.limits)})" if rule.limits else ""),
        ("applies to", escape(rule.conditions.describe(), table=True)),
        ("condition", escape(rule.condition, table=True)),
        ("status", escape(status(rule), table=True)),
        (
            "research notes",
            escape(
                f"{rule.verification} ({notes})" if rule.verification in _VERIFICATION else notes,
                table=True,
            )
            + (f"; unverified: {escape(rule.unverified, table=True)}" if rule.unverified else ""),
        ),  # fmt: skip
        ("default audience", f"`{rule.audience}`" if rule.audience else ""),
    ]
    lines = [
        f"### {rule.id}",
        "",
        f"**{escape(rule.title)}**",
        "",
        "| field | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value} |" for name, value in rows if value]
    lines.append("")
    if rule.must_contain:
        lines += ["A notice must contain:", ""]
        lines += [f"- {escape(item)}" for item in rule.must_contain]
        lines.append("")
    if rule.primary is not None:
        p = rule.primary
        mark = (
            "verified against the official text"
            if p.verified
            else "**not verified** against the official text"
        )
        lines += [f"**Primary source:** {escape(p.cite)}, <{p.url}> ({mark})", ""]
        if p.quote:
            lines += [f"> {escape(p.quote)}", ""]
        if p.read:
            lines += [f"Read: {linked(p.read)}", ""]
    lines += [f"**Source:** {linked(rule.source)}", ""]
    if rule.notes:
        lines += [f"**Notes:** {linked(rule.notes)}", ""]
    return lines
