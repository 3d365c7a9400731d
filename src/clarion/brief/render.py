"""A :class:`~clarion.brief.Brief` as text (a terminal), Markdown (pasted into
chat or a pull-request comment) or Slack Block Kit JSON (for a bot or the
announce channels to post). Pure: the brief in, a string out. Text from the
incident is made inert for each medium (Markdown and Slack mark-up, mentions)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime

from . import Brief


def _utc(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _role_text(line_name: str | None, due: datetime | None, now: datetime) -> str:
    if line_name:
        return line_name
    if due is None:
        return "unassigned"
    return f"UNASSIGNED (expected by {due:%H:%M} UTC{', overdue' if due <= now else ''})"


def _facts(brief: Brief, inert: Callable[[str], str]) -> list[tuple[str, str]]:
    """(label, value) pairs of the pinned summary, values already made inert."""
    severity = brief.severity.value if brief.severity else "-"
    facts = [
        ("Severity", f"{severity}: {brief.meaning}" if brief.meaning else severity),
        ("Stage", brief.stage),
        ("Declared", _utc(brief.declared_at)),
    ]
    if brief.detected_at:
        facts.append(("Detected", _utc(brief.detected_at)))
    impact = "; ".join(f"{inert(name)}: {label}" for name, label in brief.components)
    facts.append(("Impact", impact or "no component named"))
    for role in brief.roles:
        if role.name or role.due_at or role.role != "Experts":
            facts.append((role.role, inert(_role_text(role.name, role.due_at, brief.now))))
    facts.append(("Status page", brief.page_url or "private incident: not on the status page"))
    if brief.next_update_at:
        late = " (OVERDUE)" if brief.next_update_overdue else ""
        facts.append(("Next public update", _utc(brief.next_update_at) + late))
    else:
        facts.append(("Next public update", "no cadence for this incident"))
    return facts


def _clock_lines(brief: Brief) -> list[str]:
    return [
        f"{c.title} -> {c.recipient}: {c.state}"
        + (f", due {_utc(c.due_at)}" if c.due_at else "")
        + (f"; {c.detail}" if c.detail else "")
        for c in brief.clocks
    ]


# -- text -------------------------------------------------------------------------


def render_text(brief: Brief) -> str:
    lines = [f"{brief.title} ({brief.slug})", f"Channel: {brief.channel}", ""]
    facts = _facts(brief, lambda s: s)
    width = max(len(label) for label, _ in facts) + 1
    lines += [f"{label + ':':<{width}} {value}" for label, value in facts]
    lines += ["", "Clocks running:"]
    lines += [f"  - {line}" for line in _clock_lines(brief)] or ["  none"]
    lines += ["", "Update template:", f"  {brief.template}", "", "Checklist:"]
    lines += [f"  [ ] {item}" for item in brief.checklist]
    return "\n".join(lines) + "\n"


# -- Markdown ---------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<|~])")


def md_inert(text: str) -> str:
    """Markdown punctuation escaped; ``@`` cannot mention anyone."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("@", "@\u200b")


def render_markdown(brief: Brief) -> str:
    lines = [f"### {md_inert(brief.title)}", "", f"Channel: `{brief.channel}`", ""]
    lines += ["| | |", "|---|---|"]
    lines += [f"| **{label}** | {value} |" for label, value in _facts(brief, md_inert)]
    lines += ["", "**Clocks running**", ""]
    lines += [f"- {md_inert(line)}" for line in _clock_lines(brief)] or ["- none"]
    lines += ["", "**Update template**", "", "```", brief.template.replace("```", "'''"), "```"]
    lines += ["", f"**{brief.severity.value if brief.severity else ''} checklist**", ""]
    lines += [f"- [ ] {md_inert(item)}" for item in brief.checklist]
    return "\n".join(lines) + "\n"


# -- Slack Block Kit --------------------------------------------------------------


def slack_inert(text: str) -> str:
    """Slack's three control characters escaped (no links, no mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_slack(brief: Brief) -> str:
    facts = _facts(brief, slack_inert)
    severity = brief.severity.value if brief.severity else ""
    blocks: list[dict[str, object]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"{severity} {brief.title}"[:150].strip()},
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"{brief.channel} · {brief.slug}"}],
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in facts[:10]
            ],
        },
    ]
    if len(facts) > 10:
        rest = [{"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in facts[10:]]
        blocks.append({"type": "section", "fields": rest})
    clocks = "\n".join(f"• {slack_inert(line)}" for line in _clock_lines(brief)) or "none"
    blocks += [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Clocks running*\n{clocks}"}},
        {"type": "divider"},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{severity} checklist*\n"
                + "\n".join(f"☐ {slack_inert(item)}" for item in brief.checklist),
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*Update template*\n```{slack_inert(brief.template)}```",
            },
        },
    ]
    message = {"text": slack_inert(f"{severity} {brief.title}: {brief.channel}"), "blocks": blocks}
    return json.dumps(message, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Brief], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "slack": render_slack,
}
