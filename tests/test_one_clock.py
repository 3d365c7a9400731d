"""One notion of now: updates dated after ``now`` are held back everywhere,
and public pages are a function of the state, not of the minute."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from clarion.build import prepare, render_all
from clarion.cli import main
from clarion.config import SiteConfig, load_config
from clarion.derive import derive_state
from clarion.derive.changes import next_change
from clarion.load import load_site
from clarion.render import Area

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

# The author typed Berlin time into a UTC site: "12:40" meant 11:40 UTC.
AHEAD = """\
---
title: Checkout errors
severity: SEV1
customers_affected: true
components: {api: major_outage}
---
## 2026-11-27 11:00 UTC · Investigating
Checkout fails for some customers.

## 2026-11-27 12:40 UTC · Resolved
Fixed.
"""

UTC_TOML = """\
[site]
title = "Test Status"
base_url = "https://status.test.example/"
timezone = "UTC"

[components.api]
name = "API"

[email]
from = "Test Status <status@test.example>"
reply_to = "support@test.example"

[audiences]
customers = ["customers@test.example"]
"""


def cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


def public_files(root: Path | SiteConfig, now: datetime) -> dict[str, bytes]:
    context = prepare(root if isinstance(root, SiteConfig) else load_config(root), now)
    return {o.path: o.data for o in render_all(context) if o.area is Area.PUBLIC}


def test_an_update_dated_after_now_is_held_back_everywhere(site_factory):
    root = site_factory({"updates/2026-11-27-checkout.md": AHEAD}, toml=UTC_TOML)
    files = public_files(root, NOW)
    index = files["index.html"].decode()
    page = files["incidents/2026-11-27-checkout/index.html"].decode()
    assert "Active incidents" in index and "Checkout errors" in index
    assert "Fixed." not in page and "Resolved" not in page and "Ongoing" in page
    assert (
        "Fixed." not in b"".join(files[p] for p in ("atom.xml", "feed.xml", "feed.json")).decode()
    )
    unresolved = json.loads(files["api/v2/incidents/unresolved.json"])
    assert [i["name"] for i in unresolved["incidents"]] == ["Checkout errors"]
    summary = json.loads(files["api/v2/summary.json"])
    assert summary["components"][0]["status"] == "major_outage"
    assert summary["status"]["indicator"] == "critical"
    # at the update's time it is published, and nothing else needed a commit
    later = public_files(root, datetime(2026, 11, 27, 12, 40, tzinfo=UTC))
    assert "Fixed." in later["incidents/2026-11-27-checkout/index.html"].decode()
    assert json.loads(later["api/v2/incidents/unresolved.json"])["incidents"] == []


def test_next_change_and_check_name_the_held_back_update(site_factory):
    root = site_factory({"updates/2026-11-27-checkout.md": AHEAD}, toml=UTC_TOML)
    config = load_config(root)
    change = next_change(derive_state(config, load_site(config).incidents, NOW), config.timezone)
    assert (change.at, change.kind) == (datetime(2026, 11, 27, 12, 40, tzinfo=UTC), "update_due")
    result = cli(
        "check", "--source", str(root), "--now", "2026-11-27T12:00:00Z", "--format", "json",
        env={"TZ": "Europe/Berlin"},
    )  # fmt: skip
    data = json.loads(result.stdout)
    warnings = [w for w in data["lint"] if "after now" in w["message"]]
    assert len(warnings) == 1, data["lint"]
    assert warnings[0]["line"] == 10
    assert "40 min after now" in warnings[0]["message"]
    assert "did you mean 12:40 Europe/Berlin (2026-11-27 11:40 UTC)" in warnings[0]["hint"]
    open_items = {o["rule"] for o in data["obligations"] if o["state"] != "met"}
    assert "update-cadence" in open_items  # still open at 12:00: an update is owed
    text = cli(
        "check", "--source", str(root), "--now", "2026-11-27T12:00:00Z", env={"TZ": "Europe/Berlin"}
    ).output
    assert "checkout.md:10" in text and "did you mean" in text


def test_builds_between_two_changes_of_the_example_site_are_byte_identical():
    config = load_config(REPO)
    assert config.now is not None
    start = config.now
    # as a real site: without the demo banner, which names the pinned clock
    config = replace(config, fictional=False, now=None)
    first = next_change(derive_state(config, load_site(config).incidents, start), config.timezone)
    state = derive_state(config, load_site(config).incidents, first.at)
    second = next_change(state, config.timezone)
    assert state.active_incidents, "the window should hold an active incident"
    span = (second.at - first.at).total_seconds()
    rng = random.Random(12)
    moments = (
        [first.at]
        + [first.at + timedelta(seconds=rng.uniform(0, span)) for _ in range(20)]
        + [second.at - timedelta(seconds=1)]
    )
    reference = public_files(config, moments[0])
    for moment in moments[1:]:
        files = public_files(config, moment)
        changed = [p for p in reference if reference[p] != files.get(p)]
        assert not changed and files.keys() == reference.keys(), (moment, changed[:5])
    after = public_files(config, second.at)
    assert after != reference  # the next change does change the page
