"""Incident metrics on hand-built incidents with known answers: missing times,
open and reopened incidents, maintenance, private incidents, windows,
targets; ``[metrics]`` settings; and ``clarion stats`` in its three formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from clarion.cli import main
from clarion.config import MetricTargets, load_config
from clarion.derive.incident_facts import Durations, incident_facts
from clarion.derive.metric_targets import evaluate_targets
from clarion.derive.stats import compute_stats, months_back
from clarion.errors import ContentErrors
from clarion.model import Impact, Incident, Kind, Severity, Stage, Update, Window
from clarion.reports.metrics import postmortem_window
from tests.conftest import MINIMAL_TOML

UTC = UTC
T = datetime(2026, 10, 1, tzinfo=UTC)
NOW = T + timedelta(days=60)
MIN, HOUR, DAY = 60, 3600, 86400
#: The shipped postmortem rule's period (the example site keeps it).
POSTMORTEM = postmortem_window(load_config(Path(__file__).resolve().parents[1]))
REPO = Path(__file__).resolve().parents[1]


def at(seconds: float) -> datetime:
    return T + timedelta(seconds=seconds)


def make(
    slug,
    severity,
    components,
    updates,
    *,
    detected=None,
    acknowledged=None,
    declared=None,
    public=True,
    kind=Kind.INCIDENT,
    window=None,
):
    built = tuple(
        Update(at=at(s), stage=stage, body=body, impact=None, line=10 + 3 * n, position=n)
        for n, (s, stage, body) in enumerate(updates)
    )
    return Incident(
        slug=slug,
        kind=kind,
        title=slug,
        severity=severity,
        components=components,
        updates=built,
        detected_at=None if detected is None else at(detected),
        acknowledged_at=None if acknowledged is None else at(acknowledged),
        declared_at=None if declared is None else at(declared),
        public=public,
        window=window,
        source_path=f"updates/{slug}.md",
    )


# A: SEV1 with every time; resolved after 70 min; postmortem a day later with two items.
A = make(
    "a",
    Severity.SEV1,
    {"api": Impact.MAJOR_OUTAGE},
    [
        (15 * MIN, Stage.INVESTIGATING, ""),
        (70 * MIN, Stage.RESOLVED, ""),
        (
            70 * MIN + DAY,
            Stage.POSTMORTEM,
            "- [x] Roll back — @ops\n- [ ] Add a canary — @deploy, due 2026-10-05",
        ),
    ],
    detected=0,
    acknowledged=4 * MIN,
    declared=10 * MIN,
)
# B: SEV1 without detected (acknowledged alone is useless); MTTR from declared; no postmortem.
B = make(
    "b", Severity.SEV1, {"api": Impact.PARTIAL_OUTAGE, "web": Impact.DEGRADED_PERFORMANCE},
    [(10 * DAY + 5 * MIN, Stage.INVESTIGATING, ""), (10 * DAY + 2 * HOUR, Stage.RESOLVED, "")],
    acknowledged=10 * DAY + 2 * MIN, declared=10 * DAY,
)  # fmt: skip
# C: SEV2, still open.
C = make(
    "c", Severity.SEV2, {"web": Impact.PARTIAL_OUTAGE},
    [(20 * DAY + 25 * MIN, Stage.INVESTIGATING, "")],
    detected=20 * DAY, acknowledged=20 * DAY + 10 * MIN, declared=20 * DAY + 20 * MIN,
)  # fmt: skip
# D: maintenance: never counted.
D = make(
    "d",
    None,
    {"api": Impact.UNDER_MAINTENANCE},
    [
        (4 * DAY, Stage.SCHEDULED, ""),
        (5 * DAY, Stage.IN_PROGRESS, ""),
        (5 * DAY + HOUR, Stage.COMPLETED, ""),
    ],
    kind=Kind.MAINTENANCE,
    window=Window(start=at(5 * DAY), end=at(5 * DAY + 2 * HOUR)),
)
# E: SEV3, public: false, no acknowledged; MTTR from detected.
E = make(
    "e", Severity.SEV3, {"api": Impact.DEGRADED_PERFORMANCE},
    [(30 * DAY + 10 * MIN, Stage.INVESTIGATING, ""), (30 * DAY + HOUR, Stage.RESOLVED, "")],
    detected=30 * DAY - 5 * MIN, declared=30 * DAY, public=False,
)  # fmt: skip
# F: SEV0, reopened, finally resolved after 90 min; postmortem 50 h after that (late).
F = make(
    "f", Severity.SEV0, {"api": Impact.MAJOR_OUTAGE},
    [(40 * DAY + 5 * MIN, Stage.INVESTIGATING, ""), (40 * DAY + 30 * MIN, Stage.RESOLVED, ""),
     (40 * DAY + 45 * MIN, Stage.INVESTIGATING, ""), (40 * DAY + 90 * MIN, Stage.RESOLVED, ""),
     (40 * DAY + 90 * MIN + 50 * HOUR, Stage.POSTMORTEM, "Review.")],
    detected=40 * DAY, acknowledged=40 * DAY + MIN, declared=40 * DAY + 3 * MIN,
)  # fmt: skip
ALL = (A, B, C, D, E, F)


def stats(**kw):
    kw.setdefault("now", NOW)
    kw.setdefault("zone", ZoneInfo("UTC"))
    kw.setdefault("components", ("api", "web"))
    kw.setdefault("postmortem_within", POSTMORTEM)
    return compute_stats(ALL, **kw)


def test_per_incident_times():
    a = incident_facts(A, NOW, postmortem_within=POSTMORTEM)
    assert (a.mtta, a.time_to_declare, a.time_to_first_update, a.mttr) == (240, 600, 300, 4200)
    assert a.postmortem == "in_time"
    b = incident_facts(B, NOW, postmortem_within=POSTMORTEM)
    assert (b.mtta, b.time_to_declare, b.time_to_first_update, b.mttr) == (None, None, 300, 7200)
    assert b.postmortem == "missing"
    c = incident_facts(C, NOW, postmortem_within=POSTMORTEM)
    assert c.is_open and c.mttr is None and c.postmortem is None
    e = incident_facts(E, NOW, postmortem_within=POSTMORTEM)
    assert (e.mtta, e.time_to_declare, e.time_to_first_update, e.mttr) == (None, 300, None, 3900)
    f = incident_facts(F, NOW, postmortem_within=POSTMORTEM)
    assert f.mttr == 90 * MIN and f.postmortem == "late"


def test_overall_metrics_skip_missing_times_and_leave_out_maintenance():
    overall = stats().overall
    assert overall.incidents == 5 and overall.open == 1
    assert dict((s.value, n) for s, n in overall.by_severity.items()) == {
        "SEV0": 1,
        "SEV1": 2,
        "SEV2": 1,
        "SEV3": 1,
    }
    mtta = overall.durations["mtta"]
    assert (mtta.values, mtta.missing, mtta.mean, mtta.median) == ((60, 240, 600), 2, 300, 240)
    declare = overall.durations["time_to_declare"]
    assert (declare.values, declare.missing, declare.mean) == ((180, 300, 600, 1200), 1, 570)
    first = overall.durations["time_to_first_update"]
    assert (first.values, first.missing) == ((120, 300, 300, 300), 1)
    mttr = overall.durations["mttr"]
    assert (mttr.values, mttr.missing, mttr.mean, mttr.median) == (
        (3900, 4200, 5400, 7200),
        1,
        5175,
        4800,
    )
    assert overall.duration("mttr", Severity.SEV1).mean == 5700
    assert (
        overall.duration("mtta", Severity.SEV3).values == ()
        and overall.duration("mtta", Severity.SEV3).missing == 1
    )


def test_postmortem_share_counts_resolved_sev0_and_sev1():
    share = stats().overall.postmortems
    assert (share.hits, share.total, share.pending) == (1, 3, 0)
    # 30 h after B's resolution, B is still within the 48 h: pending, not missed.
    early = stats(now=at(10 * DAY + 2 * HOUR + 30 * HOUR))
    assert (
        early.overall.postmortems.hits,
        early.overall.postmortems.total,
        early.overall.postmortems.pending,
    ) == (1, 1, 1)
    # The period comes from the site's rulebook (here: 72 h makes F's review in time).
    longer = stats(postmortem_within=timedelta(hours=72)).overall.postmortems
    assert (longer.hits, longer.total) == (2, 3)


def test_mtbf_per_component_runs_from_resolution_to_next_start():
    result = stats()
    api = result.component("api")
    # A resolved at 70 min, B declared (no detected) at 10 d; B resolved 10 d 2 h,
    # E detected at 30 d - 5 min; E resolved 30 d 1 h, F detected at 40 d.
    assert api.mtbf.values == tuple(
        sorted((10 * DAY - 70 * MIN, 20 * DAY - 5 * MIN - 2 * HOUR, 10 * DAY - HOUR))
    )
    # web: B, then C (still open): one gap, then the series ends.
    assert result.component("web").mtbf.values == (10 * DAY - 2 * HOUR,)
    # Overall: A, B, C (open): C ends the series.
    assert result.overall.mtbf.values == (10 * DAY - 2 * HOUR, 10 * DAY - 70 * MIN)


def test_overlapping_incidents_merge_into_one_failure():
    g = make(
        "g",
        Severity.SEV2,
        {"api": Impact.MAJOR_OUTAGE},
        [(0, Stage.INVESTIGATING, ""), (2 * HOUR, Stage.RESOLVED, "")],
        declared=0,
    )
    h = make(
        "h",
        Severity.SEV2,
        {"api": Impact.MAJOR_OUTAGE},
        [(HOUR, Stage.INVESTIGATING, ""), (3 * HOUR, Stage.RESOLVED, "")],
        declared=HOUR,
    )
    i = make(
        "i",
        Severity.SEV2,
        {"api": Impact.MAJOR_OUTAGE},
        [(5 * HOUR, Stage.INVESTIGATING, ""), (6 * HOUR, Stage.RESOLVED, "")],
        declared=5 * HOUR,
    )
    result = compute_stats(
        [g, h, i], now=NOW, zone=UTC, components=["api"], postmortem_within=POSTMORTEM
    )
    assert result.overall.mtbf.values == (2 * HOUR,)
    assert result.component("api").mtbf.values == (2 * HOUR,)


def test_private_incidents_count_unless_left_out():
    assert stats(include_private=False).overall.incidents == 4
    assert stats(include_private=False).overall.durations["mttr"].values == (4200, 5400, 7200)


def test_window_by_start_and_now():
    october = stats(since=T, until=at(31 * DAY))  # A, B, C, E
    assert october.overall.incidents == 4
    assert [m.month.isoformat() for m in october.months] == ["2026-10-01"]
    # Facts after now are unknown: at 30 min after A's start, A is open.
    early = stats(now=at(30 * MIN))
    assert (
        early.overall.incidents == 1
        and early.overall.open == 1
        and early.overall.durations["mttr"].values == ()
    )
    # F was resolved, reopened, resolved: just after the reopening it is open again.
    reopened = stats(now=at(40 * DAY + 50 * MIN))
    assert reopened.overall.open == 2


def test_months_run_through_the_window_in_the_site_zone():
    berlin = ZoneInfo("Europe/Berlin")
    late = make(
        "late",
        Severity.SEV2,
        {"api": Impact.PARTIAL_OUTAGE},
        [(0, Stage.INVESTIGATING, "")],
        declared=0,
    )
    # 2026-10-31T23:30Z is 1 November 00:30 in Berlin.
    shifted = Incident(
        **{
            **late.__dict__,
            "declared_at": datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
            "updates": (
                Update(
                    at=datetime(2026, 10, 31, 23, 35, tzinfo=UTC),
                    stage=Stage.INVESTIGATING,
                    body="",
                    impact=None,
                    line=9,
                    position=0,
                ),
            ),
        }
    )
    result = compute_stats(
        [A, shifted], now=NOW, zone=berlin, components=("api",), postmortem_within=POSTMORTEM
    )
    assert [(m.month.isoformat(), m.total) for m in result.months] == [
        ("2026-10-01", 1),
        ("2026-11-01", 1),
    ]
    assert months_back(datetime(2026, 11, 27, 12, tzinfo=UTC), berlin, 12) == datetime(
        2025, 12, 1, tzinfo=berlin
    )


def test_counts_per_month_by_severity():
    result = stats()
    counts = {
        m.month.isoformat(): {s.value: n for s, n in m.by_severity.items() if n}
        for m in result.months
    }
    assert counts == {"2026-10-01": {"SEV1": 2, "SEV2": 1, "SEV3": 1}, "2026-11-01": {"SEV0": 1}}


def test_uptime_over_the_window_uses_statuspage_weights():
    result = stats(since=T)
    # api: A major 60 min (declared -> resolved), B partial 2 h at 0.3, F major 27 + 45 min
    # (reopened), E degraded and the maintenance count as up.
    down = 60 * MIN + 0.3 * 2 * HOUR + 72 * MIN
    assert result.component("api").uptime == pytest.approx(1 - down / (60 * DAY))
    # web: B degraded (up), C partial since 20 d 20 min, still open at now.
    assert result.component("web").uptime == pytest.approx(
        1 - 0.3 * (40 * DAY - 20 * MIN) / (60 * DAY)
    )


def test_action_items_in_the_scope():
    result = stats()
    items = result.overall.action_items
    assert (items.hits, items.total, result.overall.overdue_action_items) == (1, 2, 1)
    assert result.component("web").action_items.total == 0


def test_durations_summary():
    values = Durations.of([5, None, 1, 3, 2, 4, 6, 7, 8, 9, 10])
    assert (values.count, values.missing, values.mean, values.median, values.p90) == (
        10,
        1,
        5.5,
        5.5,
        9,
    )
    assert Durations().mean is None and Durations().p90 is None


def test_targets_against_the_scope():
    results = {
        (t.metric, t.severity): t for t in evaluate_targets(stats().overall, MetricTargets())
    }
    assert results[("mtta", "SEV1")].value == 240 and results[("mtta", "SEV1")].meets is True
    assert results[("mttr", "SEV1")].value == 5700 and results[("mttr", "SEV1")].meets is False
    assert (
        results[("action_item_completion", None)].value == 0.5
        and results[("action_item_completion", None)].meets is False
    )
    assert results[("mtbf", None)].meets is False  # about 10 days between any two incidents


# -- [metrics] in site.toml -------------------------------------------------------------


def test_metrics_settings_and_targets_parse(site_factory):
    toml = (
        MINIMAL_TOML
        + """
