"""Every practice period is read from the site's rulebook: an override of
each practice rule changes what ``clarion new``, ``clarion update``,
``clarion serve``'s reminder and ``clarion check`` say, all alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from clarion.cli import main
from clarion.config import load_config
from clarion.load import load_site
from clarion.serve import updates_due_for
from tests.conftest import MINIMAL_TOML

OVERRIDES = """
[rules.overrides.update-cadence]
deadlines = {SEV1 = "PT20M"}

[rules.overrides.customer-ack]
deadline = "PT45M"

[rules.overrides.customer-resolution]
deadline = "PT12H"

[rules.overrides.postmortem]
deadline = "PT36H"

[rules.overrides.monitoring-soak]
deadline = "PT40M"
"""


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_overridden_practice_periods_are_said_alike_by_new_update_serve_and_check(site_factory):
    root = site_factory(toml=MINIMAL_TOML + OVERRIDES)
    src = ("--source", str(root))
    # clarion new: no production down, major functionality degraded, a workaround: SEV1
    new = cli(
        "new", "incident", "Checkout errors", "--ask", "-c", "api=major_outage", *src,
        "--now", "2026-11-27T10:00:00Z", input="n\ny\ny\ny\n",
    )  # fmt: skip
    assert new.exit_code == 0, new.output
    for said in ("every 20 min", "within 45 min of declaration", "within 12 h of resolution",
                 "A postmortem is due within 36 h"):  # fmt: skip
        assert said in new.output, new.output
    source = root / "updates/2026-11-27-checkout-errors.md"
    assert "We will post an update within 20 min." in source.read_text()

    # clarion update: the next update, the soak, what resolution sets in motion
    monitoring = cli(
        "update", "checkout", "monitoring", "Recovering.", *src, "--now", "2026-11-27T10:15:00Z"
    )
    assert monitoring.exit_code == 0, monitoring.output
    assert "next public update is due by 2026-11-27 10:35 UTC (20 min cadence" in monitoring.stderr

    # clarion serve's reminder: due 20 min after the last update
    config = load_config(root)
    due = updates_due_for(
        config, load_site(config).incidents, datetime(2026, 11, 27, 10, 20, tzinfo=UTC)
    )
    assert [(d.slug, f"{d.due_at:%H:%M}") for d in due] == [("2026-11-27-checkout-errors", "10:35")]
    assert "due at 10:35 UTC" in due[0].describe(datetime(2026, 11, 27, 10, 20, tzinfo=UTC))

    # clarion check while open: cadence and customer-ack as overridden
    report = json.loads(
        cli("check", *src, "--now", "2026-11-27T10:20:00Z", "--format", "json").stdout
    )
    due_at = {
        o["rule"]: o["due_at"] for o in report["obligations"] if o["state"] in ("due", "overdue")
    }
    assert due_at["update-cadence"] == "2026-11-27T10:35:00Z"
    assert due_at["customer-ack"] == "2026-11-27T10:45:00Z"

    resolved = cli(
        "update", "checkout", "resolved", "Fixed.", *src, "--now", "2026-11-27T10:45:00Z"
    )
    assert resolved.exit_code == 0, resolved.output
    assert "resolved after 30 min in monitoring; practice is at least 40 min" in resolved.stderr
    assert "customer email is due by 2026-11-27 22:45 UTC (within 12 h" in resolved.stderr
    assert "postmortem is due by 2026-11-28 22:45 UTC (within 36 h" in resolved.stderr

    # clarion check after resolution: the same periods
    report = json.loads(
        cli("check", *src, "--now", "2026-11-27T11:00:00Z", "--format", "json").stdout
    )
    due_at = {
        o["rule"]: o["due_at"] for o in report["obligations"] if o["state"] in ("due", "overdue")
    }
    assert due_at["customer-resolution"] == "2026-11-27T22:45:00Z"
    assert due_at["postmortem"] == "2026-11-28T22:45:00Z"
    soak = [w["message"] for w in report["lint"] if "monitoring" in w["message"]]
    assert soak and "40 min" in soak[0], report["lint"]
