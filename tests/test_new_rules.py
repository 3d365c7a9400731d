"""Worked examples for each kind of rule added for a global SaaS company:
each due time computed by hand from the rule's text (cited in the rulebook)
before running Clarion."""

from __future__ import annotations

import pytest

from .test_deadlines import (
    BERLIN,
    CLOCK_NOT_STARTED,
    DUE,
    NEW_YORK,
    NOT_REQUIRED,
    ZoneInfo,
    breach,
    incident,
    notice,
    one,
    run,
    t,
)

SYDNEY, SINGAPORE = ZoneInfo("Australia/Sydney"), ZoneInfo("Asia/Singapore")


def due(rule: str, now: str, zone=BERLIN, *notices, affected=None, **clocks):
    item = incident(breach=breach((rule,), affected=affected, **clocks))
    return one(run(item, *notices, now=now, zone=zone), rule)


@pytest.mark.parametrize(
    ("rule", "clock", "at", "expected"),
    [
        # CRA Art. 14(2)(a)/(b): 24 h and 72 h from awareness, absolute hours.
        (
            "cra-art14-vulnerability-early-warning",
            "aware",
            "2026-10-05T09:00:00Z",
            "2026-10-06T09:00:00Z",
        ),
        (
            "cra-art14-vulnerability-notification",
            "aware",
            "2026-10-05T09:00:00Z",
            "2026-10-08T09:00:00Z",
        ),
        # CRA Art. 14(2)(c): 14 days after a corrective measure is available:
        # 20 Oct 16:00 CEST + 14 days = 3 Nov 16:00 CET (summer time ended 25 Oct) = 15:00 UTC.
        (
            "cra-art14-vulnerability-final-report",
            "mitigation_available",
            "2026-10-20T14:00:00Z",
            "2026-11-03T15:00:00Z",
        ),
        # AI Act Art. 73(2)-(4): 15, 2 and 10 days from awareness (Berlin wall clock).
        ("ai-act-art73-serious-incident", "aware", "2026-09-01T10:00:00Z", "2026-09-16T10:00:00Z"),
        ("ai-act-art73-widespread", "aware", "2026-09-01T10:00:00Z", "2026-09-03T10:00:00Z"),
        ("ai-act-art73-death", "aware", "2026-09-01T10:00:00Z", "2026-09-11T10:00:00Z"),
        # UK NIS reg 11(3)(b): 72 h.
        ("uk-nis-reg11-oes", "aware", "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z"),
        # Swiss ISA Art. 74e: 24 h from discovery.
        ("ch-isa-cyberattack-ncsc", "discovered", "2026-04-03T18:00:00Z", "2026-04-04T18:00:00Z"),
        # APPI final report: 30 days (60 for an unlawful purpose) in Tokyo:
        # 1 Jul 2026 18:00 JST + 30 days = 31 Jul 18:00 JST = 09:00 UTC.
        ("jp-appi-final-report", "aware", "2026-07-01T09:00:00Z", "2026-07-31T09:00:00Z"),
        ("jp-appi-final-report-unlawful", "aware", "2026-07-01T09:00:00Z", "2026-08-30T09:00:00Z"),
        # PIPA: 72 h to data subjects.
        ("kr-pipa-data-subjects", "aware", "2026-05-04T00:00:00Z", "2026-05-07T00:00:00Z"),
        # China: 4 h (1 h for a CIIO) from discovery.
        ("cn-cac-incident-4h", "discovered", "2026-11-02T03:00:00Z", "2026-11-02T07:00:00Z"),
        ("cn-cac-ciio-1h", "discovered", "2026-11-02T03:00:00Z", "2026-11-02T04:00:00Z"),
        # India DPDP Rules r 7(2)(b): 72 h to the Board.
        ("in-dpdp-board-report", "aware", "2026-11-14T05:30:00Z", "2026-11-17T05:30:00Z"),
        # SOCI s 30BC: 12 h; s 30BD: 72 h.
        ("au-soci-30bc-critical", "aware", "2026-06-01T22:00:00Z", "2026-06-02T10:00:00Z"),
        ("au-soci-30bd-other", "aware", "2026-06-01T22:00:00Z", "2026-06-04T22:00:00Z"),
        # CPS 234 para 35: 72 h.
        ("au-apra-cps234-incident", "aware", "2026-06-05T07:00:00Z", "2026-06-08T07:00:00Z"),
        # MAS: 1 h; root-cause report 14 days (2 Mar 09:30 SGT -> 16 Mar 09:30 SGT).
        ("sg-mas-trm-incident", "discovered", "2026-03-02T01:30:00Z", "2026-03-02T02:30:00Z"),
        ("sg-mas-trm-root-cause", "discovered", "2026-03-02T01:30:00Z", "2026-03-16T01:30:00Z"),
        # OSFI: 24 h.
        ("ca-osfi-incident", "determined", "2026-01-09T21:00:00Z", "2026-01-10T21:00:00Z"),
        # FTC HBNR 318.4(a): 60 calendar days, New York wall clock across the
        # DST change: 10 Feb 12:00 EST -> 11 Apr 12:00 EDT = 16:00 UTC.
        ("us-ftc-hbnr-individuals", "discovered", "2026-02-10T17:00:00Z", "2026-04-11T16:00:00Z"),
        # Reg S-P 248.30(a)(4)(iii): 30 days: 15 Jan 10:00 EST -> 14 Feb 10:00 EST.
        ("us-sec-reg-sp-individuals", "aware", "2026-01-15T15:00:00Z", "2026-02-14T15:00:00Z"),
        ("us-sec-reg-sp-service-provider", "aware", "2026-01-15T15:00:00Z", "2026-01-18T15:00:00Z"),
        # DFARS 7012: 72 h from discovery, straight through a weekend and the
        # US DST change (8 Mar): Fri 6 Mar 20:00 UTC -> Mon 9 Mar 20:00 UTC.
        ("us-dfars-7012-dod", "discovered", "2026-03-06T20:00:00Z", "2026-03-09T20:00:00Z"),
        # Maine 10 M.R.S. 1348: 30 days after becoming aware.
        ("us-me-residents", "aware", "2026-08-03T14:00:00Z", "2026-09-02T14:00:00Z"),
        # Ohio 1349.19(B)(2): 45 days from discovery.
        ("us-oh-residents", "discovered", "2026-08-03T14:00:00Z", "2026-09-17T14:00:00Z"),
    ],
)
def test_due_times_from_the_rule_text(rule, clock, at, expected):
    o = due(rule, now=at, zone=NEW_YORK if rule.startswith("us-") else BERLIN, **{clock: at})
    assert o.due_at == t(expected), (rule, o.due_at)


