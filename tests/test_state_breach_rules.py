"""US state breach-notification clocks, each due time worked out by hand from
the statute's words (quoted in the rulebook) before running Clarion."""

from __future__ import annotations

import pytest

from clarion.rules import Calendar, shipped_rules
from clarion.rules.duration import Duration
from clarion.rules.sources import primary_domain

from .test_deadlines import (
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

LOS_ANGELES, CHICAGO = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/Chicago")
BOOK = {rule.id: rule for rule in shipped_rules()}


def due(rule, now, zone=NEW_YORK, *notices, affected=None, **clocks):
    item = incident(breach=breach((rule,), affected=affected, **clocks))
    return one(run(item, *notices, now=now, zone=zone), rule)


@pytest.mark.parametrize(
    ("rule", "clock", "at", "expected"),
    [
        # Cal. Civ. Code 1798.82(a)(2)(A) (SB 446): "within 30 calendar days of
        # discovery or notification": 20 Oct 2026 10:00 PDT -> 19 Nov 10:00 PST
        # (summer time ended 1 Nov) = 18:00 UTC.
        ("us-ca-residents", "discovered", "2026-10-20T17:00:00Z", "2026-11-19T18:00:00Z"),
        # Tenn. Code 47-18-2107(b): "no later than forty-five (45) days from the
        # discovery": 3 Aug 10:00 EDT -> 17 Sep 10:00 EDT.
        ("us-tn-residents", "discovered", "2026-08-03T14:00:00Z", "2026-09-17T14:00:00Z"),
        # Ind. Code 24-4.9-3-3(a): every disclosure under the chapter, the
        # attorney general's included, "not more than forty-five (45) days after
        # the discovery of the breach".
        ("us-in-attorney-general", "discovered", "2026-08-03T14:00:00Z", "2026-09-17T14:00:00Z"),
        # Md. Com. Law 14-3504(b)(3), (h): the attorney general before the
        # residents, who are due "not later than 45 days after the business
        # discovers or is notified".
        ("us-md-attorney-general", "discovered", "2026-08-03T14:00:00Z", "2026-09-17T14:00:00Z"),
        # ORS 646A.604(2)(a): a vendor tells the covered entity "not later than
        # 10 days after discovering the breach of security".
        ("us-or-vendor", "discovered", "2026-03-05T18:00:00Z", "2026-03-15T17:00:00Z"),
        # Ala. Code 8-38-8: a third-party agent tells the covered entity "no later
        # than 10 days following the determination of the breach".
        ("us-al-third-party-agent", "determined", "2026-06-01T15:00:00Z", "2026-06-11T15:00:00Z"),
    ],
)
def test_state_periods_from_the_statute_text(rule, clock, at, expected):
    # ORS row: 5 Mar 13:00 EST + 10 days = 15 Mar 13:00 EDT (summer time began
    # 8 Mar) = 17:00 UTC: calendar days keep the wall-clock time.
    zone = LOS_ANGELES if rule.startswith("us-ca-") else NEW_YORK
    o = due(rule, at, zone, **{clock: at})
    assert o.due_at == t(expected), (rule, o.due_at)


def test_louisiana_attorney_general_runs_ten_days_from_the_residents_notice():
    # LAC 16:III.701(B): "Notice to the attorney general shall be timely if
    # received within 10 days of distribution of notice to Louisiana citizens."
    # Discovered 20 Feb; residents notified Mon 2 Mar 2026 10:00 EST: due
    # 12 Mar 10:00 EDT (summer time began 8 Mar) = 14:00 UTC, not 60 days
    # from discovery.
    rule = "us-la-attorney-general"
    before = due(rule, "2026-03-01T00:00:00Z", discovered="2026-02-20T15:00:00Z")
    assert (before.state, before.due_at) == (CLOCK_NOT_STARTED, None)
    sent = notice("us-la-residents", "2026-03-02T15:00:00Z")
    o = due(rule, "2026-03-03T00:00:00Z", NEW_YORK, sent, discovered="2026-02-20T15:00:00Z")
    assert (o.state, o.due_at) == (DUE, t("2026-03-12T14:00:00Z"))


def test_california_attorney_general_15_days_after_residents_and_more_than_500():
    # 1798.82(f) (SB 446): a sample copy "within 15 calendar days of notifying
    # affected consumers" when "more than 500 California residents" are
    # notified. Residents notified 16 Nov 2026 10:00 PST: due 1 Dec 10:00 PST.
    rule = "us-ca-attorney-general"
    sent = notice("us-ca-residents", "2026-11-16T18:00:00Z")

    def ca(count):
        affected = {"US-CA": count, "total": 4000}
        return due(rule, "2026-11-17T00:00:00Z", LOS_ANGELES, sent, affected=affected,
                   discovered="2026-11-02T18:00:00Z")  # fmt: skip

    assert ca(500).state is NOT_REQUIRED
    over = ca(501)
    assert (over.state, over.due_at) == (DUE, t("2026-12-01T18:00:00Z"))


def test_iowa_attorney_general_five_business_days_after_the_consumer_notice():
    # Iowa Code 715C.2(8): "within five business days after giving notice of the
    # breach of security to any consumer", more than 500 Iowa residents.
    # Consumers notified Thu 4 Jun 2026 09:00 CDT: Fri 5, Mon 8, Tue 9, Wed 10,
    # Thu 11 Jun = day 5, 09:00 CDT = 14:00 UTC.
    rule = "us-ia-attorney-general"
    sent = notice("us-ia-residents", "2026-06-04T14:00:00Z")

    def ia(count):
        affected = {"US-IA": count, "total": 900}
        return due(rule, "2026-06-05T00:00:00Z", CHICAGO, sent, affected=affected,
                   discovered="2026-05-20T14:00:00Z")  # fmt: skip

    assert ia(500).state is NOT_REQUIRED
    over = ia(501)
    assert (over.state, over.due_at) == (DUE, t("2026-06-11T14:00:00Z"))
    assert "skipped Sat 06 Jun, Sun 07 Jun" in over.detail


def test_oklahoma_attorney_general_60_days_after_residents_from_500():
    # 24 O.S. 163 (SB 626): "500 or more" Oklahoma residents; no more than 60
    # days after notifying them. Notified 2 Feb 2026 10:00 EST: 3 Apr 10:00 EDT.
    rule = "us-ok-attorney-general"
    sent = notice("us-ok-residents", "2026-02-02T15:00:00Z")

    def ok(count):
        affected = {"US-OK": count, "total": 800}
        return due(rule, "2026-02-03T00:00:00Z", NEW_YORK, sent, affected=affected,
                   discovered="2026-01-20T15:00:00Z")  # fmt: skip

    assert ok(499).state is NOT_REQUIRED
    at = ok(500)
    assert (at.state, at.due_at) == (DUE, t("2026-04-03T14:00:00Z"))


def test_arkansas_attorney_general_counts_individuals_more_than_1000():
    # Ark. Code 4-110-105(b)(2): "more than one thousand (1,000) individuals";
    # within 45 days of determining a reasonable likelihood of harm:
    # 1 May 2026 10:00 EDT -> 15 Jun 10:00 EDT.
    rule = "us-ar-attorney-general"

    def ar(total):
        return due(rule, "2026-05-02T00:00:00Z", affected={"US-AR": 10, "total": total},
                   determined="2026-05-01T14:00:00Z")  # fmt: skip

    assert ar(1000).state is NOT_REQUIRED
    over = ar(1001)
    assert (over.state, over.due_at) == (DUE, t("2026-06-15T14:00:00Z"))


@pytest.mark.parametrize(
    ("rule", "count_key", "count"),
    [
        # R.I. Gen. Laws 11-49.3-4(a)(2)(ii): "without delaying notice to affected
        # Rhode Island residents"; SDCL 22-40-20: "shall disclose to the attorney
        # general" with no period. Neither sets a number of days.
        ("us-ri-attorney-general", "US-RI", 501),
        ("us-sd-attorney-general", "US-SD", 251),
    ],
)
def test_attorney_general_notices_the_text_gives_no_period(rule, count_key, count):
    assert BOOK[rule].deadline is None and BOOK[rule].calendar is None
    o = due(rule, "2026-05-02T00:00:00Z", affected={count_key: count, "total": 3000},
            discovered="2026-05-01T14:00:00Z", determined="2026-05-01T14:00:00Z")  # fmt: skip
    assert o.due_at is None


def test_vermont_preliminary_notice_goes_to_dfr_for_the_entities_it_regulates():
    # 9 V.S.A. 2435(b)(3)(A): an entity regulated by the Department of Financial
    # Regulation "shall provide notice of a breach to the Department".
    recipient = BOOK["us-vt-attorney-general-preliminary"].recipient
    assert "Department of Financial Regulation" in recipient


def test_rules_read_on_the_official_site_are_marked_verified():
    for rule, domain in [("us-vt-residents", "legislature.vermont.gov"),
                         ("us-la-attorney-general", "ag.state.la.us")]:  # fmt: skip
        primary = BOOK[rule].primary
        assert BOOK[rule].verified and primary is not None
        assert primary_domain(primary.url) == domain and primary.quote
    vt = BOOK["us-vt-residents"]
    assert (vt.deadline, vt.calendar) == (Duration(days=45), Calendar.CALENDAR_DAYS)


def test_every_state_rule_counts_its_threshold_in_its_own_state():
    # Per-jurisdiction thresholds: each state AG rule with a count counts that
    # state's residents, except Arkansas, whose text counts individuals.
    for rule in BOOK.values():
        state = rule.id.split("-")[1] if rule.id.startswith("us-") else ""
        if len(state) != 2 or rule.conditions.min_affected_count is None:
            continue
        expected = None if state == "ar" else f"US-{state.upper()}"  # None: the total
        assert rule.conditions.affected_in == expected, rule.id
