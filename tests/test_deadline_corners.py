"""Corner cases regulators test, each worked by hand from the rule's text
before running Clarion (the rule's quote is in the rulebook; the arithmetic
is written out here so a change shows up as a wrong date)."""

from __future__ import annotations

from datetime import UTC

from clarion.derive.deadline_report import evaluate
from clarion.model import Site, Stage

from .test_deadlines import (
    BERLIN,
    BOOK,
    CLOCK_NOT_STARTED,
    DUE,
    MET,
    NEW_YORK,
    NOT_REQUIRED,
    OVERDUE,
    breach,
    incident,
    notice,
    one,
    only,
    run,
    t,
)

assert UTC

# -- a notice counts only for a clock that had started when it was sent ------------------

REOPENED = (
    ("2026-10-23T10:20:00Z", Stage.INVESTIGATING),
    ("2026-10-23T12:00:00Z", Stage.RESOLVED),
    ("2026-10-23T14:00:00Z", Stage.IDENTIFIED),  # reopened
    ("2026-10-23T16:00:00Z", Stage.RESOLVED),
)


def test_resolution_email_sent_before_a_reopening_does_not_count_for_the_second_resolution():
    # customer-resolution: 24 h from the incident's resolved time, which after
    # the reopening is 16:00 UTC on 23 Oct: due 24 Oct 16:00 UTC. The email of
    # 12:30 answered the first resolution; at 17:00 on 24 Oct the second is overdue.
    item = incident(updates=REOPENED, customers_affected=True)
    early = notice("customer-resolution", "2026-10-23T12:30:00Z")
    o = one(run(item, early, now="2026-10-24T17:00:00Z", rules=("customer-resolution",)),
            "customer-resolution")  # fmt: skip
    assert (o.state, o.due_at) == (OVERDUE, t("2026-10-24T16:00:00Z"))
    assert o.satisfied_by is None
    assert (
        "comms/2026-10-23-export/customer-resolution.md was sent 2026-10-23 12:30 UTC, "
        "before the clock started (2026-10-23 16:00 UTC): it does not count" in o.detail
    )
    # Sent exactly when the clock started: it counts.
    on_time = notice("customer-resolution", "2026-10-23T16:00:00Z", name="second")
    o = one(run(item, early, on_time, now="2026-10-24T17:00:00Z", rules=("customer-resolution",)),
            "customer-resolution")  # fmt: skip
    assert (o.state, o.satisfied_at) == (MET, t("2026-10-23T16:00:00Z"))
    assert o.satisfied_by == "comms/2026-10-23-export/second.md"


def test_while_reopened_the_earlier_resolution_email_does_not_satisfy_anything():
    item = incident(updates=REOPENED[:3], customers_affected=True)
    early = notice("customer-resolution", "2026-10-23T12:30:00Z")
    o = one(run(item, early, now="2026-10-23T15:00:00Z", rules=("customer-resolution",)),
            "customer-resolution")  # fmt: skip
    assert o.state is CLOCK_NOT_STARTED
    assert o.satisfied_by is None


def test_postmortem_written_before_a_reopening_does_not_count():
    # postmortem: 48 h from the resolution. The Postmortem update at 13:00
    # followed the first resolution; the incident reopened at 14:00 and was
    # resolved again at 16:00, so a postmortem is due 25 Oct 16:00 UTC.
    stamps = (*REOPENED[:2], ("2026-10-23T13:00:00Z", Stage.POSTMORTEM), *REOPENED[2:])
    item = incident(updates=stamps)
    o = one(run(item, now="2026-10-25T17:00:00Z", rules=("postmortem",)), "postmortem")
    assert (o.state, o.due_at) == (OVERDUE, t("2026-10-25T16:00:00Z"))
    later = incident(updates=(*stamps, ("2026-10-24T09:00:00Z", Stage.POSTMORTEM)))
    o = one(run(later, now="2026-10-25T17:00:00Z", rules=("postmortem",)), "postmortem")
    assert (o.state, o.satisfied_at) == (MET, t("2026-10-24T09:00:00Z"))


