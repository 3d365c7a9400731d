"""US federal rules (and New York DFS) held against the text in effect: each
expected value worked out by hand from the section the rulebook cites."""

from __future__ import annotations

from clarion.rules import shipped_rules
from clarion.rules.sources import primary_domain

from .test_deadlines import CLOCK_NOT_STARTED, NEW_YORK, breach, incident, notice, one, run, t

BOOK = {rule.id: rule for rule in shipped_rules()}
FCC = ("us-fcc-cpni-law-enforcement", "us-fcc-cpni-customers")


def test_fcc_cpni_report_goes_to_the_usss_and_fbi_under_the_text_in_effect():
    # 47 CFR 64.2011(b) (eCFR): "...shall electronically notify the United States
    # Secret Service (USSS) and the Federal Bureau of Investigation (FBI)". The
    # 2023 amendments that add the Commission are delayed indefinitely.
    rule = BOOK["us-fcc-cpni-law-enforcement"]
    assert rule.verified and primary_domain(rule.primary.url) == "ecfr.gov"
    assert "seven (7) business days, after reasonable determination" in rule.primary.quote
    assert rule.recipient.startswith("U.S. Secret Service and FBI")
    assert not rule.recipient.startswith("FCC")


def test_fcc_cpni_customer_notice_waits_for_law_enforcement_and_has_no_outer_limit():
    # 64.2011(a)-(b)(1): customers only after law enforcement has been notified,
    # and no outer limit in the text in effect: determined Wed 18 Nov 2026.
    item = incident(breach=breach(FCC, determined="2026-11-18T15:00:00Z"))
    before = one(run(item, now="2026-11-19T00:00:00Z", zone=NEW_YORK), FCC[1])
    assert before.state is CLOCK_NOT_STARTED
    sent = notice(FCC[0], "2026-11-20T15:00:00Z")
    after = one(run(item, sent, now="2026-11-21T00:00:00Z", zone=NEW_YORK), FCC[1])
    assert after.due_at is None
    assert not BOOK[FCC[1]].verified  # 64.2011(c) itself was not read


def test_safeguards_notification_event_runs_thirty_days_across_the_end_of_dst():
    # 16 CFR 314.4(j)(1): no later than 30 days after discovery, Tue 20 Oct 2026
    # 10:00 EDT -> Thu 19 Nov 10:00 EST = 15:00 UTC (wall clock kept).
    rule = "us-ftc-safeguards-notification-event"
    item = incident(breach=breach((rule,), affected=500, discovered="2026-10-20T14:00:00Z"))
    assert one(run(item, now="2026-10-21T00:00:00Z", zone=NEW_YORK), rule).due_at == t(
        "2026-11-19T15:00:00Z"
    )


def test_nydfs_extortion_payment_notice_and_explanation():
    # 23 NYCRR 500.17(c): notice within 24 hours of the payment, explanation
    # within 30 days: paid Fri 20 Feb 2026 10:00 EST -> Sat 21 Feb 15:00 UTC and
    # Sun 22 Mar 10:00 EDT = 14:00 UTC.
    rules = (
        "nydfs-500-17c-extortion-payment-notice",
        "nydfs-500-17c-extortion-payment-explanation",
    )
    item = incident(breach=breach(rules, ransom_paid="2026-02-20T15:00:00Z"))
    report = run(item, now="2026-02-20T16:00:00Z", zone=NEW_YORK)
    assert one(report, rules[0]).due_at == t("2026-02-21T15:00:00Z")
    assert one(report, rules[1]).due_at == t("2026-03-22T14:00:00Z")


def test_every_us_federal_rule_says_what_was_read():
    prefixes = ("hipaa-", "sec-", "nydfs-", "circia-", "us-fcc-", "us-ftc-", "us-sec-reg-sp-",
                "us-dfars-")  # fmt: skip
    rules = [r for r in shipped_rules() if r.id.startswith(prefixes)]
    assert len(rules) >= 21
    unread = [r.id for r in rules if r.primary is None or not r.primary.read]
    assert unread == [], "say in primary.read what was read, or that the text was not found"
