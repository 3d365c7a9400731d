"""Rules outside the EU, UK, Switzerland and the US, as their texts read: each
expected value worked by hand from the text cited in the rule's ``primary``."""

from __future__ import annotations

from clarion.config import load_config
from clarion.errors import ErrorCollector
from clarion.rules import load_rules, shipped_rules
from tests.conftest import MINIMAL_TOML

from .test_deadlines import CLOCK_NOT_STARTED, DUE, NEW_YORK, t
from .test_new_rules import due


def test_pipeda_third_party_notice_runs_from_the_determination():
    # PIPEDA s 10.2(2): "as soon as feasible after the organization determines
    # that the breach has occurred": the same clock as the report (s 10.1(2)),
    # running before any notice to individuals is sent.
    o = due("pipeda-third-parties", "2026-05-02T00:00:00Z", NEW_YORK,
            determined="2026-05-01T14:00:00Z")  # fmt: skip
    assert o.state is not CLOCK_NOT_STARTED
    assert o.due_at is None and "without undue delay" in o.detail


def test_pipa_report_is_owed_below_a_thousand_data_subjects():
    # PIPA Enforcement Decree Art. 40: 1,000 or more data subjects, OR sensitive
    # or unique identifying information, OR a leak through unlawful outside
    # access: a hacking leak of 12 records is reported within 72 hours,
    # aware Fri 1 May 2026 14:00 UTC -> Mon 4 May 14:00 UTC.
    o = due("kr-pipa-pipc", "2026-05-02T00:00:00Z", NEW_YORK,
            affected={"total": 12}, aware="2026-05-01T14:00:00Z")  # fmt: skip
    assert o.state is DUE
    assert o.due_at == t("2026-05-04T14:00:00Z")


def test_dpdp_rule_7_is_not_yet_in_force(site_factory):
    # DPDP Rules 2025 Rule 1: Rule 7 comes into force eighteen months after
    # publication (13 Nov 2025), on 13 May 2027: a site may rehearse it, warned.
    book = {rule.id: rule for rule in shipped_rules()}
    assert book["in-dpdp-board-report"].status == "proposed"
    assert book["in-dpdp-board-intimation"].status == "proposed"
    toml = MINIMAL_TOML + '\n[rules]\nenabled = ["in-dpdp-board-report"]\n'
    errors = ErrorCollector()
    assert load_rules(load_config(site_factory(toml=toml)), errors)["in-dpdp-board-report"].enabled
    assert [w.message for w in errors.warnings] == [
        "rules.enabled: in-dpdp-board-report is a proposed rule, not yet in force"
    ]


def test_appi_reports_carry_the_items_of_rules_article_8():
    # PPC Enforcement Rules Art. 8(1): nine items, the preliminary report giving
    # those known when it is made; Art. 8(2): the final report gives them all.
    book = {rule.id: rule for rule in shipped_rules()}
    preliminary = book["jp-appi-preliminary-report"].must_contain
    final = book["jp-appi-final-report"].must_contain
    assert len(preliminary) == len(final) == 9
    assert all(item.endswith(", if known") for item in preliminary[:8])
    assert "the cause" in final and "measures to prevent recurrence" in final
    assert book["jp-appi-final-report-unlawful"].must_contain == final


def test_visa_report_counts_the_stricter_calendar_days():
    # Visa's page: "within 3 working days of the incident"; the WTDIC v6.0
    # heads its first requirement "Within Three (3) Calendar Days": Clarion
    # counts calendar days. Aware Fri 4 Dec 2026 10:00 EST -> Mon 7 Dec 10:00
    # EST = 15:00 UTC (3 working days would run to Wed 9 Dec).
    o = due("visa-incident-report", "2026-12-04T16:00:00Z", NEW_YORK,
            aware="2026-12-04T15:00:00Z")  # fmt: skip
    assert o.due_at == t("2026-12-07T15:00:00Z")
