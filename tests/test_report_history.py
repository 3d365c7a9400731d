"""The private deadline report and ``clarion check`` are one report: the
build's ``deadlines.json`` and ``deadlines.html`` hold exactly the rows
``clarion check`` shows at the same ``now``, old settled items included."""

from __future__ import annotations

import json
import re

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
NOW = "2026-11-27T12:00:00Z"


def test_the_private_report_shows_exactly_the_rows_check_shows(site_factory):
    root = site_factory({"updates/2026-03-02-old.md": OLD, "updates/2026-11-22-recent.md": RECENT})
    runner = CliRunner()
    built = runner.invoke(main, ["build", "--source", str(root), "--now", NOW])
    assert built.exit_code == 0, built.output
    report = json.loads((root / "private/deadlines.json").read_text())
    checked = runner.invoke(
        main, ["check", "--source", str(root), "--now", NOW, "--format", "json"]
    )
    rows = [o["key"] for o in json.loads(checked.stdout)["obligations"]]
    assert [o["key"] for o in report["obligations"]] == rows
    assert {key.split("/")[0] for key in rows} == {"2026-03-02-old", "2026-11-22-recent"}
    page = (root / "private/deadlines.html").read_text()
    assert len(re.findall(r"<tr class=", page)) == len(rows)
