"""Any other JSON payload, read with the JSONPath-style mapping of
``[alerts.generic]`` in ``site.toml`` (for a tool without a format of its own,
or a relay that reshapes alerts)::

    [alerts.generic]
    title = "$.alert.summary"          # required
    dedup_key = "$.alert.id"           # required
    service = "$.alert.service"
    status = "$.alert.state"           # firing/triggered, acknowledged, resolved
    triggered = "$.alert.started_at"   # RFC 3339 or epoch (s or ms)
    acknowledged = "$.alert.acked_at"
    url = "$.alert.link"
    labels = "$.alert.labels"          # an object of names to texts
    tags = "$.alert.tags"              # a list of texts
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .alert import Alert, AlertEvent, PayloadReader, Signal

if TYPE_CHECKING:
    from .settings import GenericMapping

NAME = "generic"
_STATUS = {
    "firing": AlertEvent.TRIGGERED,
    "triggered": AlertEvent.TRIGGERED,
    "open": AlertEvent.TRIGGERED,
    "acknowledged": AlertEvent.ACKNOWLEDGED,
    "resolved": AlertEvent.RESOLVED,
    "closed": AlertEvent.RESOLVED,
}


def read(reader: PayloadReader, mapping: GenericMapping) -> Alert:
    def path(field: str) -> tuple[str | int, ...]:
        return mapping.paths.get(field, ("\0missing",))

    title = reader.text(*path("title"), required=True)
    key = reader.text(*path("dedup_key"), required=True)
    status = (reader.text(*path("status")) or "triggered").lower()
    event = _STATUS.get(status)
    if event is None:
        reader.problem(mapping.texts.get("status", "status"), f"got '{status}'", ", ".join(_STATUS))
    acknowledged = reader.time(*path("acknowledged"))
    signal = Signal(
        title=title or "",
        service=reader.text(*path("service")),
        labels=reader.mapping(*path("labels")),
        tags=reader.strings(*path("tags")),
    )
    reader.finish()
    assert event is not None and key is not None
    if acknowledged is not None and event is AlertEvent.TRIGGERED:
        event = AlertEvent.ACKNOWLEDGED
    return Alert(
        format=NAME,
        event=event,
        title=title or "",
        dedup_key=key,
        url=reader.text(*path("url")),
        triggered_at=reader.time(*path("triggered")),
        acknowledged_at=acknowledged,
        signals=(signal,),
    )
