"""The draft of a postmortem, as the Markdown body of a ``Postmortem`` update.

Everything the incident file already says is filled in (the timeline, the
impact); every section the team must write holds a prompt in an HTML comment,
which is never published and which ``clarion check`` reports while it is all
the section holds. Internal detail (the 5 Whys worksheet, regulator clocks,
the people involved) stays in comments too: a team moves into the public text
only what it chooses to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from ..derive.learning import PostmortemFacts
from ..rules.duration import format_seconds

#: The prompt of each section the team writes (the heading is the section's
#: name in :data:`clarion.derive.learning.POSTMORTEM_SECTIONS`).
PROMPTS = {
    "Summary": "Two or three sentences for customers: what happened, when, who was "
    "affected, and that it is fixed.",
    "Root cause": 'What in the system let this happen? Ask "why?" until the answer is a '
    "condition you can change, not a person (the 5 Whys below).",
    "What went well": "What helped: detection, tooling, decisions worth keeping.",
    "What went wrong": "Where the response was slow or hard, and what was missing "
    "(a runbook, an alert, access).",
    "Action items": "One task per line, each with an owner and a due date:\n"
    "     - [ ] @owner · due YYYY-MM-DD · what will change",
}

_FIVE_WHYS = (
    "5 Whys (private until moved out of this comment):",
    "  1. Why did customers see the impact?",
    "  2. Why did that happen?",
    "  3. Why was that possible?",
    "  4. Why was it not caught earlier?",
    "  5. Why did our process allow it?",
)


def draft_postmortem(
    facts: PostmortemFacts,
    *,
    zone: ZoneInfo,
    component_names: dict[str, str],
    clocks: Sequence[str] = (),
) -> str:
    """The Markdown of the draft; ``clocks`` are lines describing the
    regulator clocks that ran (kept private)."""
    zone_name = "UTC" if zone.key in ("UTC", "Etc/UTC") else zone.key
    incident = facts.incident
    lines = [
        "<!-- Drafted by `clarion new postmortem` from the incident file. Replace each",
        "     prompt; HTML comments are never published. -->",
        "### Summary",
        _prompt("Summary"),
        "",
        f"### Timeline ({zone_name})",
    ]
    lines += [f"- {_time(at, zone)}: {what}" for at, what in facts.timeline]
    lines += ["", "### Impact"]
    if facts.duration is not None and facts.resolved_at is not None:
        lines.append(
            f"- Duration: {format_seconds(facts.duration.total_seconds())} "
            f"({_time(facts.started_at, zone)} to {_time(facts.resolved_at, zone)})"
        )
    else:
        lines.append(f"- Started {_time(facts.started_at, zone)}; not resolved yet")
    for part in facts.components:
        levels = sorted(part.minutes.items(), key=lambda item: -item[0].rank)
        spent = ", ".join(f"{impact.label.lower()} {minutes} min" for impact, minutes in levels)
        name = component_names.get(part.component, part.component)
        lines.append(f"- {name}: worst {part.worst.label.lower()}; {spent}")
    if not facts.components:
        lines.append("- No component was marked as affected.")
    lines.append("- Customers affected: " + ("yes" if incident.customers_affected else "no"))
    private = ["<!-- Internal (never published):"]
    if incident.severity is not None:
        private.append(f"     Severity: {incident.severity.value}")
    if clocks:
        private.append("     Regulator clocks that ran:")
        private += [f"       - {clock}" for clock in clocks]
    else:
        private.append("     No regulator clock ran for this incident.")
    lines += private[:-1] + [private[-1] + " -->", ""]
    lines += [
        "### Root cause",
        _prompt("Root cause"),
        "<!-- " + "\n     ".join(_FIVE_WHYS) + " -->",
    ]
    for name in ("What went well", "What went wrong", "Action items"):
        lines += ["", f"### {name}", _prompt(name)]
    return "\n".join(lines) + "\n"


def _prompt(name: str) -> str:
    return f"<!-- prompt: {PROMPTS[name]} -->"


def _time(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
