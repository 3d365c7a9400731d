"""Grafana alerting webhook contact point.

Schema: https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
Alertmanager's payload (:mod:`.alertmanager`) plus ``orgId``, ``title``,
``state`` and ``message``, and per alert ``silenceURL``, ``dashboardURL``,
``panelURL`` and ``values``. Grouped alerts become one incident; the
``groupKey`` is the dedup key.
"""

from __future__ import annotations

from .alert import Alert, PayloadReader
from .alertmanager import read_grouped

NAME = "grafana"


def detect(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("alerts"), list) and "orgId" in data


def read(reader: PayloadReader) -> Alert:
    return read_grouped(reader, NAME, title_keys=())
