"""The private deadline report keeps open and regulatory items, and settled
practice items of recent incidents only; ``clarion check`` lists everything."""

from __future__ import annotations

import json

from click.testing import CliRunner

from clarion.cli import main

OLD = """\
---
title: Old outage
severity: SEV1
components: {api: major_outage}
declared: 2026-03-02T10:00:00Z
---
## 2026-03-02 10:05 UTC · Investigating
Looking.

## 2026-03-02 10:20 UTC · Resolved
Fixed.

## 2026-03-03 10:00 UTC · Postmortem
Review.
"""

RECENT = OLD.replace("2026-03-0", "2026-11-2").replace("Old outage", "Recent outage")


def test_old_settled_practice_items_leave_the_private_report(site_factory):
    root = site_factory({"updates/2026-03-02-old.md": OLD, "updates/2026-11-22-recent.md": RECENT})
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["build", "--source", str(root), "--now", "2026-11-27T12:00:00Z"]
        ).exit_code
        == 0
    )
    report = json.loads((root / "private/deadlines.json").read_text())
    slugs = {o["incident"] for o in report["obligations"]}
    assert slugs == {"2026-11-22-recent"}
    checked = runner.invoke(
        main, ["check", "--source", str(root), "--now", "2026-11-27T12:00:00Z", "--format", "json"]
    )
    keys = {o["incident"] for o in json.loads(checked.stdout)["obligations"]}
    assert keys == {"2026-03-02-old", "2026-11-22-recent"}
