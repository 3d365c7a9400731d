"""Datadog webhook integration, its default JSON payload.

Schema: https://docs.datadoghq.com/integrations/webhooks/ ("Usage": the
default payload ``{"body": "$EVENT_MSG", "last_updated": "$LAST_UPDATED",
"event_type": "$EVENT_TYPE", "title": "$EVENT_TITLE", "date": "$DATE",
"org": {"id": "$ORG_ID", "name": "$ORG_NAME"}, "id": "$ID"}``; ``$DATE`` and
``$LAST_UPDATED`` are epoch milliseconds; the title starts with the
transition, ``[Triggered]``, ``[Recovered]``...). Variables commonly added to
the payload are read too: ``alert_id`` / ``aggreg_key`` (the dedup key;
without them, the title without its transition), ``alert_transition``,
``tags`` (``$TAGS``, comma-separated; ``service:NAME`` names the service) and
``link`` (``$LINK``).
"""

from __future__ import annotations

import re

from .alert import Alert, AlertEvent, PayloadReader, Signal

NAME = "datadog"
_TRANSITION = re.compile(r"^\s*\[(?P<word>[A-Za-z ]+)\]\s*(?:\[P\d\]\s*)?")
_EVENTS = {
    "triggered": AlertEvent.TRIGGERED,
    "re-triggered": AlertEvent.TRIGGERED,
    "warn": AlertEvent.TRIGGERED,
    "no data": AlertEvent.TRIGGERED,
    "recovered": AlertEvent.RESOLVED,
}


def detect(data: object) -> bool:
    return (
        isinstance(data, dict)
        and "event_type" in data
        and "title" in data
        and ("last_updated" in data or isinstance(data.get("org"), dict))
    )


def read(reader: PayloadReader) -> Alert:
    raw_title = reader.text("title", required=True) or ""
    match = _TRANSITION.match(raw_title)
    title = raw_title[match.end() :].strip() if match else raw_title.strip()
    transition = (
        reader.text("alert_transition") or (match["word"] if match else "triggered")
    ).lower()
    event = _EVENTS.get(transition.strip())
    if event is None:
        reader.problem(
            "alert_transition" if reader.get("alert_transition") else "title",
            f"got the transition '{transition}'",
            expected="Triggered, Re-Triggered, Warn, No Data or Recovered",
        )
    tags = reader.strings("tags")
    service = next((t.split(":", 1)[1] for t in tags if t.startswith("service:")), None)
    when = reader.time("date") or reader.time("last_updated")
    key = reader.text("aggreg_key") or reader.text("alert_id") or title
    signal = Signal(
        title=title,
        service=service,
        labels={k: v for k, v in {"event_type": reader.text("event_type") or ""}.items() if v},
        tags=tags,
    )
    reader.finish()
    assert event is not None
    return Alert(
        format=NAME,
        event=event,
        title=title,
        dedup_key=key,
        url=reader.text("link"),
        triggered_at=when,
        signals=(signal,),
    )