def test_a_regulator_notice_dated_before_awareness_does_not_count():
    # GDPR Art. 33(1): 72 h after becoming aware (12:00 UTC 23 Oct): due 26 Oct
    # 12:00 UTC. A notice with sent: 22 Oct cannot answer that clock.
    item = incident(breach=breach(("gdpr-art33-authority",), aware="2026-10-23T12:00:00Z"))
    report = run(item, notice("gdpr-art33-authority", "2026-10-22T09:00:00Z"),
                 now="2026-10-24T12:00:00Z")  # fmt: skip
    o = one(report, "gdpr-art33-authority")
    assert (o.state, o.due_at) == (DUE, t("2026-10-26T12:00:00Z"))


def test_dora_initial_notification_may_go_out_before_classification_within_the_outer_limit():
    # RTS 2025/301 Art. 5(1)(a): the initial notification is due within 4 h of
    # classification and no later than 24 h after awareness; a notice sent
    # after awareness (06:00) but before classification (20:00) answers it.
    dora = ("dora-initial-notification",)
    item = incident(breach=breach(dora, aware="2026-05-04T06:00:00Z",
                                  classified_major="2026-05-04T20:00:00Z"))  # fmt: skip
    site = Site(incidents=(item,),
                notices=(notice("dora-initial-notification", "2026-05-04T19:00:00Z"),))  # fmt: skip
    o = one(evaluate(site, only(BOOK, *dora), t("2026-05-05T12:00:00Z"), BERLIN),
            "dora-initial-notification")  # fmt: skip
    assert o.state is MET


# -- discovered is its own clock: a stand-in is said, never silent -----------------------


def test_hipaa_discovery_clock_is_never_silently_taken_from_awareness():
    # 45 CFR 164.404(a)(2): a breach is treated as discovered on the first day
    # it is known (or by exercising reasonable diligence would have been known).
    # Discovered 1 Mar 2026 09:00 Eastern (14:00 UTC), aware 3 Mar: 60 calendar
    # days from discovery = 30 Apr 2026 09:00 EDT = 13:00 UTC (the wall clock
    # keeps 09:00 across the 8 Mar DST change).
    hipaa = ("hipaa-164-404-individuals",)
    both = incident(
        breach=breach(hipaa, discovered="2026-03-01T14:00:00Z", aware="2026-03-03T14:00:00Z")
    )
    report = run(both, now="2026-03-10T12:00:00Z", zone=NEW_YORK)
    assert one(report, "hipaa-164-404-individuals").due_at == t("2026-04-30T13:00:00Z")
    assert not [w for w in report.lint if "discovered" in w.message]
    # Only aware recorded: the row says which field the clock came from, and
    # the check warns: 60 days from 3 Mar 09:00 EST = 2 May 09:00 EDT.
    aware_only = incident(breach=breach(hipaa, aware="2026-03-03T14:00:00Z"))
    report = run(aware_only, now="2026-03-10T12:00:00Z", zone=NEW_YORK)
    o = one(report, "hipaa-164-404-individuals")
    assert o.due_at == t("2026-05-02T13:00:00Z")
    assert "clock from breach.aware: breach.discovered not recorded" in o.detail
    (warning,) = [w for w in report.lint if "discovered" in w.message]
    assert warning.severity == "warning"
    assert warning.message == (
        "breach.discovered is not recorded: hipaa-164-404-individuals count from breach.aware, "
        "which can only make their deadlines later"
    )


def test_the_loader_keeps_discovered_unrecorded(tmp_path):
    from clarion.errors import ErrorCollector
    from clarion.load import read_breach_mapping

    breach_ = read_breach_mapping({"aware": "2026-03-03T14:00:00Z"}, {}, "breach.", "x.md", None,
                                  ErrorCollector())  # fmt: skip
    assert breach_ is not None and set(breach_.clocks) == {"aware"}


# -- thresholds count the residents the law counts, exactly at and one over ---------------

TX = ("us-tx-attorney-general",)


