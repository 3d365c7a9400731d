"""POST a message to a webhook with the standard library's HTTP client.

2xx is delivered. 408, 425, 429 and 5xx, timeouts and connection errors are
tried again (after ``Retry-After`` when the receiver sends one); any other
status is final. Messages name the host only: a webhook URL is a secret.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

from .. import __version__
from .delivery import Outcome, Policy, retry_after_seconds

_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "(no host)"


def post(url: str, body: bytes, headers: Mapping[str, str], policy: Policy) -> Outcome:
    host = host_of(url)
    attempt = 0
    while True:
        attempt += 1
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": f"Clarion/{__version__} (+announce)",
                **headers,
            },
        )
        retry_after: float | None = None
        try:
            with urllib.request.urlopen(request, timeout=policy.timeout) as response:
                response.read()
                return Outcome(delivered=True, attempts=attempt, detail=f"HTTP {response.status}")
        except urllib.error.HTTPError as exc:
            detail = f"{host}: HTTP {exc.code}"
            exc.close()
            if exc.code not in _RETRY_STATUS:
                return Outcome(delivered=False, attempts=attempt, detail=detail)
            retry_after = retry_after_seconds(exc.headers.get("Retry-After"))
        except TimeoutError:
            detail = f"{host}: timed out after {policy.timeout:g} s"
        except urllib.error.URLError as exc:
            detail = f"{host}: {_reason(exc.reason)}"
        except OSError as exc:
            detail = f"{host}: {_reason(exc)}"
        wait = policy.wait(attempt, retry_after)
        if wait is None:
            if retry_after is not None and attempt < policy.attempts:
                detail += f" (asked to retry after {retry_after:g} s)"
            tries = f"{attempt} attempt{'s' if attempt != 1 else ''}"
            return Outcome(delivered=False, attempts=attempt, detail=f"{detail}, {tries}")
        policy.sleep(wait)


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return type(reason).__name__ if not str(reason) else str(reason)
