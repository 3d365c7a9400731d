"""maintenance.ics: parsed back with icalendar, event by event."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from tests.subscription_site import append_update, build_public, files

BASE = "https://status.test.example/"
UTC = UTC


def events(public: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical((public / "maintenance.ics").read_bytes())
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"].startswith("-//Clarion//")
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def site(site_factory) -> Path:
    return site_factory(files())


def test_one_event_per_maintenance_window(site):
    found = events(build_public(site))
    assert sorted(found) == [
        "Certificate rotation",
        "Database upgrade",
        "Load balancer replacement",
    ]
    upgrade = found["Database upgrade"]
    assert upgrade.decoded("DTSTART") == datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    assert upgrade.decoded("DTEND") == datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
    assert str(upgrade["UID"]) == "maintenance-2026-12-03-db-upgrade@status.test.example"
    assert str(upgrade["URL"]) == BASE + "maintenance/2026-12-03-db-upgrade/"
    assert str(upgrade["STATUS"]) == "CONFIRMED"
    assert upgrade["SEQUENCE"] == 1
    assert upgrade.decoded("DTSTAMP") == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert [str(c) for c in upgrade["CATEGORIES"].cats] == ["API"]
    description = str(upgrade["DESCRIPTION"])
    assert "Affects: API." in description and "read-only for up to ten minutes" in description
    assert BASE + "maintenance/2026-12-03-db-upgrade/" in description


def test_cancelled_maintenance_is_cancelled(site):
    cancelled = events(build_public(site))["Certificate rotation"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] == 2
    assert [str(c) for c in cancelled["CATEGORIES"].cats] == ["Website"]


def test_uid_stays_and_sequence_grows_with_each_update(site):
    before = events(build_public(site, out="one"))["Database upgrade"]
    append_update(
        site,
        "2026-12-03-db-upgrade",
        "## 2026-11-26 08:00 UTC · Scheduled\nThe window stays as planned.",
    )
    middle = events(build_public(site, out="two"))["Database upgrade"]
    append_update(
        site, "2026-12-03-db-upgrade", "## 2026-11-27 08:00 UTC · Cancelled\nCancelled after all."
    )
    after = events(build_public(site, out="three"))["Database upgrade"]
    assert before["UID"] == middle["UID"] == after["UID"]
    assert [before["SEQUENCE"], middle["SEQUENCE"], after["SEQUENCE"]] == [1, 2, 3]
    assert middle.decoded("DTSTAMP") == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert middle.decoded("LAST-MODIFIED") == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert str(after["STATUS"]) == "CANCELLED"


def test_updates_after_now_do_not_count(site):
    append_update(site, "2026-12-03-db-upgrade", "## 2026-12-03 02:00 UTC · In progress\nStarted.")
    upgrade = events(build_public(site))["Database upgrade"]
    assert upgrade["SEQUENCE"] == 1 and "Started." not in str(upgrade["DESCRIPTION"])


def test_private_items_and_incidents_stay_out(site):
    data = (build_public(site) / "maintenance.ics").read_bytes()
    assert b"Secret hush" not in data and b"classified" not in data
    assert b"Website loads slowly" not in data  # incidents are not calendar events


def test_calendar_is_deterministic(site):
    one = (build_public(site, out="one") / "maintenance.ics").read_bytes()
    two = (build_public(site, out="two") / "maintenance.ics").read_bytes()
    assert one == two
    assert b"\r\n" in one  # RFC 5545 line endings


def test_site_without_maintenance_has_a_valid_calendar_without_events(site_factory):
    """RFC 5545 wants at least one component: a UTC VTIMEZONE stands in."""
    public = build_public(site_factory())
    assert events(public) == {}
    calendar = icalendar.Calendar.from_ical((public / "maintenance.ics").read_bytes())
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE"]
    assert calendar.subcomponents[0]["TZID"] == "UTC"


def test_maintenance_calendar_has_no_zone_when_it_has_events(site):
    calendar = icalendar.Calendar.from_ical((build_public(site) / "maintenance.ics").read_bytes())
    assert {c.name for c in calendar.subcomponents} == {"VEVENT"}


SOURCE = Path(__file__).resolve().parent.parent / "src" / "clarion"


def test_one_icalendar_writer():
    # Both calendars come from render/ical.py, on the icalendar package; no other
    # module writes calendar lines by hand.
    by_hand = [
        p.relative_to(SOURCE).as_posix()
        for p in sorted(SOURCE.rglob("*.py"))
        if "BEGIN:VEVENT" in p.read_text(encoding="utf-8") or "VCALENDAR" in p.read_text()
    ]
    assert by_hand == []
    writers = [
        p.relative_to(SOURCE).as_posix()
        for p in sorted(SOURCE.rglob("*.py"))
        if ".to_ical(" in p.read_text(encoding="utf-8")
    ]
    assert writers == ["render/ical.py"]


def test_a_deadline_calendar_with_nothing_due_is_still_a_valid_calendar():
    from zoneinfo import ZoneInfo

    from clarion.derive.deadlines import DeadlineReport
    from clarion.render.ical import render_deadline_calendar

    report = DeadlineReport(
        now=datetime(2026, 11, 27, 12, tzinfo=UTC), zone=ZoneInfo("UTC"), obligations=()
    )
    data = render_deadline_calendar(report, title="Example", base_url="https://status.example/")
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar.subcomponents  # RFC 5545: at least one component
    assert str(calendar["X-WR-CALNAME"]) == "Example: deadlines (private)"
    assert data == render_deadline_calendar(
        report, title="Example", base_url="https://status.example/"
    )