def tx(affected):
    # Tex. Bus. & Com. Code 521.053(i): notice to the attorney general "not later
    # than the 30th day after the date on which the person determines that the
    # breach occurred" if the breach involves "at least 250 residents of this
    # state". Determined 1 Sep 2026 10:00 CDT (15:00 UTC): due 1 Oct, 15:00 UTC.
    item = incident(breach=breach(TX, affected=affected, determined="2026-09-01T15:00:00Z"))
    return one(run(item, now="2026-09-10T12:00:00Z", zone=NEW_YORK), "us-tx-attorney-general")


def test_texas_attorney_general_counts_texas_residents_at_and_below_250():
    at = tx({"US-TX": 250, "total": 2400})
    assert (at.state, at.due_at) == (DUE, t("2026-10-01T15:00:00Z"))
    below = tx({"US-TX": 249, "total": 2400})
    assert below.state is NOT_REQUIRED
    assert below.detail == "condition not met: affected.US-TX 249 is below 250"


def test_texas_count_missing_is_unknown_never_taken_from_the_total():
    unknown = tx({"total": 2400, "US-CO": 120})
    assert (unknown.state, unknown.due_at) == (CLOCK_NOT_STARTED, None)
    assert unknown.detail.startswith(
        "unknown whether it applies (at least 250 affected in US-TX): add breach.affected.US-TX; "
    )
    assert unknown.detail.endswith("; if it applies, due 2026-10-01 15:00 UTC")
    # A total below the threshold settles it: no 250 Texans among 200 people.
    assert tx({"total": 200}).state is NOT_REQUIRED


MEDIA = ("hipaa-164-406-media",)


def media(affected):
    # 45 CFR 164.406(a): media notice for a breach of "more than 500 residents of
    # a State or jurisdiction", within 60 days of discovery (164.406(b)).
    item = incident(breach=breach(MEDIA, affected=affected, discovered="2027-05-01T15:00:00Z"))
    return one(run(item, now="2027-05-02T00:00:00Z", zone=NEW_YORK), "hipaa-164-406-media")


def test_hipaa_media_notice_counts_one_state_at_and_one_over_500():
    assert media({"US-CA": 500, "US-NY": 500, "total": 1000}).state is NOT_REQUIRED
    over = media({"US-CA": 501, "US-NY": 499, "total": 1000})
    # 60 days from 1 May 2027 11:00 EDT: 30 June 2027 11:00 EDT = 15:00 UTC.
    assert (over.state, over.due_at) == (DUE, t("2027-06-30T15:00:00Z"))
    assert "affected.US-CA 501 is at least 501" in over.detail
    # 1200 people, of whom 500 in California and the rest not recorded: unknown.
    assert media({"US-CA": 500, "total": 1200}).state is CLOCK_NOT_STARTED


def test_washington_attorney_general_more_than_500_washington_residents():
    # RCW 19.255.010(7): notice to the attorney general when "more than five
    # hundred Washington residents" were notified.
    rules = ("us-wa-attorney-general",)

    def wa(count):
        item = incident(breach=breach(rules, affected={"US-WA": count, "total": 3000},
                                      discovered="2026-09-01T15:00:00Z"))  # fmt: skip
        return one(run(item, now="2026-09-02T00:00:00Z", zone=NEW_YORK), rules[0]).state

    assert (wa(500), wa(501)) == (NOT_REQUIRED, DUE)


def test_breach_affected_counts_are_read_and_checked(tmp_path):
    from clarion.errors import ErrorCollector
    from clarion.load import read_breach_mapping

    errors = ErrorCollector()
    read = read_breach_mapping(
        {"aware": "2026-03-03T14:00:00Z", "affected": {"us-tx": 300, "US-CO": 120, "total": 2400}},
        {}, "breach.", "x.md", None, errors,
    )  # fmt: skip
    assert read is not None and dict(read.affected) == {"US-TX": 300, "US-CO": 120, "total": 2400}
    assert read.affected_count == 2400
    errors = ErrorCollector()
    bad = read_breach_mapping({"affected": {"Texas": 3, "US-CO": 500, "total": 100}},
                              {}, "breach.", "x.md", None, errors)  # fmt: skip
    assert bad is None
    messages = [e.message for e in errors.errors]
    assert "breach.affected: unknown jurisdiction 'Texas'" in messages
    assert "breach.affected: the jurisdictions add up to 500, more than the total 100" in messages


