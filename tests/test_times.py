"""The report's times (clarion.render.times), cut from ``isoformat``, are
what ``strftime`` writes, for every moment and zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.render.times import iso_utc, local_text, utc_text


class _Unnamed(tzinfo):
    """A zone without a name for its times (``%Z`` writes nothing)."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=-3, minutes=-30)

    def tzname(self, dt: datetime | None) -> None:
        return None

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)


ZONES = st.sampled_from(
    [
        UTC,
        ZoneInfo("UTC"),
        ZoneInfo("Europe/Berlin"),
        ZoneInfo("America/St_Johns"),
        ZoneInfo("Asia/Kathmandu"),
        ZoneInfo("Pacific/Chatham"),
        timezone(timedelta(hours=5, minutes=45)),
        timezone(timedelta(hours=-1), "100% odd"),
        _Unnamed(),
    ]
)
MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES
)


@settings(max_examples=1500, deadline=None)
@given(MOMENTS, ZONES)
def test_times_are_what_strftime_writes(moment: datetime, zone: tzinfo) -> None:
    utc = moment.astimezone(UTC)
    assert utc_text(moment) == utc.strftime("%Y-%m-%d %H:%M")
    assert iso_utc(moment) == utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        local = moment.astimezone(zone)
    except OverflowError:
        return
    assert local_text(moment, zone) == local.strftime("%Y-%m-%d %H:%M %Z")  # type: ignore[arg-type]


@pytest.mark.parametrize("year", [1, 9, 99, 999, 1000, 2026, 9999])
def test_every_year_is_written_as_strftime_writes_it(year: int) -> None:
    moment = datetime(year, 6, 15, 7, 5, 9, 123456, tzinfo=UTC)
    zone = ZoneInfo("Europe/Berlin")
    assert utc_text(moment) == moment.strftime("%Y-%m-%d %H:%M")
    assert iso_utc(moment) == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert local_text(moment, zone) == moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    assert utc_text(None) == local_text(None, zone) == "" and iso_utc(None) is None
