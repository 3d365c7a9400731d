"""Prometheus Alertmanager webhook (``webhook_config``, payload version 4).

Schema: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
``{"version": "4", "groupKey", "truncatedAlerts", "status", "receiver",
"groupLabels", "commonLabels", "commonAnnotations", "externalURL",
"alerts": [{"status", "labels", "annotations", "startsAt", "endsAt",
"generatorURL", "fingerprint"}]}``. A notification groups alerts: they become
one incident, detected when the first of them started. The ``groupKey`` is the
dedup key (the same for every notification of the group).
Grafana's webhook has the same shape with more fields (:mod:`.grafana`).
"""

from __future__ import annotations

from .alert import Alert, AlertEvent, PayloadReader, Signal

NAME = "alertmanager"
_STATUS = {"firing": AlertEvent.TRIGGERED, "resolved": AlertEvent.RESOLVED}


def detect(data: object) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("alerts"), list)
        and "groupKey" in data
        and "orgId" not in data
    )


def read(reader: PayloadReader) -> Alert:
    return read_grouped(reader, NAME, title_keys=())


def read_grouped(reader: PayloadReader, name: str, *, title_keys: tuple[str, ...]) -> Alert:
    """Alertmanager's shape, shared with Grafana (which adds a ``title``)."""
    status = reader.text("status", required=True) or ""
    event = _STATUS.get(status)
    if status and event is None:
        reader.problem("status", f"got '{status}'", expected="firing or resolved")
    group_key = reader.text("groupKey", required=True)
    alerts = reader.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        reader.problem("alerts", "no alerts in the notification", expected="a list of alerts")
        alerts = []
    signals, starts = [], []
    for index in range(len(alerts)):
        labels = reader.mapping("alerts", index, "labels")
        annotations = reader.mapping("alerts", index, "annotations")
        start = reader.time("alerts", index, "startsAt", required=True)
        if start is not None and reader.get("alerts", index, "status") != "resolved":
            starts.append(start)
        signals.append(
            Signal(
                title=annotations.get("summary") or labels.get("alertname", ""),
                service=labels.get("service") or labels.get("job"),
                labels=labels,
            )
        )
    common = reader.mapping("commonAnnotations")
    common_labels = reader.mapping("commonLabels")
    title = next(
        (t for t in (*(reader.text(k) for k in title_keys), common.get("summary")) if t),
        common_labels.get("alertname") or (signals[0].title if signals else ""),
    )
    url = reader.text("externalURL") or reader.text("alerts", 0, "generatorURL")
    reader.finish()
    assert event is not None and group_key is not None
    return Alert(
        format=name,
        event=event,
        title=title,
        dedup_key=group_key,
        url=url,
        triggered_at=min(starts) if starts else None,
        signals=tuple(signals),
    )