# -- business days: one-off closures, and the days a count skipped ------------------------


def test_sec_8k_skips_a_national_day_of_mourning_and_says_which_days_it_skipped():
    # Form 8-K General Instruction B.1: within four business days of the
    # materiality determination. Determined Monday 6 Jan 2025, 10:00 Eastern.
    # Day 1 Tue 7, day 2 Wed 8; Thu 9 Jan the federal offices (and EDGAR) were
    # closed for the National Day of Mourning for President Carter; day 3 Fri
    # 10, Sat 11 and Sun 12 are weekend, day 4 Mon 13 Jan, by EDGAR's 17:30
    # EST cut-off = 22:30 UTC. (A federal-holiday list alone gives Fri 10.)
    sec = ("sec-8k-item-1-05",)
    item = incident(breach=breach(sec, materiality_determined="2025-01-06T15:00:00Z"))
    o = one(run(item, now="2025-01-08T12:00:00Z", zone=NEW_YORK), "sec-8k-item-1-05")
    assert o.due_at == t("2025-01-13T22:30:00Z")
    assert ("skipped Thu 09 Jan (National Day of Mourning for former President Jimmy Carter), "
            "Sat 11 Jan, Sun 12 Jan") in o.detail  # fmt: skip


def test_thanksgiving_is_named_among_the_skipped_days():
    sec = ("sec-8k-item-1-05",)
    item = incident(breach=breach(sec, materiality_determined="2026-11-25T15:00:00Z"))
    o = one(run(item, now="2026-11-30T12:00:00Z"), "sec-8k-item-1-05")
    assert "skipped Thu 26 Nov (Thanksgiving Day), Sat 28 Nov, Sun 29 Nov" in o.detail


def test_closure_data_has_sources_and_agrees_with_the_government_calendar():
    import holidays

    from clarion.rules.calendars import closure_sets

    federal = closure_sets()["us-federal"]
    years = sorted({day.year for day in federal})
    public = holidays.US(years=years)
    government = holidays.US(years=years, categories=("government",))
    extra = {d for d in government if d not in public and "half-day" not in government[d]}
    assert extra == set(federal)
    assert all(c.source and c.name for c in federal.values())


# -- DORA weekend relief and its Art. 5(5) exclusion ----------------------------------------

DORA = ("dora-initial-notification", "dora-intermediate-report", "dora-final-report")


def dora(facts=None, **kw):
    b = breach(DORA, aware="2026-05-06T01:00:00Z", classified_major="2026-05-06T05:00:00Z")
    from dataclasses import replace

    return incident(breach=replace(b, facts=facts or {}))


def test_dora_intermediate_report_on_a_saturday_moves_to_noon_monday_when_relief_applies():
    # RTS 2025/301 Art. 5(2): intermediate report 72 h after the initial
    # notification, sent Wed 6 May 2026 09:00 UTC -> Sat 9 May 09:00 UTC.
    # Art. 5(4): a deadline on a weekend may be met by 12:00 of the next working
    # day: Mon 11 May 12:00 CEST = 10:00 UTC. Art. 5(5) takes that away from
    # credit institutions, CCPs, trading venues and NIS2 essential/important
    # entities: not recorded, Clarion assumes the stricter deadline.
    sent = notice("dora-initial-notification", "2026-05-06T09:00:00Z")
    unknown = one(run(dora(), sent, now="2026-05-08T00:00:00Z"), "dora-intermediate-report")
    assert unknown.due_at == t("2026-05-09T09:00:00Z")
    assert "no weekend relief: breach.facts.dora_relief_excluded is not recorded" in unknown.detail
    relieved = one(run(dora({"dora_relief_excluded": False}), sent, now="2026-05-08T00:00:00Z"),
                   "dora-intermediate-report")  # fmt: skip
    assert relieved.due_at == t("2026-05-11T10:00:00Z")
    assert "moved from Sat 09 May 11:00 (weekend) to 12:00 the next working day" in relieved.detail
    excluded = one(run(dora({"dora_relief_excluded": True}), sent, now="2026-05-08T00:00:00Z"),
                   "dora-intermediate-report")  # fmt: skip
    assert excluded.due_at == t("2026-05-09T09:00:00Z")


