"""How hard delivery tries: timeouts, retries with exponential backoff,
``Retry-After``; and the outcome of one message, said without secrets."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """``attempts`` tries per message; waits ``backoff * 2**n`` (with up to
    10% jitter, at most ``max_wait``) between them, or what ``Retry-After``
    asks when that is no more than ``max_wait``."""

    timeout: float = 10.0
    attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def wait(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait before try ``attempt + 1``; None: give up."""
        if attempt >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_wait else None
        delay: float = self.backoff * 2.0 ** (attempt - 1)
        return min(self.max_wait, delay * (1 + random.random() / 10))


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What became of one message on one channel."""

    delivered: bool
    attempts: int
    detail: str  # "HTTP 200", "HTTP 503, 4 attempts", "timed out" - never a secret


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())
