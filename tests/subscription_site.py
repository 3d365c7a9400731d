"""A small site for the feed, calendar, API and badge tests, and helpers to
build it. ``now`` is ``tests.conftest.NOW`` (2026-11-27 12:00 UTC).

Newest first by last update, the published items are:

1. ``2026-11-27-window`` maintenance in progress (api), updated 11-27 11:00
2. ``2026-11-27-web-slow`` incident, unresolved (web), updated 11-27 10:30
3. ``2026-12-03-db-upgrade`` maintenance upcoming (api), updated 11-25 09:00
4. ``2026-11-24-both`` incident, resolved (api, web), updated 11-24 16:00
5. ``2026-11-30-cdn-cancelled`` maintenance cancelled (web), updated 11-23 12:00
6. ``2026-11-20-api-errors`` incident with a postmortem (api), updated 11-21 10:00

plus a ``public: false`` incident that must appear nowhere.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from clarion.build import build
from clarion.config import load_config
from tests.conftest import NOW

FILES: dict[str, str] = {
    "updates/2026-11-20-api-errors.md": """
        ---
        title: Elevated error rates on the API
        severity: SEV1
        components:
          api: partial_outage
        declared: 2026-11-20T14:02:00Z
        customers_affected: true
        ---
        Some requests to the API failed.

        ## 2026-11-20 14:05 UTC · Investigating
        We are investigating elevated error rates on the API.

        ## 2026-11-20 14:40 UTC · Identified
        Impact: api=degraded_performance
        A faulty deploy was identified and is being rolled back.

        ## 2026-11-20 15:10 UTC · Resolved
        Error rates are back to normal.

        ## 2026-11-21 10:00 UTC · Postmortem
        ### What happened
        A configuration change removed a health check.
        """,
    "updates/2026-11-24-both.md": """
        ---
        title: Slow API and website
        severity: SEV2
        components:
          api: degraded_performance
          web: degraded_performance
        declared: 2026-11-24T15:00:00Z
        ---
        ## 2026-11-24 15:05 UTC · Investigating
        Both the API and the website respond slowly.

        ## 2026-11-24 16:00 UTC · Resolved
        Response times are back to normal.
        """,
    "updates/2026-11-27-web-slow.md": """
        ---
        title: Website loads slowly
        severity: SEV2
        components:
          web: degraded_performance
        ---
        ## 2026-11-27 10:30 UTC · Investigating
        Pages take several seconds to load.
        """,
    "updates/2026-11-27-window.md": """
        ---
        title: Load balancer replacement
        kind: maintenance
        components: [api]
        window: {start: 2026-11-27T11:00:00Z, end: 2026-11-27T13:00:00Z}
        ---
        ## 2026-11-20 09:00 UTC · Scheduled
        We will replace the API's load balancers.

        ## 2026-11-27 11:00 UTC · In progress
        The replacement has started.
        """,
    "updates/2026-11-30-cdn-cancelled.md": """
        ---
        title: Certificate rotation
        kind: maintenance
        components: [web]
        window: {start: 2026-11-30T02:00:00Z, end: 2026-11-30T03:00:00Z}
        ---
        ## 2026-11-22 10:00 UTC · Scheduled
        We will rotate the website's certificates.

        ## 2026-11-23 12:00 UTC · Cancelled
        We have cancelled this maintenance.
        """,
    "updates/2026-12-03-db-upgrade.md": """
        ---
        title: Database upgrade
        kind: maintenance
        components: [api]
        window: {start: 2026-12-03T02:00:00Z, end: 2026-12-03T04:00:00Z}
        ---
        ## 2026-11-25 09:00 UTC · Scheduled
        The API may be read-only for up to ten minutes.
        """,
    "updates/2026-11-26-secret.md": """
        ---
        title: Secret hush thing
        severity: SEV3
        public: false
        components:
          api: major_outage
        ---
        ## 2026-11-26 10:00 UTC · Investigating
        classified words
        """,
}

#: Titles in feed order (newest update first).
FEED_ORDER = [
    "Load balancer replacement",
    "Website loads slowly",
    "Database upgrade",
    "Slow API and website",
    "Certificate rotation",
    "Elevated error rates on the API",
]


def build_public(root: Path, now: datetime = NOW, out: str = "public") -> Path:
    """Build the site at ``root`` and return its public folder."""
    public = root / out
    build(load_config(root), now=now, public_dir=public)
    return public


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def append_update(root: Path, slug: str, text: str) -> None:
    path = root / "updates" / f"{slug}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text.strip() + "\n", encoding="utf-8")


def source(path: str) -> str:
    """A file of :data:`FILES` as written to disk (dedented), to extend in a test."""
    return textwrap.dedent(FILES[path]).lstrip("\n")


def files(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**FILES, **(extra or {})}