def test_dora_final_report_relief_applies_to_every_entity():
    # Art. 5(3): final report one month after the latest intermediate report:
    # sent Thu 7 May 2026 16:00 UTC (18:00 CEST) -> Sun 7 Jun 18:00 CEST, a
    # Sunday; Art. 5(5) does not cover final reports: Mon 8 Jun 12:00 CEST = 10:00 UTC.
    notices = (notice("dora-initial-notification", "2026-05-06T09:00:00Z"),
               notice("dora-intermediate-report", "2026-05-07T16:00:00Z"))  # fmt: skip
    o = one(run(dora({"dora_relief_excluded": True}), *notices, now="2026-05-20T00:00:00Z"),
            "dora-final-report")  # fmt: skip
    assert o.due_at == t("2026-06-08T10:00:00Z")


# -- a delay granted by law enforcement moves the deadline and says why --------------------


def test_a_law_enforcement_delay_moves_the_hipaa_deadline():
    # 45 CFR 164.412(a): if a law enforcement official states in writing that
    # a notification would impede a criminal investigation, the covered entity
    # shall delay it for the time period specified by the official. Discovered
    # 1 Mar 2026 09:00 EST (14:00 UTC): normally due 30 Apr 13:00 UTC (60 days,
    # 09:00 EDT); the FBI asked for a delay until 15 May 2026 00:00 UTC.
    from dataclasses import replace

    from clarion.model import Delay

    rules = ("hipaa-164-404-individuals",)
    b = breach(rules, discovered="2026-03-01T14:00:00Z")
    delay = Delay(rule=rules[0], until=t("2026-05-15T00:00:00Z"), by="FBI Boston field office",
                  reference="letter of 20 Apr 2026")  # fmt: skip
    item = incident(breach=replace(b, delays={rules[0]: delay}))
    o = one(run(item, now="2026-05-01T00:00:00Z", zone=NEW_YORK), rules[0])
    assert (o.state, o.due_at) == (DUE, t("2026-05-15T00:00:00Z"))
    assert ("delayed until 2026-05-15 00:00 UTC by FBI Boston field office, letter of 20 Apr 2026; "
            "due 2026-04-30 13:00 UTC without it") in o.detail  # fmt: skip


def test_breach_delays_and_facts_are_read_and_checked():
    from clarion.errors import ErrorCollector
    from clarion.load import read_breach_mapping

    errors = ErrorCollector()
    read = read_breach_mapping(
        {"aware": "2026-03-03T14:00:00Z", "facts": {"dora_relief_excluded": False},
         "delays": {"sec-8k-item-1-05": {"until": "2026-04-01T00:00:00Z", "by": "Attorney General",
                                         "reference": "DOJ determination"}}},
        {}, "breach.", "x.md", None, errors,
    )  # fmt: skip
    assert read is not None and read.facts == {"dora_relief_excluded": False}
    assert read.delays["sec-8k-item-1-05"].until == t("2026-04-01T00:00:00Z")
    errors = ErrorCollector()
    bad = read_breach_mapping({"delays": {"sec-8k-item-1-05": {"until": "2026-04-01T00:00:00Z"}}},
                              {}, "breach.", "x.md", None, errors)  # fmt: skip
    assert bad is None
    assert (
        errors.errors[0].message
        == "breach.delays.sec-8k-item-1-05 does not say who granted the delay"
    )


# -- end-of-day outer limits, and NIS2's progress report -------------------------------------


def test_a_calendar_day_rule_shows_the_end_of_day_outer_limit():
    # Tex. Bus. & Com. Code 521.053(i): "not later than the 30th day after" the
    # determination. Clarion keeps the conservative same-time deadline
    # (1 Oct 2026 11:00 EDT = 15:00 UTC) and shows the day's end as the outer
    # limit: 1 Oct 23:59:59 EDT = 2 Oct 03:59 UTC.
    o = tx({"US-TX": 300, "total": 300})
    assert o.due_at == t("2026-10-01T15:00:00Z")
    assert o.outer_limit == t("2026-10-02T03:59:59Z")
    assert (
        "the law counts days: outer limit 2026-10-02 03:59 UTC (end of that day, America/New_York)"
        in o.detail
    )
    # An hours rule has no day to end: GDPR's 72 h.
    gdpr = incident(breach=breach(("gdpr-art33-authority",), aware="2026-10-23T12:00:00Z"))
    assert one(run(gdpr, now="2026-10-24T00:00:00Z"), "gdpr-art33-authority").outer_limit is None


