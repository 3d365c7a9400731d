"""The shipped rulebook: complete, sourced, flagged where unverified; a site's
settings; durations and calendars; ``clarion rules``."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from clarion.cli import main
from clarion.config import load_config
from clarion.errors import ContentErrors
from clarion.model import Severity
from clarion.rules import Calendar, RuleKind, default_rulebook, load_rules, shipped_rules
from clarion.rules.calendars import add_business_days, parse_holidays
from clarion.rules.duration import Duration, DurationError, parse_duration
from tests.conftest import MINIMAL_TOML

PRACTICE = (
    "update-cadence",
    "customer-ack",
    "customer-resolution",
    "postmortem",
    "monitoring-soak",
    "incident-commander",
    "comms-lead",
)
# Every id of the research notes' table (60 rules).
REFERENCE_IDS = """
gdpr-art33-authority gdpr-art33-processor gdpr-art34-data-subjects uk-gdpr-art33-ico
uk-gdpr-art33-processor uk-gdpr-art34-individuals hipaa-164-404-individuals hipaa-164-406-media
hipaa-164-408-secretary-500-plus hipaa-164-408-secretary-under-500 hipaa-164-410-business-associate
nis2-art23-early-warning nis2-art23-incident-notification nis2-art23-intermediate-report
nis2-art23-final-report nis2-art23-final-report-after-handling nis2-art23-trust-service-provider
nis2-art23-service-recipients dora-initial-notification dora-initial-notification-outer-limit
dora-intermediate-report dora-intermediate-report-update dora-final-report dora-art19-3-clients
sec-8k-item-1-05 sec-8k-item-1-05-amendment nydfs-500-17a-incident
nydfs-500-17c-extortion-payment-notice nydfs-500-17c-extortion-payment-explanation
circia-covered-cyber-incident circia-ransom-payment circia-supplemental-report cert-in-6-hours
lgpd-anpd-communication lgpd-anpd-communication-small-agent lgpd-anpd-supplementary-information
lgpd-data-subjects au-ndb-assessment au-ndb-oaic-statement au-ndb-individuals pipeda-opc-report
pipeda-individuals pipeda-third-parties sg-pdpa-assessment sg-pdpa-pdpc sg-pdpa-individuals
sg-pdpa-data-intermediary us-co-residents us-co-attorney-general us-fl-individuals
us-fl-department-of-legal-affairs us-fl-third-party-agent us-wa-residents us-wa-attorney-general
us-tx-individuals us-tx-attorney-general visa-immediate-notice visa-incident-report
visa-account-numbers mastercard-adc-report
""".split()


def test_every_reference_rule_and_every_practice_rule_is_in_the_rulebook():
    ids = [rule.id for rule in shipped_rules()]
    assert len(REFERENCE_IDS) == 60
    assert set(REFERENCE_IDS) <= set(ids)  # rules added since the notes come among them
    assert ids[-len(PRACTICE) :] == list(PRACTICE)
    assert {r.id for r in shipped_rules() if r.kind is RuleKind.PRACTICE} == set(PRACTICE)


@pytest.mark.parametrize("rule", shipped_rules(), ids=lambda r: r.id)
def test_every_rule_carries_its_source_clock_and_recipient(rule):
    assert rule.source.strip(), f"{rule.id} has no source"
    assert rule.is_practice or rule.primary is not None, rule.id  # tests/test_rule_sources.py
    assert rule.title and rule.recipient and rule.trigger and rule.regime
    assert rule.status in ("in_force", "proposed")
    if rule.deadline is not None or rule.deadlines:
        assert rule.calendar is not None


def test_facts_from_the_sources():
    book = {rule.id: rule for rule in shipped_rules()}
    assert book["gdpr-art33-authority"].deadline == Duration(seconds=72 * 3600)
    assert book["gdpr-art33-authority"].calendar is Calendar.HOURS
    assert book["gdpr-art34-data-subjects"].deadline is None  # "without undue delay"
    assert book["hipaa-164-404-individuals"].deadline == Duration(days=60)
    assert book["hipaa-164-404-individuals"].calendar is Calendar.CALENDAR_DAYS
    sec = book["sec-8k-item-1-05"]
    assert (sec.deadline, sec.calendar, sec.holidays.label, sec.zone.key) == (
        Duration(days=4),
        Calendar.BUSINESS_DAYS,
        "US",
        "America/New_York",
    )
    assert sec.clock.text == "breach.materiality_determined"
    assert book["nis2-art23-final-report"].clock.text == "sent:nis2-art23-incident-notification"
    assert book["nis2-art23-final-report"].deadline == Duration(months=1)
    assert book["dora-initial-notification"].limit == "dora-initial-notification-outer-limit"
    assert book["lgpd-anpd-communication"].holidays.label == "BR"
    assert book["circia-covered-cyber-incident"].status == "proposed"
    assert book["update-cadence"].deadlines == {
        Severity.SEV0: Duration(seconds=900),
        Severity.SEV1: Duration(seconds=1800),
        Severity.SEV2: Duration(seconds=7200),
    }
    assert book["monitoring-soak"].is_warning


def test_unverified_facts_stay_flagged():
    book = {rule.id: rule for rule in shipped_rules()}
    flagged = {rule.id for rule in shipped_rules() if not rule.verified}
    assert flagged >= {
        "pipeda-third-parties",
        "cert-in-6-hours",
        "kr-pipa-pipc",
        "mastercard-adc-report",
    }
    assert book["sec-8k-item-1-05-amendment"].unverified.startswith("instruction label")
    assert "UNCERTAIN" in book["visa-incident-report"].notes


def test_site_enables_and_overrides_rules(site_factory):
    toml = MINIMAL_TOML + (
        "\n[rules]\n"
        'enabled = ["gdpr-art33-authority", "sec-8k-item-1-05"]\n'
        "[rules.overrides.customer-resolution]\n"
        'deadline = "PT12H"\n'
        "[rules.overrides.lgpd-anpd-communication]\n"
        'holidays = "BR-SP"\n'
        "[rules.overrides.update-cadence]\n"
        'deadlines = {SEV1 = "PT20M"}\n'
        "[rules.overrides.monitoring-soak]\n"
        "enabled = false\n"
    )
    book = load_rules(load_config(site_factory(toml=toml)))
    assert book["gdpr-art33-authority"].enabled and book["sec-8k-item-1-05"].enabled
    assert not book["gdpr-art34-data-subjects"].enabled
    assert book["customer-resolution"].deadline == Duration(seconds=12 * 3600)
    assert book["customer-resolution"].overridden == ("deadline",)
    assert book["lgpd-anpd-communication"].holidays.label == "BR-SP"
    assert book["update-cadence"].deadline_for(Severity.SEV1) == Duration(seconds=1200)
    assert book["update-cadence"].deadline_for(Severity.SEV0) == Duration(seconds=900)
    assert not book["monitoring-soak"].enabled
    assert book["postmortem"].enabled


def test_an_override_that_does_not_fit_the_calendar(site_factory):
    toml = MINIMAL_TOML + '\n[rules.overrides.sec-8k-item-1-05]\ndeadline = "PT12H"\n'
    with pytest.raises(ContentErrors) as info:
        load_rules(load_config(site_factory(toml=toml)))
    (error,) = info.value.errors
    assert (
        error.message
        == "[rules.overrides.sec-8k-item-1-05]: business_days count whole days, not PT12H"
    )


def test_unknown_override_rule_with_hint(site_factory):
    toml = MINIMAL_TOML + '\n[rules.overrides.postmortm]\ndeadline = "PT24H"\n'
    with pytest.raises(ContentErrors) as info:
        load_rules(load_config(site_factory(toml=toml)))
    (error,) = info.value.errors
    assert (
        str(error.location)
        == f"site_src/site.toml:{toml.splitlines().index('[rules.overrides.postmortm]') + 1}"
    )
    assert error.message == "[rules.overrides.postmortm]: unknown rule 'postmortm'"
    assert error.hint == "did you mean 'postmortem'?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT72H", Duration(seconds=259200)),
        ("P4D", Duration(days=4)),
        ("P1M", Duration(months=1)),
        ("P1DT12H", Duration(days=1, seconds=43200)),
        ("P2W", Duration(days=14)),
        ("2h", Duration(seconds=7200)),
        ("1h30m", Duration(seconds=5400)),
        ("45min", Duration(seconds=2700)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "72", "2 hours", "PT2X"])
def test_bad_durations(text):
    with pytest.raises(DurationError):
        parse_duration(text)


def test_business_days_skip_weekends_and_the_named_calendar():
    us = parse_holidays("US")
    # Wednesday before Thanksgiving 2026: Thu 26 (holiday), Sat, Sun skipped.
    assert add_business_days(date(2026, 11, 25), 4, us) == date(2026, 12, 2)
    assert add_business_days(date(2026, 11, 25), 4, None) == date(2026, 12, 1)  # weekends only
    assert parse_holidays("us-ny").label == "US-NY"


def test_every_shipped_holiday_calendar_is_one_the_holidays_package_knows():
    # shipped_rules() takes the calendars as written (checking them imports
    # every country of ``holidays``); here each is checked the full way
    calendars = [rule.holidays for rule in shipped_rules() if rule.holidays is not None]
    assert {c.label for c in calendars} >= {"US", "US-VT", "AU", "BR"}
    for calendar in calendars:
        assert parse_holidays(calendar.label, calendar.closures) == calendar


def test_a_rulebook_with_an_unknown_holiday_calendar_is_refused():
    from clarion.rules import parse_rulebook

    rule = next(r for r in shipped_rules() if r.holidays is not None)
    entry = {
        "id": "x",
        "title": "t",
        "regime": "r",
        "recipient": "p",
        "trigger": "t",
        "source": "s",
        "kind": "practice",
        "clock": "incident.declared",
        "deadline": "P2D",
        "calendar": "business_days",
        "holidays": "ZZ",
    }
    with pytest.raises(ValueError, match="unknown holidays country"):
        parse_rulebook([entry])
    assert parse_rulebook([{**entry, "holidays": rule.holidays.label}])


def test_clarion_rules_lists_every_rule_with_its_source(site_factory):
    result = CliRunner().invoke(main, ["rules", "--source", str(site_factory())])
    assert result.exit_code == 0, result.output
    assert "gdpr-art33-authority" in result.output
    assert "source: GDPR Art. 33(1)" in result.output
    assert "UNVERIFIED" in result.output
    assert "proposed" in result.output
    assert "Breach clocks: aware, discovered" in result.output
    for rule in shipped_rules():
        assert f"\n{rule.id} " in result.output


def test_clarion_rules_one_rule_in_full_and_json(site_factory):
    root = str(site_factory())
    result = CliRunner().invoke(main, ["rules", "sec-8k-item-1-05", "--source", root])
    assert result.exit_code == 0, result.output
    assert (
        "calendar:      business_days (US holidays and "
        "us-federal closures) in America/New_York, by 17:30" in result.output
    )
    assert (
        "must contain:  - material aspects of the nature, scope and timing of the incident"
        in result.output
    )
    data = json.loads(
        CliRunner().invoke(main, ["rules", "--format", "json", "--source", root]).output
    )
    assert len(data["rules"]) == len(shipped_rules())
    assert all(rule["source"] for rule in data["rules"])
    unknown = CliRunner().invoke(main, ["rules", "gdpr-art33", "--source", root])
    assert unknown.exit_code == 2
    assert "unknown rule 'gdpr-art33'" in unknown.output


def test_default_rulebook_turns_on_practice_rules_only():
    book = default_rulebook()
    assert {r.id for r in book if r.enabled} == set(PRACTICE)
