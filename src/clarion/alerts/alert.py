"""What Clarion reads from a paging tool's payload, whatever the tool.

Every format module (:mod:`.pagerduty`, :mod:`.opsgenie`, ...) turns its
vendor's JSON into one :class:`Alert`: the event (triggered, acknowledged,
resolved), a title, a deduplication key, the times, a link, and one
:class:`Signal` per alert it carries (Alertmanager and Grafana group several
alerts in one notification), each with the service, labels and tags that the
``[alerts.map]`` rules of ``site.toml`` match. :class:`PayloadReader` walks
the JSON and reports every problem with its JSON path.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256

from ..errors import ContentErrors, ErrorCollector, SourceLocation


class AlertEvent(enum.Enum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """One alert of a notification: what ``[alerts.map]`` rules match."""

    title: str = ""
    service: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()

    def describe(self) -> str:
        """``service 'payments-api'``, else the labels, else the title: how
        an unmapped alert is named in messages."""
        if self.service:
            return f"service '{self.service}'"
        if self.labels:
            return "labels " + ", ".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        if self.tags:
            return "tags " + ", ".join(self.tags)
        return f"title '{self.title}'"


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """A paging tool's notification, in Clarion's terms."""

    format: str  # pagerduty, opsgenie, alertmanager, grafana, datadog, generic
    event: AlertEvent
    title: str
    dedup_key: str  # the same for every notification about one incident
    url: str | None = None
    triggered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    signals: tuple[Signal, ...] = ()

    @property
    def branch_key(self) -> str:
        """``<format>-<key>``: the dedup key as a safe git branch and file word
        (long or unusual keys are shortened to a digest)."""
        word = re.sub(r"[^A-Za-z0-9]+", "-", self.dedup_key).strip("-").lower()
        if not word or len(word) > 40 or word != self.dedup_key.lower():
            word = sha256(self.dedup_key.encode("utf-8")).hexdigest()[:16]
        return f"{self.format}-{word}"


class PayloadReader:
    """Reads fields of a JSON payload by path, collecting every problem as a
    :class:`~clarion.errors.ContentError` located at the payload file."""

    def __init__(self, data: object, shown: str, format_name: str):
        self.data = data
        self.shown = shown
        self.format = format_name
        self.errors = ErrorCollector()

    def problem(self, path: str, message: str, expected: str | None = None) -> None:
        self.errors.error(
            SourceLocation(self.shown),
            f"{path}: {message}" if path else message,
            expected=expected,
            hint=f"is this a {FORMAT_TITLES.get(self.format, self.format)} payload? "
            "pass --format to name the format",
        )

    def get(self, *path: str | int) -> object:
        """The value at ``path``, or ``None`` when any step is missing."""
        node = self.data
        for step in path:
            if isinstance(step, int):
                if not isinstance(node, list) or not -len(node) <= step < len(node):
                    return None
                node = node[step]
            else:
                if not isinstance(node, dict) or step not in node:
                    return None
                node = node[step]
        return node

    def text(self, *path: str | int, required: bool = False) -> str | None:
        value = self.get(*path)
        if value is None or value == "":
            if required:
                self.problem(_dotted(path), "missing", expected="text")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(_dotted(path), f"got {value!r}", expected="text")
            return None
        return _CONTROL.sub(" ", str(value)).strip() or None

    def mapping(self, *path: str | int) -> dict[str, str]:
        value = self.get(*path)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(_dotted(path), f"got {value!r}", expected="an object of names to text")
            return {}
        return {
            _CONTROL.sub(" ", str(k)): _CONTROL.sub(" ", str(v))
            for k, v in value.items()
            if v is not None
        }

    def strings(self, *path: str | int) -> tuple[str, ...]:
        """A list of texts, or a comma-separated text (Datadog's ``$TAGS``)."""
        value = self.get(*path)
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            return tuple(p.strip() for p in value.split(",") if p.strip())
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.problem(_dotted(path), f"got {value!r}", expected="a list of texts")
        return ()

    def time(self, *path: str | int, required: bool = False) -> datetime | None:
        value = self.get(*path)
        if value is None or value == "":
            if required:
                self.problem(_dotted(path), "missing", expected=TIME_EXPECTED)
            return None
        moment = read_alert_time(value)
        if moment is None:
            self.problem(_dotted(path), f"got {value!r}", expected=TIME_EXPECTED)
        return moment

    def finish(self) -> None:
        self.errors.raise_if_any()


FORMAT_TITLES = {
    "pagerduty": "PagerDuty webhook (v3)",
    "opsgenie": "Opsgenie webhook",
    "alertmanager": "Prometheus Alertmanager webhook",
    "grafana": "Grafana alerting webhook",
    "datadog": "Datadog webhook",
    "generic": "generic JSON ([alerts.generic] in site.toml)",
}
TIME_EXPECTED = (
    "an RFC 3339 time such as 2026-11-20T13:55:00Z, or Unix epoch milliseconds or seconds"
)
_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})$"
)
_ZERO_TIME = "0001-01-01"
_CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f]"
)  # never into a file Clarion writes  # Alertmanager's endsAt of an alert still firing


def read_alert_time(value: object) -> datetime | None:
    """RFC 3339 with any fraction (Alertmanager sends nanoseconds), or epoch
    milliseconds (Opsgenie, Datadog) or seconds; ``None`` when unreadable.
    Opsgenie's ``updatedAt`` is in nanoseconds: also understood."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        for scale in (1, 1e3, 1e6, 1e9):  # seconds, ms, µs, ns
            if number / scale < 1e11:
                try:
                    return datetime.fromtimestamp(number / scale, UTC)
                except (OverflowError, OSError, ValueError):
                    return None
        return None
    if not isinstance(value, str):
        return None
    match = _RFC3339.match(value.strip())
    if match is None or match[1] == _ZERO_TIME:
        return None
    day, clock, fraction, zone = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    zone = "+00:00" if zone in ("Z", "z") else zone[:3] + ":" + zone[-2:]
    try:
        return datetime.fromisoformat(f"{day}T{clock}.{micro}{zone}").astimezone(UTC)
    except ValueError:
        return None


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def payload_error(
    shown: str, message: str, *, expected: str | None = None, hint: str | None = None
) -> ContentErrors:
    """One problem with the payload as a whole (not JSON, unknown format, ...)."""
    errors = ErrorCollector()
    errors.error(SourceLocation(shown), message, expected=expected, hint=hint)
    return ContentErrors(errors.errors)
