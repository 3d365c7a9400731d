"""Alert payloads in, a drafted incident out.

``read_alert(text, shown, fmt, settings)`` detects the paging tool (or takes
``--format``) and reads its payload into an :class:`Alert`;
:func:`~clarion.alerts.mapping.map_alert` turns it into what the incident file
needs, with ``[alerts.map]`` from ``site.toml``. One module per format.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType

from . import alertmanager, datadog, generic, grafana, opsgenie, pagerduty
from .alert import FORMAT_TITLES, Alert, AlertEvent, PayloadReader, Signal, payload_error
from .settings import AlertSettings

#: Formats in detection order (Grafana before Alertmanager: it is a superset).
VENDOR_FORMATS: tuple[ModuleType, ...] = (pagerduty, opsgenie, grafana, alertmanager, datadog)
FORMATS = (*(m.NAME for m in VENDOR_FORMATS), generic.NAME)
AUTO = "auto"


def read_alert(text: str, shown: str, fmt: str, settings: AlertSettings) -> Alert:
    """The alert in ``text`` (a payload file's contents, named ``shown`` in
    messages). ``fmt`` is a name from :data:`FORMATS` or ``auto``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise payload_error(
            f"{shown}:{exc.lineno}",
            f"the alert payload is not JSON: {exc.msg} (column {exc.colno})",
            expected="the JSON body the paging tool posted",
        ) from None
    if fmt == AUTO:
        fmt = detect_format(data, shown, settings)
    reader = PayloadReader(data, shown, fmt)
    if fmt == generic.NAME:
        if settings.generic is None:
            raise payload_error(
                shown,
                "--format generic needs [alerts.generic] in site_src/site.toml",
                expected='[alerts.generic] with title = "$.path" and dedup_key = "$.path"',
                hint="see 'Generic JSON' in docs/alerts.md",
            )
        return generic.read(reader, settings.generic)
    readers: dict[str, Callable[[PayloadReader], Alert]] = {m.NAME: m.read for m in VENDOR_FORMATS}
    return readers[fmt](reader)


def detect_format(data: object, shown: str, settings: AlertSettings) -> str:
    for module in VENDOR_FORMATS:
        if module.detect(data):
            return str(module.NAME)
    if settings.generic is not None and isinstance(data, dict):
        return generic.NAME
    keys = ", ".join(sorted(data)[:8]) if isinstance(data, dict) else type(data).__name__
    raise payload_error(
        shown,
        f"unknown alert payload (top-level: {keys or 'empty'})",
        expected="one of: " + "; ".join(FORMAT_TITLES.values()),
        hint="pass --format NAME, or map any JSON with [alerts.generic] in site_src/site.toml",
    )


__all__ = [
    "AUTO",
    "FORMATS",
    "FORMAT_TITLES",
    "Alert",
    "AlertEvent",
    "AlertSettings",
    "Signal",
    "detect_format",
    "read_alert",
]
