"""Opsgenie webhook integration: alert actions ``Create`` and ``Acknowledge``.

Schema: https://docs.opsgenie.com/docs/webhook-integration and the alert
action data it sends (https://docs.opsgenie.com/docs/marid-alert-action-data):
``{"action", "alert": {"alertId", "alias", "message", "tags", "entity",
"createdAt" (epoch ms), "updatedAt" (epoch ns), "priority", "details", ...},
"source", "integrationName"}``. The alert's ``alias`` (Opsgenie's own
deduplication key, the ``alertId`` when none was given) is the dedup key.
Opsgenie has no service field: the ``entity`` stands for it, or a
``service`` entry of the alert's ``details``.
"""

from __future__ import annotations

from .alert import Alert, AlertEvent, PayloadReader, Signal

NAME = "opsgenie"
_ACTIONS = {
    "Create": AlertEvent.TRIGGERED,
    "Acknowledge": AlertEvent.ACKNOWLEDGED,
    "Close": AlertEvent.RESOLVED,
}


def detect(data: object) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("alert"), dict)
        and "action" in data
        and "alertId" in data["alert"]
    )


def read(reader: PayloadReader) -> Alert:
    action = reader.text("action", required=True) or ""
    event = _ACTIONS.get(action)
    if action and event is None:
        reader.problem(
            "action",
            f"got '{action}': Clarion drafts incidents from created and acknowledged alerts",
            expected=", ".join(_ACTIONS),
        )
    alert_id = reader.text("alert", "alertId", required=True)
    key = reader.text("alert", "alias") or alert_id
    title = reader.text("alert", "message", required=True)
    created = reader.time("alert", "createdAt", required=True)
    updated = reader.time("alert", "updatedAt")
    details = reader.mapping("alert", "details")
    labels = {"priority": reader.text("alert", "priority") or "", **details}
    signal = Signal(
        title=title or "",
        service=details.get("service") or reader.text("alert", "entity"),
        labels={k: v for k, v in labels.items() if v},
        tags=reader.strings("alert", "tags"),
    )
    reader.finish()
    assert event is not None and key is not None
    return Alert(
        format=NAME,
        event=event,
        title=title or "",
        dedup_key=key,
        url=details.get("url"),
        triggered_at=created,
        acknowledged_at=(updated or created) if event is AlertEvent.ACKNOWLEDGED else None,
        signals=(signal,),
    )
