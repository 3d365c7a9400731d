"""Generic webhooks: Statuspage's webhook payload, signed.

The body is ``{"meta", "page", "incident"}`` in the shape Statuspage sends
(maintenance windows too come as ``incident``, with ``scheduled_for`` and
``scheduled_until``), plus ``clarion: {change, event}``. Each request carries

- ``X-Clarion-Timestamp``: Unix seconds when it was sent;
- ``X-Clarion-Signature``: ``sha256=`` and the hex HMAC-SHA256, keyed with the
  channel's secret, of ``<timestamp>.`` followed by the raw body;
- ``X-Clarion-Delivery``: the change key (the same on every retry), so a
  receiver can drop a message it already has.

A receiver recomputes the HMAC, compares in constant time and rejects a
timestamp more than five minutes away from its clock (see docs/announce.md).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .messages import Message

SIGNATURE_HEADER = "X-Clarion-Signature"
TIMESTAMP_HEADER = "X-Clarion-Timestamp"
DELIVERY_HEADER = "X-Clarion-Delivery"


def payload(
    message: Message, page: Mapping[str, Any], status: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "meta": {
            "unsubscribe": None,
            "documentation": page.get("url"),
            "generated_at": now.isoformat(timespec="milliseconds"),
        },
        "page": {
            "id": page.get("id"),
            "status_indicator": status.get("indicator"),
            "status_description": status.get("description"),
        },
        "incident": message.item,
        "clarion": {"change": message.key, "event": message.event},
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes, key: str) -> dict[str, str]:
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        DELIVERY_HEADER: key,
    }
