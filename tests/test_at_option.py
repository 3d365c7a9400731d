"""``--at`` in the forms typed while back-filling during an incident."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from clarion.cli import main
from clarion.cli.when import parse_at
from clarion.load.schema import TimeError

NOW = datetime(2026, 11, 29, 21, 40, tzinfo=UTC)  # 22:40 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", "2026-11-29T21:40"),
        ("NOW", "2026-11-29T21:40"),
        ("22:30", "2026-11-29T21:30"),  # today, in the site's zone
        ("7:05", "2026-11-29T06:05"),
        ("-10m", "2026-11-29T21:30"),
        ("- 1h 30m", "2026-11-29T20:10"),
        ("10 min ago", "2026-11-29T21:30"),
        ("2 hours ago", "2026-11-29T19:40"),
        ("1h15m ago", "2026-11-29T20:25"),
        ("2026-11-20 15:05", "2026-11-20T14:05"),
        ("2026-11-20T14:05Z", "2026-11-20T14:05"),
        ("2026-11-20 15:05 Europe/Berlin", "2026-11-20T14:05"),
    ],
)
def test_at_forms(text, expected):
    assert parse_at(text, NOW, BERLIN).astimezone(UTC).strftime("%Y-%m-%dT%H:%M") == expected


@pytest.mark.parametrize("text", ["25:00", "10 parsecs ago", "-10", "yesterday", "12:7"])
def test_unreadable_at_forms(text):
    with pytest.raises(TimeError):
        parse_at(text, NOW, BERLIN)


def test_the_commands_echo_the_absolute_time_they_wrote(site_factory):
    root = site_factory()
    new = CliRunner().invoke(
        main,
        ["new", "incident", "API errors", "-s", "SEV2", "-c", "api=partial_outage",
         "--at", "22:05", "--source", str(root), "--now", "2026-11-29T21:40:00Z"],
    )  # fmt: skip
    assert new.exit_code == 0, new.output
    assert "--at 22:05: 2026-11-29 21:05 UTC (22:05 Europe/Berlin)" in new.stderr
    update = CliRunner().invoke(
        main,
        ["update", "api-errors", "identified", "Found it.", "--at", "10 min ago",
         "--source", str(root), "--now", "2026-11-29T21:40:00Z"],
    )  # fmt: skip
    assert update.exit_code == 0, update.output
    assert "--at 10 min ago: 2026-11-29 21:30 UTC (22:30 Europe/Berlin)" in update.stderr
    text = (root / "updates/2026-11-29-api-errors.md").read_text()
    assert "## 2026-11-29 21:05 UTC · Investigating" in text
    assert "## 2026-11-29 21:30 UTC · Identified" in text
    bad = CliRunner().invoke(
        main, ["update", "api-errors", "monitoring", "x", "--at", "ages ago", "--source", str(root)]
    )
    assert bad.exit_code == 2 and "HH:MM" in bad.stderr
