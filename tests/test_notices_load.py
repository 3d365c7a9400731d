"""Notices in comms/<slug>/ and breach sidecars: loaded, validated, reported
together with every other content error (file, line, expected, hint)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clarion.config import load_config
from clarion.errors import ContentErrors
from clarion.load import load_site
from tests.conftest import MINIMAL_TOML

SLUG = "2026-11-20-api-errors"
INCIDENT = """\
---
title: Elevated error rates on the API
severity: SEV1
components:
  api: partial_outage
declared: 2026-11-20T14:02:00Z
customers_affected: true
---
## 2026-11-20 14:05 UTC · Investigating
We are investigating.
"""
BREACH_INCIDENT = INCIDENT.replace(
    "customers_affected: true\n",
    "customers_affected: true\nbreach:\n  aware: "
    "2026-11-20T16:00:00Z\n  rules: [gdpr-art33-authority]\n",
)
NOTICE = """\
---
rule: gdpr-art33-authority
to: [customers, dpo@test.example]
cc: privacy@test.example
subject: Personal data breach notification — {{ incident.title }}
sent: 2026-11-22 10:30
---
Dear authority,

{{ incident.title }} ...
"""


def errors_of(site_factory, files, **kw) -> list[str]:
    root = site_factory(files, **kw)
    with pytest.raises(ContentErrors) as info:
        load_site(load_config(root))
    return [e.format() for e in info.value.errors]


def test_a_notice_is_loaded_with_raw_templates(load):
    _, site = load({f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/dpa.md": NOTICE})
    (notice,) = site.notices
    assert notice.slug == SLUG
    assert notice.name == "dpa"
    assert notice.rule == "gdpr-art33-authority"
    assert notice.to == ("customers", "dpo@test.example")
    assert notice.cc == ("privacy@test.example",)
    assert notice.bcc == ()
    assert notice.subject == "Personal data breach notification — {{ incident.title }}"
    # A naive time is read in the site's zone (Europe/Berlin, CET in November).
    assert notice.sent_at == datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert notice.body == "Dear authority,\n\n{{ incident.title }} ...\n"
    assert notice.source_path == f"comms/{SLUG}/dpa.md"
    assert notice.lines["sent"] == 6
    assert notice.body_line == 8
    assert site.notices_for(SLUG) == (notice,)


def test_a_minimal_sent_record_and_a_draft(load):
    _, site = load(
        {
            f"updates/{SLUG}.md": INCIDENT,
            f"comms/{SLUG}/customer-ack.md": (
                "---\nrule: customer-ack\nsent: 2026-11-20T14:40:00Z\n---\n"
            ),
            f"comms/{SLUG}/update.md": "---\nto: [customers]\nsubject: Update\n---\nText\n",
            f"comms/{SLUG}/README.md": "Notes for the team, not a notice.\n",
        }
    )
    ack, draft = site.notices
    assert (ack.rule, ack.is_sent, ack.to) == ("customer-ack", True, ())
    assert (draft.rule, draft.is_sent) == (None, False)


def test_unknown_incident_folder_with_hint(site_factory):
    (message,) = errors_of(
        site_factory, {f"updates/{SLUG}.md": INCIDENT, "comms/2026-11-20-api-eror/x.md": NOTICE}
    )
    assert message == (
        "comms/2026-11-20-api-eror: error: the comms "
        "folder '2026-11-20-api-eror' names no incident\n"
        "  expected: a folder named after an incident's "
        "slug (its file name in updates/ without .md)\n"
        f"  hint: did you mean '{SLUG}'?"
    )


def test_incident_field_must_match_the_folder(site_factory):
    text = NOTICE.replace("rule:", "incident: 2026-11-21-other\nrule:")
    (message,) = errors_of(
        site_factory, {f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/dpa.md": text}
    )
    assert message == (
        f"comms/{SLUG}/dpa.md:2: error: incident: got '2026-11-21-other', "
        f"but the notice is in the folder of '{SLUG}'\n"
        f"  expected: incident: {SLUG} (or no incident field: the folder names the incident)\n"
        "  hint: move the file to comms/2026-11-21-other/ if it belongs to that incident"
    )


def test_unknown_rule_key_time_and_audience_are_all_reported(site_factory):
    text = (
        "---\nrule: gdpr-art33-authorty\nto: "
        "[custmers]\nsubjct: Hello\nsent: yesterday\n---\nBody\n"
    )
    messages = errors_of(
        site_factory, {f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/dpa.md": text}
    )
    assert messages == [
        f"comms/{SLUG}/dpa.md:4: error: unknown key 'subjct' in the notice's front matter\n"
        "  expected: one of: rule, to, cc, bcc, subject, sent, sent_forced, incident\n"
        "  hint: did you mean 'subject'?",
        f"comms/{SLUG}/dpa.md:2: error: rule: unknown rule 'gdpr-art33-authorty'\n"
        "  expected: a rule id listed by `clarion rules`, "
        "e.g. gdpr-art33-authority or customer-ack\n"
        "  hint: did you mean 'gdpr-art33-authority'?",
        f"comms/{SLUG}/dpa.md:3: error: to: unknown audience 'custmers'\n"
        "  expected: an audience id from [audiences] in "
        "site_src/site.toml (customers) or an email address\n"
        "  hint: did you mean 'customers'?",
        f"comms/{SLUG}/dpa.md:5: error: sent: cannot read 'yesterday' as a time\n"
        "  expected: a time with a zone, e.g. 2026-11-20T14:05:00Z or 2026-11-20 15:05 +01:00 "
        "(or no sent: while the notice is a draft)",
    ]


def test_notice_errors_come_with_incident_errors_in_one_run(site_factory):
    messages = errors_of(
        site_factory,
        {
            "updates/2026-11-21-broken.md": INCIDENT.replace("SEV1", "SEV9"),
            f"updates/{SLUG}.md": INCIDENT,
            f"comms/{SLUG}/dpa.md": NOTICE.replace("gdpr-art33-authority", "nope"),
            "comms/2026-11-21-broken/ack.md": (
                "---\nrule: customer-ack\nsent: 2026-11-21T10:00:00Z\n---\n"
            ),
        },
    )
    assert [m.split(": error: ")[0] for m in messages] == [
        "updates/2026-11-21-broken.md:3",
        f"comms/{SLUG}/dpa.md:2",
    ]


def test_a_notice_outside_an_incident_folder(site_factory):
    (message,) = errors_of(site_factory, {f"updates/{SLUG}.md": INCIDENT, "comms/dpa.md": NOTICE})
    assert message.startswith(
        "comms/dpa.md:1: error: a notice must be inside its incident's folder\n"
    )


def test_breach_sidecar_is_attached_to_the_incident(load):
    sidecar = (
        "# kept out of the public updates/\naware: "
        "2026-11-20T16:00:00Z\naffected_count: 1200\nrules: [gdpr-art33-authority]\n"
    )
    _, site = load({f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/breach.yml": sidecar})
    breach = site.by_slug(SLUG).breach
    assert breach is not None
    assert breach.clocks["aware"] == datetime(2026, 11, 20, 16, tzinfo=UTC)
    assert "discovered" not in breach.clocks  # never copied from aware: see derive.obligation
    assert breach.affected_count == 1200
    assert breach.rules == ("gdpr-art33-authority",)
    assert breach.source_path == f"comms/{SLUG}/breach.yml"
    assert breach.lines["aware"] == 2


def test_breach_sidecar_may_wrap_the_mapping_in_breach(load):
    sidecar = "breach:\n  aware: 2026-11-20T16:00:00Z\n"
    _, site = load({f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/breach.yml": sidecar})
    assert site.by_slug(SLUG).breach.lines["aware"] == 2


def test_breach_in_front_matter_and_sidecar_is_an_error(site_factory):
    sidecar = "aware: 2026-11-20T16:00:00Z\n"
    (message,) = errors_of(
        site_factory, {f"updates/{SLUG}.md": BREACH_INCIDENT, f"comms/{SLUG}/breach.yml": sidecar}
    )
    assert message == (
        f"comms/{SLUG}/breach.yml:1: error: the incident "
        f"already has a breach: block (updates/{SLUG}.md:8)\n"
        "  expected: the breach details in one place: the front matter or this file\n"
        "  hint: keep the sidecar (it stays out of public "
        "updates/) and delete the front-matter block"
    )


def test_breach_sidecar_errors_name_the_sidecar(site_factory):
    (message,) = errors_of(
        site_factory, {f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/breach.yml": "aware: soon\n"}
    )
    assert message.startswith(
        f"comms/{SLUG}/breach.yml:1: error: breach.aware: cannot read 'soon' as a time"
    )


def test_breach_rule_ids_and_clock_names_are_checked(site_factory):
    text = BREACH_INCIDENT.replace("[gdpr-art33-authority]", "[gdpr-art33-authorty]").replace(
        "  aware:", "  awre:"
    )
    messages = errors_of(site_factory, {f"updates/{SLUG}.md": text})
    assert messages == [
        f"updates/{SLUG}.md:10: error: breach.rules: unknown rule 'gdpr-art33-authorty'\n"
        "  expected: rule ids listed by `clarion rules`\n"
        "  hint: did you mean 'gdpr-art33-authority'?",
        f"updates/{SLUG}.md:9: error: breach.awre: no rule reads a clock named 'awre'\n"
        "  expected: one of: aware, discovered, report_requested, handled, classified_major, "
        "activities_recovered, materiality_determined, "
        "information_available, determined, ransom_paid, "
        "believed, new_information, noticed, suspected, "
        "assessed_notifiable, mitigation_available, weakness_identified\n"
        "  hint: did you mean 'aware'?",
    ]


def test_comms_folder_outside_the_site_root(site_factory, tmp_path):
    private = tmp_path / "private-comms"
    (private / SLUG).mkdir(parents=True)
    (private / SLUG / "dpa.md").write_text(NOTICE, encoding="utf-8")
    toml = MINIMAL_TOML + '\n[paths]\ncomms = "../private-comms"\n'
    root = site_factory({f"updates/{SLUG}.md": INCIDENT}, toml=toml)
    site = load_site(load_config(root))
    (notice,) = site.notices
    assert notice.source_path == f"private-comms/{SLUG}/dpa.md"


def test_site_toml_rule_settings_are_checked_with_the_content(site_factory):
    toml = MINIMAL_TOML + (
        "\n[rules]\n"
        'enabled = ["gdpr-art33-authorty"]\n'
        "[rules.overrides.customer-resolution]\n"
        'deadlin = "PT12H"\n'
        "[rules.overrides.sec-8k-item-1-05]\n"
        'holidays = "XX"\n'
    )
    messages = errors_of(
        site_factory, {f"updates/{SLUG}.md": INCIDENT.replace("SEV1", "SEV9")}, toml=toml
    )
    line = {
        key: toml.splitlines().index(text) + 1
        for key, text in (
            ("enabled", 'enabled = ["gdpr-art33-authorty"]'),
            ("deadlin", 'deadlin = "PT12H"'),
            ("holidays", 'holidays = "XX"'),
        )
    }
    assert messages[0].startswith(f"updates/{SLUG}.md:3: error: severity: got 'SEV9'")
    assert messages[1:] == [
        f"site_src/site.toml:{line['enabled']}: error: "
        f"rules.enabled: unknown rule 'gdpr-art33-authorty'\n"
        "  expected: a rule id listed by `clarion rules`\n"
        "  hint: did you mean 'gdpr-art33-authority'?",
        f"site_src/site.toml:{line['deadlin']}: error: unknown "
        f"key 'deadlin' in [rules.overrides.customer-resolution]\n"
        "  expected: one of: enabled, deadline, deadlines, calendar, "
        "holidays, zone, due_time, weekend_relief, severity\n"
        "  hint: did you mean 'deadline'?",
        f"site_src/site.toml:{line['holidays']}: error: "
        f"rules.overrides.sec-8k-item-1-05.holidays: unknown holidays country 'XX'\n"
        "  expected: a country code of the holidays package, "
        "optionally with a subdivision (US, BR, US-NY)",
    ]