[metrics]
public = true
months = 6
overdue_action_items = "error"

[metrics.targets]
mtta = "PT10M"
mttr = { SEV0 = "30m", P1 = "2h" }
mtbf = false
action_item_completion = "80%"
postmortem_share = 1.0
"""
    )
    metrics = load_config(site_factory(toml=toml)).metrics
    assert (metrics.public, metrics.months, metrics.overdue_action_items) == (True, 6, "error")
    t = metrics.targets
    assert t.durations == {
        "mtta": {"all": timedelta(minutes=10)},
        "mttr": {"SEV0": timedelta(minutes=30), "SEV1": timedelta(hours=2)},
    }
    assert (t.mtbf, t.action_item_completion, t.postmortem_share) == (None, 0.8, 1.0)


def test_metrics_defaults(site_factory):
    metrics = load_config(site_factory()).metrics
    assert (metrics.public, metrics.months, metrics.overdue_action_items) == (False, 12, "warning")
    assert metrics.targets == MetricTargets()
    assert metrics.targets.durations == {
        "mtta": {"SEV1": timedelta(minutes=5)},
        "mttr": {"SEV1": timedelta(hours=1)},
    }


def test_bad_metrics_settings_are_all_reported(site_factory):
    toml = (
        MINIMAL_TOML
        + """
