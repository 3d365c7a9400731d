"""Derived state on model objects built in code: impacts, overall status, uptime."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clarion.derive import derive_state, maintenance_state
from clarion.derive.stats import compute_stats
from clarion.derive.status import overall_status
from clarion.derive.timeline import impact_intervals, impact_snapshots
from clarion.derive.uptime import component_uptime
from clarion.model import Impact, Incident, Kind, Severity, Stage, Update, Window

UTC = UTC
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def upd(
    minutes: int, stage: Stage, impact: dict[str, Impact] | None = None, position: int = 0
) -> Update:
    return Update(
        at=T0 + timedelta(minutes=minutes),
        stage=stage,
        body="",
        impact=impact,
        line=1,
        position=position,
    )


def incident(updates, components=None, slug="x", **kw) -> Incident:
    updates = tuple(
        Update(at=u.at, stage=u.stage, body=u.body, impact=u.impact, line=u.line, position=n)
        for n, u in enumerate(updates)
    )
    return Incident(
        slug=slug,
        kind=kw.pop("kind", Kind.INCIDENT),
        title=kw.pop("title", "T"),
        severity=kw.pop("severity", Severity.SEV1),
        components=components if components is not None else {"api": Impact.MAJOR_OUTAGE},
        updates=updates,
        declared_at=kw.pop("declared_at", T0),
        **kw,
    )


def test_impact_line_changes_only_named_components():
    item = incident(
        [
            upd(0, Stage.INVESTIGATING),
            upd(30, Stage.IDENTIFIED, {"api": Impact.DEGRADED_PERFORMANCE}),
            upd(60, Stage.RESOLVED),
        ],
        components={"api": Impact.MAJOR_OUTAGE, "web": Impact.PARTIAL_OUTAGE},
    )
    snaps = impact_snapshots(item)
    assert [dict(s.impacts) for s in snaps] == [
        {"api": Impact.MAJOR_OUTAGE, "web": Impact.PARTIAL_OUTAGE},
        {"api": Impact.DEGRADED_PERFORMANCE, "web": Impact.PARTIAL_OUTAGE},
        {"api": Impact.OPERATIONAL, "web": Impact.OPERATIONAL},
    ]
    assert [s.at - T0 for s in snaps] == [
        timedelta(0),
        timedelta(minutes=30),
        timedelta(minutes=60),
    ]


def test_resolved_update_with_impact_line_keeps_that_impact():
    item = incident(
        [upd(0, Stage.INVESTIGATING), upd(60, Stage.RESOLVED, {"api": Impact.DEGRADED_PERFORMANCE})]
    )
    assert dict(impact_snapshots(item)[-1].impacts) == {"api": Impact.DEGRADED_PERFORMANCE}


def test_reopening_restores_the_impact_before_resolution():
    item = incident(
        [
            upd(0, Stage.INVESTIGATING),
            upd(60, Stage.RESOLVED),
            upd(90, Stage.INVESTIGATING),
            upd(120, Stage.RESOLVED),
        ]
    )
    intervals = impact_intervals(item)
    assert [(i.start - T0, i.end - T0, i.impact) for i in intervals] == [
        (timedelta(0), timedelta(minutes=60), Impact.MAJOR_OUTAGE),
        (timedelta(minutes=90), timedelta(minutes=120), Impact.MAJOR_OUTAGE),
    ]
    assert item.reopened
    assert item.resolved_at == T0 + timedelta(minutes=120)


def test_unresolved_incident_interval_is_open():
    item = incident([upd(0, Stage.INVESTIGATING)])
    (interval,) = impact_intervals(item)
    assert interval.end is None
    assert item.resolved_at is None and not item.is_closed


def test_postmortem_does_not_reopen():
    item = incident(
        [upd(0, Stage.INVESTIGATING), upd(60, Stage.RESOLVED), upd(600, Stage.POSTMORTEM)]
    )
    assert item.resolved_at == T0 + timedelta(minutes=60)
    assert not item.reopened
    assert item.status is Stage.RESOLVED


def maintenance(start_min, end_min, updates=(), slug="m"):
    return incident(
        updates,
        components={"api": Impact.UNDER_MAINTENANCE},
        slug=slug,
        kind=Kind.MAINTENANCE,
        severity=None,
        declared_at=None,
        window=Window(start=T0 + timedelta(minutes=start_min), end=T0 + timedelta(minutes=end_min)),
    )


def test_maintenance_states_and_early_completion():
    item = maintenance(
        60, 180, [upd(0, Stage.SCHEDULED), upd(60, Stage.IN_PROGRESS), upd(120, Stage.COMPLETED)]
    )
    (interval,) = impact_intervals(item)
    assert (interval.start - T0, interval.end - T0) == (
        timedelta(minutes=60),
        timedelta(minutes=120),
    )
    assert maintenance_state(item, T0) == "past"  # completed
    upcoming = maintenance(60, 180, [upd(0, Stage.SCHEDULED)])
    assert maintenance_state(upcoming, T0) == "upcoming"
    assert maintenance_state(upcoming, T0 + timedelta(minutes=90)) == "active"
    assert maintenance_state(upcoming, T0 + timedelta(minutes=180)) == "past"


def test_cancelled_maintenance_has_no_impact():
    item = maintenance(60, 180, [upd(0, Stage.SCHEDULED), upd(30, Stage.CANCELLED)])
    assert impact_intervals(item) == []


@pytest.mark.parametrize(
    "impacts, active, expected",
    [
        ({"a": Impact.OPERATIONAL}, False, ("none", "All Systems Operational")),
        ({"a": Impact.DEGRADED_PERFORMANCE}, True, ("minor", "Partially Degraded Service")),
        (
            {"a": Impact.PARTIAL_OUTAGE, "b": Impact.DEGRADED_PERFORMANCE},
            True,
            ("major", "Partial System Outage"),
        ),
        (
            {"a": Impact.MAJOR_OUTAGE, "b": Impact.UNDER_MAINTENANCE},
            True,
            ("critical", "Major System Outage"),
        ),
        ({"a": Impact.UNDER_MAINTENANCE}, False, ("maintenance", "Service Under Maintenance")),
        ({"a": Impact.OPERATIONAL}, True, ("minor", "Minor Service Outage")),
    ],
)
def test_overall_indicator(impacts, active, expected):
    overall = overall_status(impacts, [object()] if active else [])
    assert (overall.indicator, overall.description) == expected


class TestUptime:
    zone = ZoneInfo("UTC")
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def day(self, result, d: date):
        return next(x for x in result.days if x.day == d)

    def test_weighting_major_partial_degraded(self):
        # 60 min major (60 down) + 100 min partial (30 down) + 300 min degraded (0) on 20 Nov
        item = incident(
            [
                upd(0, Stage.INVESTIGATING),
                upd(60, Stage.IDENTIFIED, {"api": Impact.PARTIAL_OUTAGE}),
                upd(160, Stage.MONITORING, {"api": Impact.DEGRADED_PERFORMANCE}),
                upd(460, Stage.RESOLVED),
            ]
        )
        result = component_uptime("api", impact_intervals(item), self.now, self.zone)
        day = self.day(result, date(2026, 11, 20))
        assert day.down_minutes == pytest.approx(90)
        assert day.up_ratio == pytest.approx(1 - 90 / 1440)
        assert day.worst is Impact.MAJOR_OUTAGE
        assert day.incidents == (item,)
        assert self.day(result, date(2026, 11, 21)).up_ratio == 1
        total_minutes = 89 * 1440  # whole days only: today has no figure yet
        assert result.up_ratio == pytest.approx(1 - 90 / total_minutes)
        assert len(result.days) == 90 and result.days[-1].day == date(2026, 11, 27)

    def test_overlapping_incidents_count_the_worst_once(self):
        a = incident([upd(0, Stage.INVESTIGATING), upd(120, Stage.RESOLVED)], slug="a")
        b = incident(
            [upd(60, Stage.INVESTIGATING), upd(180, Stage.RESOLVED)],
            components={"api": Impact.PARTIAL_OUTAGE},
            slug="b",
            declared_at=T0 + timedelta(minutes=60),
        )
        result = component_uptime(
            "api", impact_intervals(a) + impact_intervals(b), self.now, self.zone
        )
        # 0-120 major (120), 120-180 partial (60 * 0.3 = 18)
        assert self.day(result, date(2026, 11, 20)).down_minutes == pytest.approx(138)

    def test_outage_across_midnight_in_the_site_zone(self):
        start = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
        item = incident(
            [
                Update(
                    at=start, stage=Stage.INVESTIGATING, body="", impact=None, line=1, position=0
                ),
                Update(
                    at=start + timedelta(hours=1),
                    stage=Stage.RESOLVED,
                    body="",
                    impact=None,
                    line=1,
                    position=1,
                ),
            ],
            declared_at=start,
        )
        result = component_uptime(
            "api", impact_intervals(item), self.now, ZoneInfo("Europe/Berlin")
        )
        assert self.day(result, date(2026, 11, 20)).down_minutes == pytest.approx(30)
        assert self.day(result, date(2026, 11, 21)).down_minutes == pytest.approx(30)

    def test_maintenance_counts_as_up(self):
        item = maintenance(0, 120, [upd(0, Stage.IN_PROGRESS)])
        result = component_uptime("api", impact_intervals(item), self.now, self.zone)
        day = self.day(result, date(2026, 11, 20))
        assert day.down_minutes == 0 and day.up_ratio == 1
        assert day.worst is Impact.UNDER_MAINTENANCE
        assert day.incidents == ()

    def test_today_shows_its_worst_impact_and_no_figure_that_grows_with_the_minute(self):
        start = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
        item = incident(
            [Update(at=start, stage=Stage.INVESTIGATING, body="", impact=None, line=1, position=0)],
            declared_at=start,
        )
        results = [
            component_uptime("api", impact_intervals(item), moment, self.zone)
            for moment in (self.now, self.now + timedelta(hours=5))
        ]
        assert results[0] == results[1]
        today = results[0].days[-1]
        assert today.today and today.up_ratio is None
        assert today.worst is Impact.MAJOR_OUTAGE and today.incidents == (item,)
        assert results[0].up_ratio == 1


def _down_all_day(day: date, zone: ZoneInfo, impact: Impact = Impact.MAJOR_OUTAGE):
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    updates = [
        Update(at=start, stage=Stage.INVESTIGATING, body="", impact=None, line=1, position=0),
        Update(at=end, stage=Stage.RESOLVED, body="", impact=None, line=2, position=1),
    ]
    return incident(updates, declared_at=start, components={"api": impact}), end - start


# Both daylight-saving changes of 2026 in three zones; Lord Howe shifts by 30 minutes.
DST_DAYS = [
    ("Europe/Berlin", date(2026, 3, 29), 23 * 60),
    ("Europe/Berlin", date(2026, 10, 25), 25 * 60),
    ("America/New_York", date(2026, 3, 8), 23 * 60),
    ("America/New_York", date(2026, 11, 1), 25 * 60),
    ("Australia/Lord_Howe", date(2026, 4, 5), 24 * 60 + 30),
    ("Australia/Lord_Howe", date(2026, 10, 4), 23 * 60 + 30),
]


@pytest.mark.parametrize(("zone_name", "day", "minutes"), DST_DAYS)
def test_a_component_down_all_of_a_daylight_saving_day_has_no_uptime(zone_name, day, minutes):
    zone = ZoneInfo(zone_name)
    item, length = _down_all_day(day, zone)
    assert length == timedelta(minutes=minutes)
    now = datetime.combine(day + timedelta(days=3), time(12), zone)
    result = component_uptime("api", impact_intervals(item), now, zone)
    bar = next(d for d in result.days if d.day == day)
    assert bar.up_ratio == 0 and bar.down_minutes == pytest.approx(minutes)
    before = next(d for d in result.days if d.day == day - timedelta(days=1))
    after = next(d for d in result.days if d.day == day + timedelta(days=1))
    assert before.up_ratio == 1 and after.up_ratio == 1 and after.incidents == ()
    whole = sum((datetime.combine(d.day + timedelta(days=1), time(), zone).astimezone(UTC)
                 - datetime.combine(d.day, time(), zone).astimezone(UTC)).total_seconds() / 60
                for d in result.days[:-1])  # fmt: skip
    assert result.up_ratio == pytest.approx(1 - minutes / whole)


@pytest.mark.parametrize(("zone_name", "day", "minutes"), DST_DAYS)
def test_the_metrics_use_the_pages_uptime_on_daylight_saving_days(zone_name, day, minutes):
    zone = ZoneInfo(zone_name)
    item, _ = _down_all_day(day, zone, Impact.PARTIAL_OUTAGE)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    stats = compute_stats(
        [item],
        now=end + timedelta(days=1),
        zone=zone,
        components=["api"],
        since=start,
        until=end,
        postmortem_within=timedelta(hours=48),
    )
    assert stats.component("api").uptime == pytest.approx(0.7)
    page = component_uptime("api", impact_intervals(item), end + timedelta(days=1), zone)
    assert next(d for d in page.days if d.day == day).up_ratio == pytest.approx(0.7)


def test_derive_state_excludes_private_incidents(load):
    files = {
        "updates/a.md": (
            "---\ntitle: Public\nseverity: SEV2\ncomponents: {api: "
            "partial_outage}\n---\n## 2026-11-27 10:00 UTC · Investigating\nx\n"
        ),
        "updates/b.md": (
            "---\ntitle: Secret\nseverity: SEV2\npublic: false\ncomponents: {web: "
            "major_outage}\n---\n## 2026-11-27 10:00 UTC · Investigating\nx\n"
        ),
    }
    config, site = load(files)
    state = derive_state(config, site.incidents, datetime(2026, 11, 27, 12, tzinfo=UTC))
    assert [i.slug for i in state.incidents] == ["a"]
    assert state.component_status == {"api": Impact.PARTIAL_OUTAGE, "web": Impact.OPERATIONAL}
    assert state.overall.indicator == "major"
    assert [i.slug for i in state.active_incidents] == ["a"]
