"""Deadline arithmetic and obligation states, on model objects built in code.

Each worked example is computed by hand from the rule's source (quoted in
the rulebook) and written out in the test, so a change to the arithmetic
shows up as a wrong date, not as a changed golden file.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clarion.derive.deadline_report import evaluate
from clarion.derive.deadlines import ObligationState, next_update_due
from clarion.documents import Notice
from clarion.model import Breach, Decision, Impact, Incident, Kind, Severity, Site, Stage, Update
from clarion.render.report import local_text
from clarion.rules import RuleBook, default_rulebook

UTC = UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MET, MET_LATE, DUE, OVERDUE = (
    ObligationState.MET,
    ObligationState.MET_LATE,
    ObligationState.DUE,
    ObligationState.OVERDUE,
)
NOT_REQUIRED, NO_DEADLINE = ObligationState.NOT_REQUIRED, ObligationState.NO_DEADLINE
CLOCK_NOT_STARTED = ObligationState.CLOCK_NOT_STARTED


def t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def update(at: str, stage: Stage, position: int = 0, line: int = 10) -> Update:
    return Update(at=t(at), stage=stage, body="text", impact=None, line=line, position=position)


def incident(
    slug: str = "2026-10-23-export",
    *,
    severity: Severity = Severity.SEV1,
    declared: str | None = None,
    updates: tuple[tuple[str, Stage], ...] = (),
    customers_affected: bool = False,
    breach: Breach | None = None,
    public: bool = True,
) -> Incident:
    return Incident(
        slug=slug,
        kind=Kind.INCIDENT,
        title="Exports went to the wrong account",
        severity=severity,
        components={"api": Impact.PARTIAL_OUTAGE},
        updates=tuple(update(at, stage, i, 20 + i * 4) for i, (at, stage) in enumerate(updates)),
        declared_at=t(declared) if declared else _declared(breach),
        customers_affected=customers_affected,
        public=public,
        breach=breach,
        source_path=f"updates/{slug}.md",
        lines={"declared": 5, "breach": 8},
    )


def _declared(breach: Breach | None) -> datetime:
    """Declared with the earliest breach clock, else 23 Oct 2026 10:00 UTC."""
    return min(breach.clocks.values()) if breach and breach.clocks else t("2026-10-23T10:00:00Z")


def breach(
    rules: tuple[str, ...],
    decisions: dict[str, Decision] | None = None,
    affected: int | dict[str, int] | None = None,
    **clocks: str,
) -> Breach:
    return Breach(
        clocks={name: t(value) for name, value in clocks.items()},
        affected=affected
        if isinstance(affected, dict)
        else {"total": affected}
        if affected
        else {},
        rules=rules,
        decisions=decisions or {},
        source_path="updates/2026-10-23-export.md",
        lines={name: 9 for name in clocks},
    )


def notice(
    rule: str, sent: str | None, slug: str = "2026-10-23-export", name: str | None = None
) -> Notice:
    return Notice(
        slug=slug,
        name=name or rule,
        rule=rule,
        to=("dpa",),
        sent_at=t(sent) if sent else None,
        source_path=f"comms/{slug}/{name or rule}.md",
    )


def only(rulebook: RuleBook, *ids: str) -> RuleBook:
    """The shipped rulebook with just ``ids`` on (practice rules off unless named)."""
    return RuleBook(tuple(replace(r, enabled=r.id in ids) for r in rulebook))


BOOK = default_rulebook()


def run(
    item: Incident,
    *notices: Notice,
    now: str,
    rules: tuple[str, ...] = (),
    zone: ZoneInfo = BERLIN,
    warn: timedelta | None = None,
):
    book = only(BOOK, *rules) if rules else only(BOOK)
    return evaluate(
        Site(incidents=(item,), notices=tuple(notices)), book, t(now), zone, warn_within=warn
    )


def one(report, rule: str):
    items = [o for o in report.obligations if o.rule.id == rule]
    assert len(items) == 1, [(o.rule.id, o.state) for o in report.obligations]
    return items[0]


# -- GDPR Art. 33: 72 hours, absolute, across the end of summer time -----------------


def test_gdpr_72_hours_run_through_the_eu_dst_change():
    # Aware Friday 23 Oct 2026 12:00 UTC (14:00 CEST). Summer time ends on
    # Sunday 25 Oct at 03:00 CEST. 72 h of absolute time: Monday 26 Oct 12:00
    # UTC, which Berlin clocks show as 13:00 CET (not 14:00: the hour came back).
    item = incident(breach=breach(("gdpr-art33-authority",), aware="2026-10-23T12:00:00Z"))
    report = run(item, now="2026-10-24T09:00:00Z")
    o = one(report, "gdpr-art33-authority")
    assert o.state is DUE
    assert o.due_at == t("2026-10-26T12:00:00Z")
    assert local_text(o.clock_at, BERLIN) == "2026-10-23 14:00 CEST"
    assert local_text(o.due_at, BERLIN) == "2026-10-26 13:00 CET"
    assert o.describe(report.now).startswith("2 d 3 h left; no notice yet")
    assert not o.detail.startswith("2 d")  # the stored detail never changes with the clock alone
    assert o.clock == "breach.aware"


def test_gdpr_met_met_late_and_overdue():
    item = incident(breach=breach(("gdpr-art33-authority",), aware="2026-10-23T12:00:00Z"))
    met = one(
        run(
            item, notice("gdpr-art33-authority", "2026-10-25T09:30:00Z"), now="2026-11-01T00:00:00Z"
        ),
        "gdpr-art33-authority",
    )
    assert (met.state, met.satisfied_at) == (MET, t("2026-10-25T09:30:00Z"))
    assert met.satisfied_by == "comms/2026-10-23-export/gdpr-art33-authority.md"
    assert met.detail == "1 d 2 h before the deadline"

    late = one(
        run(
            item, notice("gdpr-art33-authority", "2026-10-26T18:00:00Z"), now="2026-11-01T00:00:00Z"
        ),
        "gdpr-art33-authority",
    )
    assert late.state is MET_LATE
    assert late.detail == "6 h after the deadline"

    overdue = one(run(item, now="2026-10-26T13:30:00Z"), "gdpr-art33-authority")
    assert overdue.state is OVERDUE
    assert overdue.describe(t("2026-10-26T13:30:00Z")).startswith("overdue by 1 h 30 min; ")
    assert "comms/2026-10-23-export/gdpr-art33-authority.md" in overdue.detail  # how to fix it


def test_a_draft_notice_does_not_satisfy_and_is_named():
    item = incident(breach=breach(("gdpr-art33-authority",), aware="2026-10-23T12:00:00Z"))
    o = one(
        run(
            item,
            notice("gdpr-art33-authority", None, name="dpa-notice"),
            now="2026-10-24T12:00:00Z",
        ),
        "gdpr-art33-authority",
    )
    assert o.state is DUE
    assert "draft: comms/2026-10-23-export/dpa-notice.md" in o.detail
    assert o.location.path == "comms/2026-10-23-export/dpa-notice.md"


def test_a_notice_sent_after_now_is_not_yet_sent():
    item = incident(breach=breach(("gdpr-art33-authority",), aware="2026-10-23T12:00:00Z"))
    report = run(
        item, notice("gdpr-art33-authority", "2026-10-25T09:30:00Z"), now="2026-10-24T12:00:00Z"
    )
    assert one(report, "gdpr-art33-authority").state is DUE
    assert any("is after now" in w.message for w in report.lint)


def test_not_required_decision_shows_the_reason():
    decision = Decision(
        rule="gdpr-art33-authority",
        required=False,
        reason="Encrypted laptop; key not exposed.",
        decided_at=t("2026-10-24T09:00:00Z"),
        line=12,
    )
    item = incident(
        breach=breach(
            ("gdpr-art33-authority",),
            {"gdpr-art33-authority": decision},
            aware="2026-10-23T12:00:00Z",
        )
    )
    o = one(run(item, now="2026-11-30T00:00:00Z"), "gdpr-art33-authority")
    assert o.state is NOT_REQUIRED
    assert (
        o.detail
        == "not required: Encrypted laptop; key not exposed. (decided 2026-10-24 09:00 UTC)"
    )
    assert o.location.line == 12
    assert o.due_at is None


def test_missing_clock_is_reported_with_the_field_to_add():
    item = incident(breach=breach(("gdpr-art33-authority",), determined="2026-10-23T12:00:00Z"))
    o = one(run(item, now="2026-11-30T00:00:00Z"), "gdpr-art33-authority")
    assert o.state is CLOCK_NOT_STARTED
    assert o.detail.startswith("clock not started: add breach.aware to the breach: block")
    assert o.due_at is None


def test_no_fixed_period_is_no_deadline_until_sent():
    item = incident(breach=breach(("gdpr-art34-data-subjects",), aware="2026-10-23T12:00:00Z"))
    o = one(run(item, now="2026-10-25T12:00:00Z"), "gdpr-art34-data-subjects")
    assert o.state is NO_DEADLINE
    assert o.describe(t("2026-10-25T12:00:00Z")).startswith(
        "clock started 2 d ago; without undue delay (no fixed period)"
    )
    sent = one(
        run(
            item,
            notice("gdpr-art34-data-subjects", "2026-10-24T08:00:00Z"),
            now="2026-10-25T12:00:00Z",
        ),
        "gdpr-art34-data-subjects",
    )
    assert sent.state is MET


def test_regulatory_rules_need_a_breach_block_and_default_to_the_sites_rules():
    plain = incident(breach=None)
    assert [
        o.rule.id
        for o in run(plain, now="2026-10-24T00:00:00Z", rules=("gdpr-art33-authority",)).obligations
    ] == []
    site_rules = incident(breach=replace(breach((), aware="2026-10-23T12:00:00Z"), rules=None))
    report = run(site_rules, now="2026-10-24T00:00:00Z", rules=("gdpr-art33-authority",))
    assert [o.rule.id for o in report.obligations] == ["gdpr-art33-authority"]


# -- SEC Form 8-K Item 1.05: four business days -----------------------------------------


def test_sec_8k_four_business_days_across_thanksgiving_and_a_weekend():
    # Materiality determined Wednesday 25 Nov 2026, 10:00 New York time.
    # Thu 26 Nov is Thanksgiving (SEC closed), Sat 28 and Sun 29 are weekend:
    # day 1 Fri 27, day 2 Mon 30, day 3 Tue 1 Dec, day 4 Wed 2 Dec. EDGAR dates
    # filings after 17:30 Eastern to the next day, so 17:30 EST = 22:30 UTC.
    item = incident(
        breach=breach(("sec-8k-item-1-05",), materiality_determined="2026-11-25T15:00:00Z")
    )
    o = one(run(item, now="2026-11-30T12:00:00Z", zone=BERLIN), "sec-8k-item-1-05")
    assert o.due_at == t("2026-12-02T22:30:00Z")
    assert local_text(o.due_at, NEW_YORK) == "2026-12-02 17:30 EST"
    assert o.state is DUE


def test_sec_8k_day_zero_on_a_federal_holiday():
    # Determined on Friday 3 Jul 2026, the observed Independence Day holiday
    # (4 July is a Saturday): General Instruction B.1 starts the count on the
    # next business day, Monday 6 July = day 1, so day 4 is Thursday 9 July,
    # 17:30 EDT = 21:30 UTC.
    item = incident(
        breach=breach(("sec-8k-item-1-05",), materiality_determined="2026-07-03T14:00:00Z")
    )
    o = one(run(item, now="2026-07-10T12:00:00Z"), "sec-8k-item-1-05")
    assert o.due_at == t("2026-07-09T21:30:00Z")
    assert o.state is OVERDUE


def test_sec_8k_clock_is_the_new_york_date_not_the_utc_date():
    # 02:00 UTC on Wed 25 Nov is still Tuesday 24 Nov in New York: day 1 is
    # Wednesday 25, day 2 Friday 27 (Thanksgiving skipped), day 3 Mon 30,
    # day 4 Tue 1 Dec.
    item = incident(
        breach=breach(("sec-8k-item-1-05",), materiality_determined="2026-11-25T02:00:00Z")
    )
    o = one(run(item, now="2026-11-25T12:00:00Z"), "sec-8k-item-1-05")
    assert o.due_at == t("2026-12-01T22:30:00Z")


def test_lgpd_three_business_days_skip_a_brazilian_holiday():
    # Aware Friday 30 Oct 2026, 10:00 in Sao Paulo (13:00 UTC). Sat/Sun off,
    # Mon 2 Nov is Finados (All Souls' Day, national holiday): day 1 Tue 3,
    # day 2 Wed 4, day 3 Thu 5 Nov, same clock time: 13:00 UTC.
    item = incident(breach=breach(("lgpd-anpd-communication",), aware="2026-10-30T13:00:00Z"))
    o = one(run(item, now="2026-11-03T12:00:00Z"), "lgpd-anpd-communication")
    assert o.due_at == t("2026-11-05T13:00:00Z")


# -- NIS2 Art. 23: 24 h, 72 h, one month from the notification ----------------------------


NIS2 = ("nis2-art23-early-warning", "nis2-art23-incident-notification", "nis2-art23-final-report")


def test_nis2_early_warning_notification_and_final_report():
    item = incident(breach=breach(NIS2, aware="2026-03-10T08:00:00Z"))
    report = run(
        item, notice("nis2-art23-early-warning", "2026-03-10T20:00:00Z"), now="2026-03-12T09:00:00Z"
    )
    assert one(report, "nis2-art23-early-warning").due_at == t("2026-03-11T08:00:00Z")
    assert one(report, "nis2-art23-early-warning").state is MET
    assert one(report, "nis2-art23-incident-notification").due_at == t("2026-03-13T08:00:00Z")
    final = one(report, "nis2-art23-final-report")
    assert final.state is CLOCK_NOT_STARTED
    assert "when the nis2-art23-incident-notification notice is sent" in final.detail

    # The final report runs one month from the notification's actual sending:
    # sent Thu 12 Mar 2026 16:00 UTC = 17:00 CET; one month later is 12 Apr at
    # 17:00 on Berlin's wall clock, now CEST: 15:00 UTC.
    report = run(
        item,
        notice("nis2-art23-incident-notification", "2026-03-12T16:00:00Z"),
        now="2026-03-20T09:00:00Z",
    )
    final = one(report, "nis2-art23-final-report")
    assert final.clock_at == t("2026-03-12T16:00:00Z")
    assert final.due_at == t("2026-04-12T15:00:00Z")
    assert one(report, "nis2-art23-incident-notification").state is MET


def test_nis2_one_month_is_clamped_to_the_end_of_the_month():
    item = incident(breach=breach(NIS2, aware="2026-01-29T08:00:00Z"))
    report = run(
        item,
        notice("nis2-art23-incident-notification", "2026-01-31T10:00:00Z"),
        now="2026-02-01T00:00:00Z",
    )
    assert one(report, "nis2-art23-final-report").due_at == t("2026-02-28T10:00:00Z")


# -- DORA: 4 h after classification, capped at 24 h after awareness ------------------------


DORA = ("dora-initial-notification", "dora-intermediate-report", "dora-final-report")


@pytest.mark.parametrize(
    ("classified", "due", "note"),
    [
        # Classified 14 h after awareness: 4 h later is well inside the 24 h cap.
        ("2026-05-04T20:00:00Z", "2026-05-05T00:00:00Z", "within the 24 h outer limit"),
        # Classified 22 h after awareness: 4 h would pass the cap; the cap binds.
        ("2026-05-05T04:00:00Z", "2026-05-05T06:00:00Z", "capped at 24 h after breach.aware"),
        # Classified 27 h after awareness (RTS Art. 5(2)): 4 h from classification.
        ("2026-05-05T09:00:00Z", "2026-05-05T13:00:00Z", "came after the 24 h outer limit"),
    ],
)
def test_dora_initial_notification_two_clocks(classified, due, note):
    item = incident(breach=breach(DORA, aware="2026-05-04T06:00:00Z", classified_major=classified))
    o = one(run(item, now="2026-05-05T10:00:00Z"), "dora-initial-notification")
    assert o.due_at == t(due)
    assert note in o.detail


def test_dora_outer_limit_is_not_a_second_item_and_its_notice_counts():
    rules = ("dora-initial-notification-outer-limit",)
    item = incident(
        breach=breach(rules, aware="2026-05-04T06:00:00Z", classified_major="2026-05-04T20:00:00Z")
    )
    report = run(
        item,
        notice("dora-initial-notification-outer-limit", "2026-05-04T22:00:00Z"),
        now="2026-05-05T12:00:00Z",
    )
    assert [o.rule.id for o in report.obligations] == ["dora-initial-notification"]
    assert report.obligations[0].state is MET


def test_dora_unclassified_says_when_the_cap_would_fall():
    item = incident(breach=breach(DORA, aware="2026-05-04T06:00:00Z"))
    o = one(run(item, now="2026-05-04T12:00:00Z"), "dora-initial-notification")
    assert o.state is CLOCK_NOT_STARTED
    assert "add breach.classified_major" in o.detail
    assert "by 2026-05-05 06:00 UTC" in o.detail


def test_dora_intermediate_and_final_reports_chain_on_sent_times():
    item = incident(
        breach=breach(DORA, aware="2026-05-04T06:00:00Z", classified_major="2026-05-04T20:00:00Z")
    )
    notices = (
        notice("dora-initial-notification", "2026-05-04T23:00:00Z"),
        notice("dora-intermediate-report", "2026-05-06T10:00:00Z", name="intermediate-1"),
        notice("dora-intermediate-report", "2026-05-07T16:00:00Z", name="intermediate-2"),
    )
    report = run(item, *notices, now="2026-05-08T00:00:00Z")
    intermediate = one(report, "dora-intermediate-report")
    assert intermediate.due_at == t("2026-05-07T23:00:00Z")  # 72 h after the initial notification
    assert intermediate.state is MET  # the first intermediate report satisfies it
    final = one(report, "dora-final-report")
    # One month from the latest intermediate report: 7 May 18:00 CEST -> 7 June 18:00 CEST,
    # a Sunday: RTS Art. 5(4) relief (which Art. 5(5) never takes from a final
    # report) moves it to Monday 8 June 12:00 CEST.
    assert final.clock_at == t("2026-05-07T16:00:00Z")
    assert final.due_at == t("2026-06-08T10:00:00Z")


# -- HIPAA: 60 calendar days --------------------------------------------------------------


def test_hipaa_60_calendar_days_keep_the_wall_clock_across_us_dst():
    # Discovered Monday 2 Mar 2026, 10:00 EST (15:00 UTC). Sixty days later is
    # Friday 1 May, 10:00 on New York clocks, now EDT: 14:00 UTC.
    item = incident(
        breach=breach(
            ("hipaa-164-404-individuals",),
            aware="2026-03-02T15:00:00Z",
            discovered="2026-03-02T15:00:00Z",
        )
    )
    o = one(run(item, now="2026-04-01T00:00:00Z", zone=NEW_YORK), "hipaa-164-404-individuals")
    assert o.due_at == t("2026-05-01T14:00:00Z")
    assert local_text(o.due_at, NEW_YORK) == "2026-05-01 10:00 EDT"


def test_hipaa_thresholds_and_the_annual_log():
    rules = (
        "hipaa-164-406-media",
        "hipaa-164-408-secretary-500-plus",
        "hipaa-164-408-secretary-under-500",
    )
    small = incident(breach=breach(rules, affected=120, discovered="2027-05-01T15:00:00Z"))
    report = run(small, now="2028-01-15T00:00:00Z", zone=NEW_YORK)
    assert one(report, "hipaa-164-406-media").state is NOT_REQUIRED
    assert (
        one(report, "hipaa-164-406-media").detail
        == "condition not met: affected_count 120 is below 501, so no single US-* is above it"
    )
    annual = one(report, "hipaa-164-408-secretary-under-500")
    # 60 days after the end of 2027: 29 February 2028 (a leap year), end of day.
    assert local_text(annual.due_at, NEW_YORK) == "2028-02-29 23:59 EST"
    unknown = incident(breach=breach(rules, discovered="2027-05-01T15:00:00Z"))
    media = one(run(unknown, now="2027-05-02T00:00:00Z", zone=NEW_YORK), "hipaa-164-406-media")
    assert media.state is CLOCK_NOT_STARTED
    assert "unknown whether it applies (at least 501 affected in one US-*)" in media.detail
    assert "if it applies, due 2027-06-30 15:00 UTC" in media.detail


def test_singapore_three_days_after_the_day_of_assessment():
    # "no later than 3 calendar days after the day" of assessment: assessed on
    # Monday 1 Jun 2026 (Singapore), due by the end of Thursday 4 Jun there.
    item = incident(breach=breach(("sg-pdpa-pdpc",), assessed_notifiable="2026-06-01T02:00:00Z"))
    o = one(run(item, now="2026-06-02T00:00:00Z"), "sg-pdpa-pdpc")
    assert local_text(o.due_at, ZoneInfo("Asia/Singapore")) == "2026-06-04 23:59 +08"


# -- practice rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "updates", "late", "next_due"),
    [
        # SEV0, every 15 min: 10:10 (10 min after declaring) ok; 10:40 comes 30
        # min after 10:10, so 15 min late; next due 10:55.
        (Severity.SEV0, ("10:10", "10:40"), ["15 min late"], "10:55"),
        # SEV1, every 30 min: 10:25 ok, 10:50 ok, 11:40 is 20 min late.
        (Severity.SEV1, ("10:25", "10:50", "11:40"), ["20 min late"], "12:10"),
        # SEV2, every 2 h: 11:30 ok, 13:00 ok, next due 15:00.
        (Severity.SEV2, ("11:30", "13:00"), [], "15:00"),
    ],
)
def test_update_cadence_gaps_by_severity(severity, updates, late, next_due):
    stamps = tuple((f"2026-10-23T{hm}:00Z", Stage.INVESTIGATING) for hm in updates)
    item = incident(severity=severity, updates=stamps)
    report = run(item, now="2026-10-23T13:30:00Z", rules=("update-cadence",))
    items = [o for o in report.obligations if o.rule.id == "update-cadence"]
    assert [o.detail.split(":")[0] for o in items if o.state is MET_LATE] == late
    current = [o for o in items if o.key.endswith("/next")]
    assert len(current) == 1
    assert current[0].due_at == t(f"2026-10-23T{next_due}:00Z")
    assert current[0].state is (DUE if next_due == "15:00" else OVERDUE)
    assert (
        next_update_due(item, only(BOOK, "update-cadence"), t("2026-10-23T13:30:00Z")) == current[0]
    )


def test_cadence_met_when_every_gap_was_kept_and_stops_at_resolution():
    stamps = (
        ("2026-10-23T10:20:00Z", Stage.INVESTIGATING),
        ("2026-10-23T10:45:00Z", Stage.MONITORING),
        ("2026-10-23T11:15:00Z", Stage.RESOLVED),
        ("2026-10-24T09:00:00Z", Stage.POSTMORTEM),
    )
    item = incident(updates=stamps)
    items = [
        o for o in run(item, now="2026-10-25T00:00:00Z", rules=("update-cadence",)).obligations
    ]
    assert [(o.state, o.detail) for o in items] == [
        (MET, "3 public updates, every gap within 30 min")
    ]


def test_cadence_restarts_when_an_incident_is_reopened():
    stamps = (
        ("2026-10-23T10:20:00Z", Stage.INVESTIGATING),
        ("2026-10-23T10:40:00Z", Stage.RESOLVED),
        ("2026-10-23T14:00:00Z", Stage.INVESTIGATING),
    )
    item = incident(updates=stamps)
    report = run(item, now="2026-10-23T14:10:00Z", rules=("update-cadence",))
    (current,) = report.obligations
    assert (current.state, current.due_at) == (DUE, t("2026-10-23T14:30:00Z"))
    assert "after the reopening at 14:00 UTC" in current.detail
    assert [w.message for w in report.lint] == [
        "the incident was reopened by this investigating update after it was resolved"
    ]


def test_customer_emails_for_sev0_sev1_with_customers_affected_only():
    stamps = (
        ("2026-10-23T10:20:00Z", Stage.INVESTIGATING),
        ("2026-10-23T12:00:00Z", Stage.RESOLVED),
    )
    rules = ("customer-ack", "customer-resolution")
    owed = incident(updates=stamps, customers_affected=True)
    report = run(
        owed,
        notice("customer-ack", "2026-10-23T10:50:00Z"),
        now="2026-10-23T13:00:00Z",
        rules=rules,
    )
    assert one(report, "customer-ack").state is MET
    assert one(report, "customer-ack").due_at == t("2026-10-23T11:00:00Z")
    resolution = one(report, "customer-resolution")
    assert (resolution.state, resolution.due_at) == (DUE, t("2026-10-24T12:00:00Z"))
    assert (
        run(
            replace(owed, severity=Severity.SEV2), now="2026-10-23T13:00:00Z", rules=rules
        ).obligations
        == ()
    )
    assert (
        run(
            replace(owed, customers_affected=False), now="2026-10-23T13:00:00Z", rules=rules
        ).obligations
        == ()
    )


def test_customer_resolution_waits_for_the_resolution():
    item = incident(
        updates=(("2026-10-23T10:20:00Z", Stage.INVESTIGATING),), customers_affected=True
    )
    o = one(
        run(item, now="2026-10-23T13:00:00Z", rules=("customer-resolution",)), "customer-resolution"
    )
    assert (o.state, o.detail) == (CLOCK_NOT_STARTED, "clock starts when the incident is resolved")


def test_postmortem_within_48_hours_of_resolution():
    stamps = (
        ("2026-10-23T10:20:00Z", Stage.INVESTIGATING),
        ("2026-10-23T12:00:00Z", Stage.RESOLVED),
    )
    item = incident(updates=stamps)
    overdue = one(run(item, now="2026-10-25T13:00:00Z", rules=("postmortem",)), "postmortem")
    assert (overdue.state, overdue.due_at) == (OVERDUE, t("2026-10-25T12:00:00Z"))
    assert "add a '## <time> · Postmortem' update to updates/2026-10-23-export.md" in overdue.detail
    late = incident(updates=(*stamps, ("2026-10-26T09:00:00Z", Stage.POSTMORTEM)))
    met_late = one(run(late, now="2026-10-27T00:00:00Z", rules=("postmortem",)), "postmortem")
    assert met_late.state is MET_LATE
    assert met_late.satisfied_by == "updates/2026-10-23-export.md:28 (Postmortem update)"
    assert (
        run(
            replace(item, severity=Severity.SEV2), now="2026-10-27T00:00:00Z", rules=("postmortem",)
        ).obligations
        == ()
    )


def test_monitoring_soak_is_a_warning_not_an_obligation():
    short = incident(updates=(
        ("2026-10-23T10:20:00Z", Stage.IDENTIFIED),
        ("2026-10-23T10:40:00Z", Stage.MONITORING),
        ("2026-10-23T10:52:00Z", Stage.RESOLVED),
    ))  # fmt: skip
    report = run(short, now="2026-10-24T00:00:00Z", rules=("monitoring-soak",))
    assert report.obligations == ()
    (warning,) = report.lint
    assert warning.severity == "warning"
    assert warning.format().startswith(
        "updates/2026-10-23-export.md:28: warning: resolved "
        "12 min after monitoring began at 10:40 UTC "
        "(monitoring-soak: at least 30 min)"
    )
    soaked = replace(
        short, updates=(*short.updates[:2], update("2026-10-23T11:15:00Z", Stage.RESOLVED, 2))
    )
    assert run(soaked, now="2026-10-24T00:00:00Z", rules=("monitoring-soak",)).lint == ()


def test_warn_window_marks_items_due_soon():
    item = incident(breach=breach(("gdpr-art33-authority",), aware="2026-10-23T12:00:00Z"))
    report = run(item, now="2026-10-26T10:30:00Z", warn=timedelta(hours=2))
    assert [o.rule.id for o in report.due_soon] == ["gdpr-art33-authority"]
    assert run(item, now="2026-10-26T09:30:00Z", warn=timedelta(hours=2)).due_soon == ()
    assert run(item, now="2026-10-26T10:30:00Z").due_soon == ()


def test_report_sorts_by_what_needs_action_first():
    stamps = (
        ("2026-10-23T10:20:00Z", Stage.INVESTIGATING),
        ("2026-10-23T12:00:00Z", Stage.RESOLVED),
    )
    item = incident(
        declared="2026-10-23T10:20:00Z",  # before the customer-ack email of 10:30
        updates=stamps,
        customers_affected=True,
        breach=breach(
            ("gdpr-art33-authority", "gdpr-art34-data-subjects"), aware="2026-10-23T12:00:00Z"
        ),
    )
    report = evaluate(
        Site(incidents=(item,), notices=(notice("customer-ack", "2026-10-23T10:30:00Z"),)),
        default_rulebook(),
        t("2026-10-25T13:00:00Z"),
        BERLIN,
    )
    states = [o.state for o in report.obligations]
    assert states == sorted(states, key=lambda s: s.rank)
    assert states[0] is OVERDUE  # the postmortem
    assert report.counts[MET] >= 1


def test_dora_weekend_relief_with_the_member_states_holidays():
    # RTS Art. 5(4): a deadline on a weekend or bank holiday may be met by
    # 12:00 of the next working day. Intermediate report: initial notification
    # sent Wed 6 May 2026 09:00 UTC, + 72 h = Sat 9 May 09:00 UTC. With the
    # relief and German holidays: Monday 11 May, 12:00 CEST = 10:00 UTC.
    from clarion.rules.calendars import parse_holidays

    book = only(BOOK, *DORA)
    relieved = RuleBook(
        tuple(
            replace(r, weekend_relief=True, holidays=parse_holidays("DE"))
            if r.id == "dora-intermediate-report"
            else r
            for r in book
        )
    )
    not_excluded = replace(
        breach(DORA, aware="2026-05-06T01:00:00Z", classified_major="2026-05-06T05:00:00Z"),
        facts={"dora_relief_excluded": False},  # not an entity RTS Art. 5(5) excludes
    )
    item = incident(breach=not_excluded)
    site = Site(
        incidents=(item,), notices=(notice("dora-initial-notification", "2026-05-06T09:00:00Z"),)
    )
    plain_book = RuleBook(tuple(replace(r, weekend_relief=False) for r in book))
    plain = one(
        evaluate(site, plain_book, t("2026-05-08T00:00:00Z"), BERLIN), "dora-intermediate-report"
    )
    assert plain.due_at == t("2026-05-09T09:00:00Z")
    relief = one(
        evaluate(site, relieved, t("2026-05-08T00:00:00Z"), BERLIN), "dora-intermediate-report"
    )
    assert relief.due_at == t("2026-05-11T10:00:00Z")