[metrics]
publc = true

[metrics.targets]
mtta = { SEV9 = "5m" }
mtbf = "P1M"
action_item_completion = 90
"""
    )
    with pytest.raises(ContentErrors) as caught:
        load_config(site_factory(toml=toml))
    text = caught.value.format()
    assert "unknown key 'publc' in [metrics]" in text and "did you mean 'public'?" in text
    assert "metrics.targets.mtta: unknown severity 'SEV9'" in text
    assert "metrics.targets.mtbf: P1M has months" in text
    assert "metrics.targets.action_item_completion: got 90" in text
    assert len(caught.value.errors) == 4


# -- clarion stats -----------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(main, ["stats", "--source", str(REPO), *args])


def test_stats_text_on_the_example_site():
    result = run()
    assert result.exit_code == 0, result.output
    assert (
        "16 incidents (1 SEV0, 4 SEV1, 7 SEV2, 4 SEV3); 1 open; 1 action item overdue."
        in result.output
    )
    assert "MTTA (SEV1)        3 min 45 s  ≤ 5 min  met" in result.output
    assert "Action items done  40%         ≥ 90%    missed  15 items" in result.output


def test_stats_json_has_every_number():
    data = json.loads(run("--format", "json").output)
    assert data["overall"]["incidents"] == 16
    assert data["overall"]["action_items"] == {"done": 6, "total": 15, "ratio": 0.4, "overdue": 1}
    assert data["overall"]["mtta"]["count"] == 12 and data["overall"]["mtta"]["missing"] == 4
    assert data["overall"]["postmortems"] == {"in_time": 3, "total": 4, "pending": 1, "ratio": 0.75}
    assert [c["component"] for c in data["components"]][:2] == ["api", "dashboard"]
    assert data["window"]["postmortem_within_seconds"] == 48 * HOUR
    overdue = [i for i in data["action_items"] if i["overdue"]]
    assert [(i["incident"], i["owner"], i["due"]) for i in overdue] == [
        ("2026-10-14-api-and-dashboard-outage", "team-deploy", "2026-11-15")
    ]


def test_stats_csv_is_long_format():
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv").output)))
    by_key = {(r["scope"], r["severity"], r["metric"]): r for r in rows}
    assert by_key[("all", "all", "incidents")]["count"] == "16"
    assert by_key[("all", "SEV1", "mtta")]["mean_seconds"] == "225"
    assert (
        by_key[("all", "SEV1", "mtta")]["target"] == "300"
        and by_key[("all", "SEV1", "mtta")]["meets"] == "true"
    )
    assert by_key[("all", "all", "action_item_completion")]["ratio"] == "0.4"
    assert by_key[("month:2026-11", "SEV1", "incidents")]["count"] == "4"
    assert by_key[("api", "all", "uptime")]["ratio"]


def test_stats_window_component_and_private_options():
    data = json.loads(
        run(
            "--format", "json", "--since", "2026-11", "--until", "2026-11", "--component", "api"
        ).output
    )
    assert data["overall"]["component"] == "api" and data["overall"]["incidents"] == 2
    assert (
        data["window"]["since"] == "2026-10-31T23:00:00Z"
        and data["window"]["until"] == "2026-11-27T12:00:00Z"
    )
    assert json.loads(run("--format", "json", "--public-only").output)["overall"]["incidents"] == 15


def test_stats_usage_errors():
    result = run("--component", "apii")
    assert (
        result.exit_code == 2 and "unknown component 'apii'; did you mean 'api'?" in result.output
    )
    result = run("--since", "last week")
    assert result.exit_code == 2 and "--since: cannot read 'last week'" in result.output
    result = run("--since", "2026-11", "--until", "2026-10")
    assert result.exit_code == 2 and "--until must be after --since" in result.output


def test_stats_on_a_site_without_incidents(site_factory):
    root = site_factory()
    result = CliRunner().invoke(
        main, ["stats", "--source", str(root), "--now", "2026-11-27T12:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    assert "no incidents before" in result.output and "0 incidents" in result.output
