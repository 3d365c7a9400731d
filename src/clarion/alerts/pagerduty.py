"""PagerDuty webhooks v3: ``incident.triggered`` and ``incident.acknowledged``.

Schema: https://developer.pagerduty.com/docs/webhooks/v3-overview (the event
envelope ``{"event": {"event_type", "occurred_at", "data": <incident>}}``) and
the incident resource of the REST API (``id``, ``title``, ``html_url``,
``created_at``, ``service``, ``urgency``, ``priority``). The incident's ``id``
is the dedup key: every event about one incident carries it.
"""

from __future__ import annotations

from .alert import Alert, AlertEvent, PayloadReader, Signal

NAME = "pagerduty"
_EVENTS = {
    "incident.triggered": AlertEvent.TRIGGERED,
    "incident.acknowledged": AlertEvent.ACKNOWLEDGED,
    "incident.resolved": AlertEvent.RESOLVED,
}


def detect(data: object) -> bool:
    event = data.get("event") if isinstance(data, dict) else None
    return isinstance(event, dict) and str(event.get("event_type", "")).startswith("incident.")


def read(reader: PayloadReader) -> Alert:
    kind = reader.text("event", "event_type", required=True) or ""
    event = _EVENTS.get(kind)
    if kind and event is None:
        reader.problem(
            "event.event_type",
            f"got '{kind}': Clarion drafts incidents from triggered and acknowledged incidents",
            expected=", ".join(_EVENTS),
        )
    if reader.get("event", "resource_type") not in (None, "incident"):
        reader.problem(
            "event.resource_type", f"got {reader.get('event', 'resource_type')!r}", "incident"
        )
    data = ("event", "data")
    incident_id = reader.text(*data, "id", required=True)
    title = reader.text(*data, "title", required=True)
    created = reader.time(*data, "created_at", required=True)
    occurred = reader.time("event", "occurred_at")
    labels = {
        "urgency": reader.text(*data, "urgency"),
        "priority": reader.text(*data, "priority", "summary"),
    }
    signal = Signal(
        title=title or "",
        service=reader.text(*data, "service", "summary"),
        labels={k: v for k, v in labels.items() if v},
        tags=tuple(
            t
            for t in (reader.text(*data, "teams", i, "summary") for i in range(_teams(reader)))
            if t
        ),
    )
    reader.finish()
    assert event is not None and incident_id is not None
    return Alert(
        format=NAME,
        event=event,
        title=title or "",
        dedup_key=incident_id,
        url=reader.text(*data, "html_url"),
        triggered_at=created,
        acknowledged_at=(occurred or created) if event is AlertEvent.ACKNOWLEDGED else None,
        signals=(signal,),
    )


def _teams(reader: PayloadReader) -> int:
    teams = reader.get("event", "data", "teams")
    return len(teams) if isinstance(teams, list) else 0