NIS2 = ("nis2-art23-incident-notification", "nis2-art23-final-report", "nis2-art23-progress-report")


def nis2(handled=None):
    clocks = {"aware": "2026-03-10T08:00:00Z"} | ({"handled": handled} if handled else {})
    return incident(breach=breach(NIS2, **clocks))


def test_nis2_progress_report_is_its_own_item_while_the_incident_is_ongoing():
    # Art. 23(4)(d): final report one month after the incident notification,
    # sent 11 Mar 2026 08:00 UTC (09:00 CET) -> 11 Apr 09:00 CEST = 07:00 UTC.
    # Art. 23(4)(e): if the incident is ongoing then, a progress report is due
    # at that time instead, and the final report within a month of handling.
    sent = notice("nis2-art23-incident-notification", "2026-03-11T08:00:00Z")
    report = run(nis2(), sent, now="2026-04-01T00:00:00Z")
    progress = one(report, "nis2-art23-progress-report")
    assert (progress.state, progress.due_at) == (DUE, t("2026-04-11T07:00:00Z"))
    assert (
        "owed if the incident is still ongoing then: add breach.handled once handled"
        in progress.detail
    )
    # A progress report sent on time also answers the (d) final-report date.
    progress_sent = notice("nis2-art23-progress-report", "2026-04-10T12:00:00Z")
    report = run(nis2(), sent, progress_sent, now="2026-04-12T00:00:00Z")
    assert one(report, "nis2-art23-progress-report").state is MET
    assert one(report, "nis2-art23-final-report").state is MET


def test_nis2_progress_report_lapses_when_the_incident_was_handled_in_time():
    sent = notice("nis2-art23-incident-notification", "2026-03-11T08:00:00Z")
    report = run(nis2(handled="2026-03-20T00:00:00Z"), sent, now="2026-04-01T00:00:00Z")
    progress = one(report, "nis2-art23-progress-report")
    assert progress.state is NOT_REQUIRED
    assert progress.detail.startswith(
        "not required: breach.handled 2026-03-20 00:00 UTC came by the due time"
    )
    assert one(report, "nis2-art23-final-report").state is DUE


# -- the hour skipped in spring -------------------------------------------------------------


def test_a_wall_clock_deadline_in_the_skipped_hour_is_due_when_the_clock_jumps():
    # HIPAA 164.404(b): 60 calendar days after discovery. Discovered Wed 7 Jan
    # 2026 02:30 EST (07:30 UTC); 60 days later is Sun 8 Mar 2026 02:30, the
    # hour New York skips (02:00 EST -> 03:00 EDT). No clock reads 02:30 that
    # night; it is passed the moment the clock jumps: 03:00 EDT = 07:00 UTC
    # (reading 02:30 as EST gives 07:30 UTC, half an hour late).
    rules = ("hipaa-164-404-individuals",)
    item = incident(breach=breach(rules, discovered="2026-01-07T07:30:00Z"))
    o = one(run(item, now="2026-03-01T00:00:00Z", zone=NEW_YORK), rules[0])
    assert o.due_at == t("2026-03-08T07:00:00Z")


def test_localize_keeps_the_earlier_reading_of_the_repeated_hour():
    from datetime import datetime

    from clarion.rules.calendars import localize

    # 1 Nov 2026 01:30 happens twice in New York: the first time is EDT, 05:30 UTC.
    assert localize(datetime(2026, 11, 1, 1, 30), NEW_YORK) == t("2026-11-01T05:30:00Z")
    assert localize(datetime(2026, 3, 8, 2, 59, 59), NEW_YORK) == t("2026-03-08T07:00:00Z")
    assert localize(datetime(2026, 3, 8, 3, 0), NEW_YORK) == t("2026-03-08T07:00:00Z")