def test_cra_incident_final_report_runs_a_month_from_the_notification():
    # CRA Art. 14(4)(c): one month after the incident notification, sent
    # 7 Oct 2026 14:00 CEST -> 7 Nov 14:00 CET = 13:00 UTC.
    rule = "cra-art14-incident-final-report"
    sent = notice("cra-art14-incident-notification", "2026-10-07T12:00:00Z")
    item = incident(breach=breach((rule,), aware="2026-10-06T12:00:00Z"))
    o = one(run(item, sent, now="2026-10-20T00:00:00Z"), rule)
    assert o.due_at == t("2026-11-07T13:00:00Z")


def test_cps_234_control_weakness_counts_australian_business_days():
    # CPS 234 para 36: 10 business days after becoming aware of a material
    # control weakness, Thu 4 Jun 2026 10:00 AEST (00:00 UTC): Fri 5, Mon 8 ...
    # Thu 18 Jun is day 10, 10:00 AEST = 00:00 UTC.
    o = due("au-apra-cps234-control-weakness", "2026-06-05T00:00:00Z", SYDNEY,
            weakness_identified="2026-06-04T00:00:00Z")  # fmt: skip
    assert o.due_at == t("2026-06-18T00:00:00Z")
    assert "skipped Sat 06 Jun, Sun 07 Jun, Sat 13 Jun, Sun 14 Jun" in o.detail


def test_fcc_cpni_seven_business_days_skip_thanksgiving():
    # 47 CFR 64.2011(a): no later than seven business days after reasonable
    # determination, Wed 18 Nov 2026 10:00 EST: Thu 19, Fri 20, Mon 23, Tue 24,
    # Wed 25, (Thanksgiving Thu 26), Fri 27, Mon 30 Nov = day 7, 15:00 UTC.
    o = due("us-fcc-cpni-law-enforcement", "2026-11-19T00:00:00Z", NEW_YORK,
            determined="2026-11-18T15:00:00Z")  # fmt: skip
    assert o.due_at == t("2026-11-30T15:00:00Z")


def test_vermont_preliminary_notice_skips_town_meeting_day():
    # 9 V.S.A. 2435(b)(3): within 14 business days of discovery, Mon 23 Feb 2026
    # 10:00 EST. Vermont's Town Meeting Day, Tue 3 Mar, is a state holiday:
    # day 14 is Mon 16 Mar, 10:00 EDT = 14:00 UTC.
    o = due("us-vt-attorney-general-preliminary", "2026-02-24T00:00:00Z", NEW_YORK,
            discovered="2026-02-23T15:00:00Z")  # fmt: skip
    assert o.due_at == t("2026-03-16T14:00:00Z")
    assert "Tue 03 Mar (Town Meeting Day)" in o.detail


@pytest.mark.parametrize(
    ("rule", "count_key", "at_limit", "one_over", "clock"),
    [
        # A.R.S. 18-552: the attorney general when more than 1,000 Arizona residents.
        ("us-az-attorney-general", "US-AZ", 1000, 1001, "determined"),
        # FTC HBNR 318.5(c): 500 or more individuals: at 499 not, at 500 yes.
        ("us-ftc-hbnr-ftc", "total", 499, 500, "discovered"),
        # Safeguards 314.4(j): at least 500 consumers.
        ("us-ftc-safeguards-notification-event", "total", 499, 500, "discovered"),
    ],
)
def test_thresholds_at_and_one_over_the_limit(rule, count_key, at_limit, one_over, clock):
    def state(count):
        affected = {count_key: count, "total": max(count, 5000 if count_key != "total" else count)}
        return due(rule, "2026-05-02T00:00:00Z", NEW_YORK, affected=affected,
                   **{clock: "2026-05-01T14:00:00Z"}).state  # fmt: skip

    assert (state(at_limit), state(one_over)) == (NOT_REQUIRED, DUE)


def test_a_new_fact_free_rule_without_a_period_waits_for_its_notice():
    # FADP Art. 24(1): "as soon as possible": no fixed period.
    o = due("ch-fadp-art24-fdpic", "2026-05-02T00:00:00Z", aware="2026-05-01T14:00:00Z")
    assert o.due_at is None and "without undue delay" in o.detail
    # The CRA final report waits for its optional clock.
    o = due(
        "cra-art14-vulnerability-final-report", "2026-05-02T00:00:00Z", aware="2026-05-01T14:00:00Z"
    )
    assert o.state is CLOCK_NOT_STARTED and "breach.mitigation_available" in o.detail
