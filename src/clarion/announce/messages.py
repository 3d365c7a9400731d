"""What every channel says about a change, before each formats it: the
headline, the stage, the impact, the components, the text and the link.

Everything here comes from the public API documents (see :mod:`.state`),
so a message can say nothing the page does not. Texts are plain; each
channel module makes them inert in its own markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .changes import Change

EVENT_LABELS = {
    "declared": "New incident",
    "update": "Update",
    "resolved": "Resolved",
    "reopened": "Reopened",
    "postmortem": "Postmortem published",
    "scheduled": "Maintenance scheduled",
    "started": "Maintenance started",
    "completed": "Maintenance completed",
    "cancelled": "Maintenance cancelled",
    "rescheduled": "Maintenance rescheduled",
}
STAGE_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "postmortem": "Postmortem",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "verifying": "Verifying",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
IMPACT_LABELS = {
    "none": "None",
    "minor": "Minor",
    "major": "Major",
    "critical": "Critical",
    "maintenance": "Maintenance",
}
COMPONENT_LABELS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}
#: Colours (hex RGB) by impact, and for good news.
COLOURS = {
    "none": "#6b7280",
    "minor": "#d4a72c",
    "major": "#e36209",
    "critical": "#cf222e",
    "maintenance": "#0969da",
}
GOOD = "#1a7f37"
_GOOD_EVENTS = ("resolved", "completed", "cancelled")


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """A change, said in plain text."""

    key: str
    event: str
    event_label: str
    title: str
    stage: str  # the stage word, e.g. "Identified"
    impact: str  # the impact word, e.g. "Major"
    impact_code: str
    components: tuple[tuple[str, str], ...]  # (name, status label)
    component_codes: tuple[str, ...]
    body: str
    url: str
    at: datetime
    window: tuple[datetime, datetime] | None
    colour: str
    maintenance: bool
    item: dict[str, Any]
    thread_key: str

    @property
    def headline(self) -> str:
        return f"{self.event_label}: {self.title}"

    @property
    def facts(self) -> list[tuple[str, str]]:
        """Label/value pairs every channel shows."""
        out = [("Stage", self.stage), ("Impact", self.impact)]
        if self.components:
            out.append(("Components", ", ".join(f"{n}: {s}" for n, s in self.components)))
        if self.window is not None:
            out.append(("Window", f"{human_time(self.window[0])} to {human_time(self.window[1])}"))
        return out

    def text(self) -> str:
        """The whole message as plain text (email, chat fallbacks)."""
        lines = [self.headline, ""]
        lines += [f"{label}: {value}" for label, value in self.facts]
        if self.body:
            lines += ["", self.body]
        lines += ["", f"Details: {self.url}"]
        return "\n".join(lines)


def parse_time(text: str | None) -> datetime:
    if not text:
        return datetime(1970, 1, 1, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def human_time(moment: datetime) -> str:
    """``2026-11-20 15:05 UTC+01:00`` (the site's zone, as the page shows times)."""
    offset = moment.strftime("%z")
    zone = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{moment:%Y-%m-%d %H:%M} {zone}"


def message_for(change: Change) -> Message:
    item = change.item.data
    update = change.update
    impact = str(item.get("impact") or "none")
    if change.event == "postmortem":
        stage, body = "postmortem", str(item.get("postmortem_body") or "")
    elif update is not None:
        stage, body = str(update.get("status")), str(update.get("body") or "")
    else:
        stage, body = str(item.get("status")), _automatic_text(change)
    if change.event == "cancelled":
        stage = "cancelled"
    affected = (update or {}).get("affected_components") or []
    if affected:
        components = tuple(
            (str(c.get("name")), COMPONENT_LABELS.get(str(c.get("new_status")), ""))
            for c in affected
        )
    else:
        components = tuple(
            (str(c.get("name")), COMPONENT_LABELS.get(str(c.get("status")), ""))
            for c in item.get("components") or []
        )
    window = None
    if change.item.maintenance and item.get("scheduled_for") and item.get("scheduled_until"):
        window = (parse_time(item["scheduled_for"]), parse_time(item["scheduled_until"]))
    return Message(
        key=change.key,
        event=change.event,
        event_label=EVENT_LABELS[change.event],
        title=str(item.get("name") or ""),
        stage=STAGE_LABELS.get(stage, stage.replace("_", " ").capitalize()),
        impact=IMPACT_LABELS.get(impact, impact),
        impact_code=impact,
        components=components,
        component_codes=change.item.component_codes,
        body=body.strip(),
        url=str(item.get("shortlink") or ""),
        at=parse_time(change.at),
        window=window,
        colour=GOOD if change.event in _GOOD_EVENTS else COLOURS.get(impact, COLOURS["none"]),
        maintenance=change.item.maintenance,
        item=dict(item),
        thread_key=change.thread_key,
    )


def _automatic_text(change: Change) -> str:
    item = change.item.data
    if change.event == "started":
        return "The maintenance window has opened."
    if change.event == "completed":
        return "The maintenance window has closed."
    if change.event == "rescheduled":
        start, end = parse_time(item.get("scheduled_for")), parse_time(item.get("scheduled_until"))
        return f"The maintenance window is now {human_time(start)} to {human_time(end)}."
    return ""
