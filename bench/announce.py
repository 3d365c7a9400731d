"""Benchmark ``clarion announce``: 200 changes to 3 channels, each receiver
answering after 50 ms.

It builds a site with no incident (the page the world saw last), then the
same site with 50 incidents of 4 updates each (declared, two updates,
resolved: 200 changes), starts a real HTTP receiver on 127.0.0.1 that waits
50 ms before answering each request, and announces to 3 channels (Slack,
Teams, a signed webhook): 600 requests. "Network time" is the time the
receivers need at the chosen concurrency, 600 x 50 ms / concurrency; one
request at a time would take 30 s. Usage:

    python bench/announce.py [CONCURRENCY ...]      # default: 1 4 8 16
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.receivers import Behaviour, http_receiver  # noqa: E402

from clarion.announce.delivery import Policy  # noqa: E402
from clarion.announce.run import announce  # noqa: E402
from clarion.build import build  # noqa: E402
from clarion.config import load_config  # noqa: E402

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DELAY = 0.05
INCIDENTS = 50
TOML = """\
[site]
title = "Bench Status"
base_url = "https://status.bench.example/"
timezone = "UTC"

[components.api]
name = "API"

[[announce]]
kind = "slack"
url_env = "B_SLACK"

[[announce]]
kind = "teams"
url_env = "B_TEAMS"

[[announce]]
kind = "webhook"
url_env = "B_WEBHOOK"
secret_env = "B_SECRET"
"""


def incident(n: int) -> str:
    day = f"2026-11-{1 + n % 25:02d}"
    hour = 8 + n % 10
    return (
        f"---\ntitle: Incident {n}\nseverity: SEV2\ncomponents: {{api: partial_outage}}\n---\n"
        f"## {day} {hour:02d}:00 UTC · Investigating\nLooking into incident {n}.\n\n"
        f"## {day} {hour:02d}:10 UTC · Identified\nFound the cause of {n}.\n\n"
        f"## {day} {hour:02d}:20 UTC · Monitoring\nA fix for {n} is out.\n\n"
        f"## {day} {hour:02d}:30 UTC · Resolved\nIncident {n} is over.\n"
    )


def prepare(root: Path) -> Path:
    (root / "site_src").mkdir(parents=True)
    (root / "site_src/site.toml").write_text(TOML)
    build(load_config(root), now=NOW, use_cache=False, workers=1)
    previous = root.parent / "previous"
    shutil.copytree(root / "public", previous)
    (root / "updates").mkdir()
    for n in range(INCIDENTS):
        (root / f"updates/2026-11-{1 + n % 25:02d}-incident-{n}.md").write_text(incident(n))
    build(load_config(root), now=NOW, use_cache=False, workers=1)
    return previous


def measure(root: Path, previous: Path, concurrency: int) -> tuple[float, int]:
    (root / "public/announced.json").unlink(missing_ok=True)
    with http_receiver() as web:
        for path in ("/slack", "/teams", "/webhook"):
            web.behaviour[path] = Behaviour(delay=DELAY)
        env = {
            "B_SLACK": web.url + "/slack",
            "B_TEAMS": web.url + "/teams",
            "B_WEBHOOK": web.url + "/webhook",
            "B_SECRET": "bench",
        }
        started = time.perf_counter()
        report = announce(
            load_config(root),
            previous=previous,
            now=NOW,
            environ=env,
            policy=Policy(timeout=10),
            concurrency=concurrency,
        )
        seconds = time.perf_counter() - started
        assert not report.failed and len(web.requests) == 3 * 4 * INCIDENTS
        return seconds, len(report.messages)


def main() -> None:
    levels = [int(a) for a in sys.argv[1:]] or [1, 4, 8, 16]
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "site"
        previous = prepare(root)
        print(
            "| concurrency | changes | requests | network time | announce (median of 3) | ratio |"
        )
        print("|---:|---:|---:|---:|---:|---:|")
        for level in levels:
            runs = [measure(root, previous, level) for _ in range(3)]
            seconds = statistics.median(r[0] for r in runs)
            changes = runs[0][1]
            network = 3 * changes * DELAY / level
            print(
                f"| {level} | {changes} | {3 * changes} | {network:.2f} s | {seconds:.2f} s "
                f"| {seconds / network:.2f}x |"
            )


if __name__ == "__main__":
    main()
