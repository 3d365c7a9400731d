"""``comms/index.html``: every notice and owed email of the site, its rule,
recipients, state, link to the draft and the content the check found missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import jinja2

from ..config import SiteConfig
from ..derive.owed import Obligation, ObligationState
from ..model import Incident
from ..rules import Rule
from .email_templates import TemplateSource, render_template, site_context
from .eml import COMMS_DIR

INDEX_PATH = f"{COMMS_DIR}/index.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A row of the private index."""

    incident: Incident
    kind: str  # "sent", "draft", "owed" (drafted by Clarion) or "record"
    state: str
    state_detail: str = ""
    subject: str = ""
    eml: str | None = None  # relative to the index
    rule: Rule | None = None
    recipients: tuple[str, ...] = ()
    source: str = ""
    problems: tuple[str, ...] = ()


def obligation_text(obligation: Obligation | None) -> str:
    if obligation is None:
        return ""
    state = obligation.state
    if state is ObligationState.DUE and obligation.due_at:
        return f"due by {utc_minutes(obligation.due_at)}"
    if state is ObligationState.OVERDUE and obligation.due_at:
        return f"overdue since {utc_minutes(obligation.due_at)}"
    if state is ObligationState.MET_LATE:
        return "met late"
    return state.label


def utc_minutes(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_index(
    drafter_env: jinja2.Environment,
    config: SiteConfig,
    entries: Sequence[Entry],
    older_owed: int = 0,
) -> str:
    by_incident: dict[str, list[Entry]] = {}
    incidents: dict[str, Incident] = {}
    for entry in entries:
        by_incident.setdefault(entry.incident.slug, []).append(entry)
        incidents[entry.incident.slug] = entry.incident
    order = sorted(incidents.values(), key=lambda i: (i.started_at, i.slug), reverse=True)
    rows = [
        {
            "slug": incident.slug,
            "title": incident.title,
            "severity": incident.severity.value if incident.severity else None,
            "entries": [_entry_data(e) for e in by_incident[incident.slug]],
        }
        for incident in order
    ]
    counts = {
        "drafts": sum(1 for e in entries if e.kind == "draft"),
        "owed": sum(1 for e in entries if e.kind == "owed" and e.eml),
        "sent": sum(1 for e in entries if e.kind in ("sent", "record")),
        "problems": sum(len(e.problems) for e in entries),
        "older": older_owed,
    }
    context = {"site": site_context(config), "incidents": rows, "counts": counts}
    return render_template(
        drafter_env,
        None,
        context,
        TemplateSource("email/index.html.j2"),
        name="email/index.html.j2",
        config=config,
    )


def _entry_data(entry: Entry) -> dict[str, object]:
    return {
        "kind": entry.kind,
        "state": entry.state,
        "state_detail": entry.state_detail,
        "subject": entry.subject,
        "eml": entry.eml,
        "rule": entry.rule.id if entry.rule else None,
        "rule_title": entry.rule.title if entry.rule else None,
        "recipients": list(entry.recipients),
        "source": entry.source,
        "problems": list(entry.problems),
    }
