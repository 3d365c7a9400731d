"""The content the EU, UK and Swiss texts prescribe, as the notice check reads
it: each case written from the provision's own words (cited in the rulebook)
before running Clarion."""

from __future__ import annotations

import pytest

from clarion.derive.comms import missing_items
from clarion.documents import Notice
from clarion.rules import shipped_rules
from clarion.rules.sources import primary_domain

RULES = {r.id: r for r in shipped_rules()}


def missing(rule_id: str, body: str) -> list[str]:
    rule = RULES[rule_id]
    notice = Notice(slug="s", name="n", rule=rule_id, body=body, source_path="n.md", body_line=5)
    return [m.item.label for m in missing_items(notice, rule)]


# CRA Art. 14(2)(a): the early warning of an actively exploited vulnerability
# asks only, where applicable, for the Member States where the product is on
# the market. Art. 14(4)(a) asks a severe incident's early warning "at least
# whether the incident is suspected of being caused by unlawful or malicious
# acts"; a vulnerability's early warning is not asked that.
VULNERABILITY_WARNING = """\
### Product and vulnerability
Acme Gateway 4.2, CVE-2026-1234, exploited in the wild since 2 October.
"""


def test_a_cra_vulnerability_early_warning_is_not_asked_for_a_suspected_cause():
    assert missing("cra-art14-vulnerability-early-warning", VULNERABILITY_WARNING) == []


def test_a_cra_severe_incident_early_warning_must_say_whether_the_cause_is_suspected_unlawful():
    assert missing("cra-art14-incident-early-warning", VULNERABILITY_WARNING) == [
        "whether the incident is suspected of being caused by unlawful or malicious acts"
    ]
    said = VULNERABILITY_WARNING + (
        "\n### Suspected cause\nWe suspect the incident was caused by malicious acts "
        "(unlawful access by a third party).\n"
    )
    assert missing("cra-art14-incident-early-warning", said) == []


def test_a_cra_final_report_names_the_malicious_actor_only_where_available():
    body = """\
### Description of the vulnerability
Severity: critical; impact: remote code execution.

### Security update
Version 4.2.1 remedies the vulnerability; details about the corrective measures follow.
"""
    assert missing("cra-art14-vulnerability-final-report", body) == []


# UK NIS Regulations 2018, reg 11(3)(a)(v) and reg 12(5)(e): the notification
# must provide "information concerning any, or any likely, cross-border impact"
# of the incident; (vi)/(f) "any other information that may be helpful" is
# open-ended and not checked.
UK_NIS_NOTICE = """\
**Name and services:** Acme Cloud Ltd, cloud computing service.

**Time the incident occurred:** 2026-03-27 09:40 UTC.

**Duration of the incident:** 3 hours 20 minutes.

**Nature and impact:** storage outage; 40% of customers could not reach their data.
"""


@pytest.mark.parametrize("rule_id", ["uk-nis-reg11-oes", "uk-nis-reg12-rdsp"])
def test_a_uk_nis_notification_must_say_whether_the_impact_crosses_borders(rule_id):
    assert missing(rule_id, UK_NIS_NOTICE) == [
        "information concerning any, or any likely, cross-border impact of the "
        + ("NIS incident" if rule_id == "uk-nis-reg11-oes" else "incident")
    ]
    said = UK_NIS_NOTICE + "\n**Cross-border impact:** none known or likely.\n"
    assert missing(rule_id, said) == []


# NIS2 Art. 23(4)(e): for an incident still ongoing at the final-report date,
# "a final report within one month of their handling of the incident": the
# content is the final report's of point (d); the progress report is its own
# item (nis2-art23-progress-report), not a part of this report.
def test_the_nis2_final_report_after_handling_asks_for_the_final_report_content():
    body = """\
### Detailed description of the incident
Severity: high; impact: exports failed for six days.

### Type of threat or root cause
Ransomware entering through a stolen VPN credential.

### Applied and ongoing mitigation measures
Credential rotation; the VPN now requires hardware keys.
"""
    assert missing("nis2-art23-final-report-after-handling", body) == []
    assert "detailed description of the incident" in missing(
        "nis2-art23-final-report-after-handling", "### Progress report\nWe are still restoring.\n"
    )


# UK GDPR Art. 34(1), read on legislation.gov.uk: the one rule of these
# jurisdictions whose official text was in the stored copies.
def test_uk_gdpr_art34_is_verified_from_legislation_gov_uk():
    rule = RULES["uk-gdpr-art34-individuals"]
    assert rule.verified and rule.primary is not None
    assert primary_domain(rule.primary.url) == "legislation.gov.uk"
    assert "without undue delay" in rule.primary.quote
    assert "legislation.gov.uk/eur/2016/679/article/34" in rule.primary.read
