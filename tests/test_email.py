"""Email drafts: notices and owed customer emails as .eml files, parsed back
with the standard library and checked field by field; the private index;
strict, sandboxed notice templates; nothing private in the public folder."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion.build import build
from clarion.cli import main
from clarion.config import load_config
from clarion.errors import ContentErrors, UsageError
from tests.conftest import MINIMAL_TOML, NOW, copy_example

REPO = Path(__file__).resolve().parent.parent
SLUG = "2026-11-20-api-errors"
INCIDENT = """\
---
title: Elevated error rates on the API
severity: SEV1
components:
  api: partial_outage
  web: degraded_performance
declared: 2026-11-20T14:02:00Z
customers_affected: true
---
Some API requests failed.

## 2026-11-20 14:05 UTC · Investigating
We are investigating elevated error rates on the API.

## 2026-11-20 14:40 UTC · Identified
A faulty deploy was identified and is being rolled back.

## 2026-11-20 15:10 UTC · Resolved
Error rates are back to normal.
"""
POSTMORTEM = """
## 2026-11-21 10:00 UTC · Postmortem
A configuration flag was flipped for every region at once. We now roll out flags region by region.
"""
BREACH = (
    "customers_affected: true\nbreach:\n  aware: "
    "2026-11-20T16:00:00Z\n  rules: [gdpr-art33-authority]\n"
)
TOML = MINIMAL_TOML.replace(
    'customers = ["customers@test.example"]',
    'customers = ["Kundenservice Müller <customers@test.example>"]\ndpa = ["breaches@dpa.example"]',
).replace('from = "Test Status <status@test.example>"', 'from = "Zoë Status <status@test.example>"')
DPA_NOTICE = """\
---
rule: gdpr-art33-authority
to: [dpa]
cc: [dpo@test.example]
bcc: [legal@test.example]
subject: Meldung einer Datenpanne — {{ incident.title }}
---
Dear authority,

### Nature of the breach
{{ incident.title }}: member lists were sent to the wrong organisation.

### Contact point
Our DPO, dpo@test.example.

### Likely consequences
Phishing.

### Measures taken
We reverted the change.
"""


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def defects(msg: EmailMessage) -> list[object]:
    found: list[object] = []
    for part in msg.walk():
        found += part.defects
        for name in part.keys():
            found += part[name].defects
    return found


def build_site(root: Path, now=NOW, **kw):
    return build(load_config(root), now=now, use_cache=False, **kw)


def emls(root: Path, private: str = "private") -> dict[str, bytes]:
    folder = root / private / "comms"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.eml"))}


def plain(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


def html(msg: EmailMessage) -> str:
    return msg.get_body(("html",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


# -- the .eml files --------------------------------------------------------------------


def test_a_notice_becomes_a_standard_draft(site_factory):
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT.replace("customers_affected: true\n", BREACH),
            f"comms/{SLUG}/dpa.md": DPA_NOTICE,
        },
        toml=TOML,
    )
    build_site(root)
    data = emls(root)[f"{SLUG}/dpa.eml"]
    assert b"\r\n" in data and all(len(line) <= 78 for line in data.split(b"\r\n"))
    msg = parse(data)
    assert defects(msg) == []
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["From"] == "Zoë Status <status@test.example>"
    assert msg["From"].addresses[0].display_name == "Zoë Status"
    assert (
        b"Zo\xc3\xab" not in data.split(b"\r\n\r\n")[0]
    )  # headers are 7-bit: RFC 2047 encoded words
    assert msg["Reply-To"] == "support@test.example"
    assert msg["To"] == "breaches@dpa.example"
    assert msg["Cc"] == "dpo@test.example" and msg["Bcc"] == "legal@test.example"
    assert msg["Subject"] == "Meldung einer Datenpanne — Elevated error rates on the API"
    assert msg["X-Unsent"] == "1"
    assert msg["X-Clarion-Rule"] == "gdpr-art33-authority"
    assert msg["X-Clarion-Incident"] == SLUG
    # a draft's Date is when its rule's clock started (breach.aware), in the site's zone
    assert msg["Date"] == "Fri, 20 Nov 2026 17:00:00 +0100"
    assert re.fullmatch(r"<[0-9a-f]{24}\.clarion@status\.test\.example>", msg["Message-ID"])
    text = plain(msg)
    assert "\n\nNature of the breach\n\nElevated error rates on the API: member lists" in text
    assert "###" not in text  # the text part reads as text, not as Markdown
    assert "<h3>Nature of the breach</h3>" in html(
        msg
    ) and "<p>Elevated error rates on the API: member lists" in html(msg)


def test_drafts_are_deterministic_and_never_use_the_wall_clock(site_factory):
    notice = DPA_NOTICE.replace("subject:", "sent: 2026-11-21T09:30:00Z\nsubject:")
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT.replace("customers_affected: true\n", BREACH),
            f"comms/{SLUG}/dpa.md": notice,
        },
        toml=TOML,
    )
    build_site(root)
    first = emls(root)
    build_site(root, now=NOW.replace(day=28))
    assert emls(root) == first
    msg = parse(first[f"{SLUG}/dpa.eml"])
    assert msg["Date"] == "Sat, 21 Nov 2026 10:30:00 +0100"  # the sent: time


def test_non_ascii_subjects_and_names_round_trip(site_factory):
    subjects = [
        "Störung der API — wir arbeiten daran",
        "障害のお知らせ: {{ incident.title }}",
        "[Test] Résolu : une très longue ligne d'objet qui dépasse "
        "largement la limite de soixante-dix-huit caractères",
        "[Test] An ASCII subject that is long enough to be folded onto a second header line",
    ]
    files = {f"updates/{SLUG}.md": INCIDENT}
    for n, subject in enumerate(subjects):
        files[f"comms/{SLUG}/n{n}.md"] = (
            f'---\nto: [customers]\nsubject: "{subject}"\n---\nHallo.\n'
        )
    root = site_factory(files, toml=TOML)
    build_site(root)
    drafts = emls(root)
    for n, subject in enumerate(subjects):
        msg = parse(drafts[f"{SLUG}/n{n}.eml"])
        assert defects(msg) == []
        assert msg["Subject"] == subject.replace(
            "{{ incident.title }}", "Elevated error rates on the API"
        )
        assert msg["To"].addresses[0].display_name == "Kundenservice Müller"
        assert msg["To"].addresses[0].addr_spec == "customers@test.example"


def test_the_html_part_is_sanitised(site_factory):
    body = (
        "Hello <script>alert('x')</script> world.\n\n"
        '<img src="https://x.example/a.png" onerror="alert(1)">\n\n'
        "[click](javascript:alert(1)) and <a "
        'href="https://ok.example/" onclick="steal()">ok</a>\n\n'
        '<iframe src="https://evil.example/"></iframe><style>body{}</style>\n'
    )
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT,
            f"comms/{SLUG}/x.md": f"---\nto: [customers]\nsubject: Hi\n---\n{body}",
        }
    )
    build_site(root)
    part = html(parse(emls(root)[f"{SLUG}/x.eml"]))
    lowered = part.lower()
    for bad in (
        "<script",
        "alert(",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "evil.example",
    ):
        assert bad not in lowered, bad
    assert "https://ok.example/" in part and "https://x.example/a.png" in part


def test_html_comments_never_reach_a_draft(site_factory):
    notice = "---\nto: [customers]\nsubject: Hi\n---\n<!-- internal: blame Bob -->\nHello.\n"
    root = site_factory({f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/x.md": notice})
    build_site(root)
    data = emls(root)[f"{SLUG}/x.eml"]
    assert b"Bob" not in data and "Hello." in plain(parse(data))


# -- owed customer emails ---------------------------------------------------------------


def test_owed_ack_and_resolution_are_drafted_for_a_sev1_with_customers_affected(site_factory):
    root = site_factory({f"updates/{SLUG}.md": INCIDENT + POSTMORTEM})
    build_site(root)
    drafts = emls(root)
    assert set(drafts) == {f"{SLUG}/customer-ack.eml", f"{SLUG}/customer-resolution.eml"}
    ack, resolution = (
        parse(drafts[f"{SLUG}/customer-ack.eml"]),
        parse(drafts[f"{SLUG}/customer-resolution.eml"]),
    )
    for msg in (ack, resolution):
        assert defects(msg) == []
        assert msg["To"] == "customers@test.example" and msg["X-Unsent"] == "1"
        assert msg["X-Clarion-Incident"] == SLUG
    assert ack["X-Clarion-Rule"] == "customer-ack"
    assert ack["Subject"] == "[Test] Elevated error rates on the API: we are working on it"
    assert ack["Date"] == "Fri, 20 Nov 2026 15:02:00 +0100"  # declared: when the email became owed
    assert resolution["X-Clarion-Rule"] == "customer-resolution"
    assert resolution["Subject"] == "[Test] Resolved: Elevated error rates on the API"
    assert resolution["Date"] == "Fri, 20 Nov 2026 16:10:00 +0100"  # resolved
    text = plain(resolution)
    assert "we are sorry" in text.lower() and "apologise" in text
    # the impact window in the site's zone, with UTC, and its length
    assert (
        "Friday 20 November 2026, from 15:02 to 16:10 CET (14:02 to 15:10 UTC), 1 h 8 min" in text
    )
    assert "- API: partial outage" in text and "- Website: degraded performance" in text
    assert "Some API requests failed." in text  # what happened: the summary
    assert "15:40 CET, identified: A faulty deploy was identified" in text  # what was done
    assert (
        "We now roll out flags region by region." in text
    )  # what will prevent a repeat: the postmortem
    assert "blame" not in text.lower()
    assert "<strong>What happened.</strong>" in html(resolution)


def test_the_resolution_email_promises_a_review_without_a_postmortem(site_factory):
    root = site_factory({f"updates/{SLUG}.md": INCIDENT})
    build_site(root)
    text = plain(parse(emls(root)[f"{SLUG}/customer-resolution.eml"]))
    assert f"we will publish that review at https://status.test.example/incidents/{SLUG}/" in text


def test_while_unresolved_only_the_acknowledgement_is_owed(site_factory):
    root = site_factory({f"updates/{SLUG}.md": INCIDENT})
    build_site(root, now=NOW.replace(day=20, hour=14, minute=30))
    drafts = emls(root)
    assert set(drafts) == {f"{SLUG}/customer-ack.eml"}
    text = plain(parse(drafts[f"{SLUG}/customer-ack.eml"]))
    assert "We are investigating elevated error rates" in text  # what is known at now
    assert "faulty deploy" not in text  # an update after now is not known yet
    assert "at least every 30 min" in text and "we will email you again" in text


@pytest.mark.parametrize(
    "change",
    [
        ("severity: SEV1", "severity: SEV2"),
        ("customers_affected: true", "customers_affected: false"),
    ],
)
def test_no_owed_email_for_sev2_or_without_customers_affected(site_factory, change):
    root = site_factory({f"updates/{SLUG}.md": INCIDENT.replace(*change)})
    build_site(root)
    assert emls(root) == {}
    assert "No notices and no owed emails." in (root / "private/comms/index.html").read_text()


def test_an_imported_incident_owes_no_email_as_check_owes_it_nothing(site_factory):
    # Imported incidents owe no practice rule (their emails went out from the old
    # tool): the deadline report lists none, so no draft may be owed either.
    imported = INCIDENT.replace(
        "customers_affected: true", "customers_affected: true\nimported: statuspage"
    )
    root = site_factory({f"updates/{SLUG}.md": imported})
    build_site(root)
    report = json.loads((root / "private/deadlines.json").read_text())
    assert [o for o in report["obligations"] if o["rule"].startswith("customer-")] == []
    assert emls(root) == {}
    assert "No notices and no owed emails." in (root / "private/comms/index.html").read_text()


def test_no_owed_email_when_a_notice_covers_the_rule(site_factory):
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT,
            f"comms/{SLUG}/customer-ack-sent.md": (
                "---\nrule: customer-ack\nsent: 2026-11-20T14:30:00Z\n---\n"
            ),
            f"comms/{SLUG}/resolved.md": (
                "---\nrule: customer-resolution\nto: [customers]\nsubject: Fixed\n---\nAll good.\n"
            ),
        }
    )
    build_site(root)
    assert set(emls(root)) == {f"{SLUG}/resolved.eml"}  # the notice's own draft, no owed one
    index = (root / "private/comms/index.html").read_text()
    assert (
        "recorded, sent from your mail system" in index
        and "overdue since 2026-11-21 15:10 UTC" in index
    )


def test_owed_emails_older_than_the_window_are_counted_not_drafted(site_factory):
    root = site_factory({f"updates/{SLUG}.md": INCIDENT})
    build_site(root, now=NOW.replace(year=2027, month=6))
    assert emls(root) == {}
    index = (root / "private/comms/index.html").read_text()
    assert "2 older owed emails (clock started more than 14 days ago) are not drafted" in index


def test_owed_drafts_are_reused_from_the_previous_build(site_factory, monkeypatch):
    from clarion.render import email_drafter as email_module

    root = site_factory({f"updates/{SLUG}.md": INCIDENT})
    config = load_config(root)
    build(config, now=NOW)
    first = emls(root)
    calls = []
    real = email_module.EmailDrafter._finish
    monkeypatch.setattr(
        email_module.EmailDrafter,
        "_finish",
        lambda self, **kw: calls.append(kw) or real(self, **kw),
    )
    (root / "site_src/static").mkdir(parents=True)
    (root / "site_src/static/extra.css").write_text("body{}")  # another input: the build runs again
    build(config, now=NOW)
    assert calls == [] and emls(root) == first
    (root / f"updates/{SLUG}.md").write_text(INCIDENT + POSTMORTEM)
    build(load_config(root), now=NOW)
    assert len(calls) == 2  # the incident changed: both drafts are made again
    assert "We now roll out flags region by region." in plain(
        parse(emls(root)[f"{SLUG}/customer-resolution.eml"])
    )


def _breach_site(site_factory, toml: str = TOML) -> Path:
    return site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT.replace("customers_affected: true\n", BREACH),
            f"comms/{SLUG}/dpa.md": DPA_NOTICE,
        },
        toml=toml,
    )


def test_a_site_override_of_a_deadline_shows_alike_in_check_and_in_the_email_index(site_factory):
    overridden = TOML + '\n[rules.overrides.gdpr-art33-authority]\ndeadline = "PT24H"\n'
    root = _breach_site(site_factory, overridden)
    build_site(root, now=datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    result = cli(
        "check", "--source", str(root), "--now", "2026-11-21T12:00:00Z", "--format", "json"
    )
    items = {o["key"]: o for o in json.loads(result.output)["obligations"]}
    # 24 hours from breach.aware (2026-11-20 16:00), not the rulebook's 72
    assert items[f"{SLUG}/gdpr-art33-authority"]["due_at"] == "2026-11-21T16:00:00Z"
    index = (root / "private/comms/index.html").read_text()
    assert "due by 2026-11-21 16:00 UTC" in index
    assert "2026-11-23 16:00" not in index


def test_the_email_drafts_read_obligations_from_the_derive_pass(site_factory, monkeypatch):
    import sys

    from clarion.build import prepare
    from clarion.render.email import render_emails

    root = _breach_site(site_factory)
    context = prepare(load_config(root), now=datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    private = context.private
    derived = (private.deadlines, private.owed_emails, private.notice_obligations)
    assert derived[2][(SLUG, "dpa")].key == f"{SLUG}/gdpr-art33-authority"

    def derives_again(*args: object, **kw: object) -> None:
        raise AssertionError("a renderer computed an obligation itself")

    for module in list(sys.modules.values()):
        if module is not None and module.__name__.startswith("clarion.render"):
            if hasattr(module, "obligation_for"):
                monkeypatch.setattr(module, "obligation_for", derives_again)
    monkeypatch.setattr("clarion.derive.obligation.obligation_for", derives_again)
    monkeypatch.setattr("clarion.derive.deadlines.obligation_for", derives_again)
    outputs = {o.path: o.data for o in render_emails(context)}
    assert f"comms/{SLUG}/dpa.eml" in outputs
    assert "due by 2026-11-23 16:00 UTC" in outputs["comms/index.html"].decode()


def test_owed_emails_take_their_obligations_from_the_deadline_report(site_factory):
    from clarion.build import prepare

    root = site_factory({f"updates/{SLUG}.md": INCIDENT})
    private = prepare(load_config(root), now=NOW).private
    owed = private.owed_emails.recent
    report = {o.key: o for o in private.deadlines.obligations}
    assert [o.obligation.key for o in owed] == [
        f"{SLUG}/customer-ack",
        f"{SLUG}/customer-resolution",
    ]
    assert all(o.obligation is report[o.obligation.key] for o in owed)  # one object, not a copy


def test_owed_email_templates_are_overridable_by_name(site_factory):
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT,
            "templates/email/customer-ack.subject.j2": "Sorry about {{ incident.title }}\n",
            "templates/email/customer-ack.md.j2": (
                "{% include 'default/email/customer-ack.md.j2' %}\nP.S. {{ incident.severity }}\n"
            ),
        }
    )
    build_site(root)
    msg = parse(emls(root)[f"{SLUG}/customer-ack.eml"])
    assert msg["Subject"] == "Sorry about Elevated error rates on the API"
    assert "We are aware of a problem" in plain(msg) and "P.S. SEV1" in plain(msg)


# -- strict, sandboxed templates -----------------------------------------------------------


def _build_errors(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as info:
        build_site(root)
    return [e.format() for e in info.value.errors]


def test_an_unknown_name_is_an_error_with_file_and_line(site_factory):
    notice = (
        "---\n"  # 1
        "to: [customers]\n"  # 2
        "subject: Update on {{ incident.tittle }}\n"  # 3
        "---\n"  # 4
        "Hello,\n"  # 5
        "\n"  # 6
        "{{ incident.title }} started {{ incident.start }}.\n"  # 7
        "{{ incident.componets }}\n"  # 8
        "{{ incidnt }}\n"  # 9
    )
    root = site_factory({f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/x.md": notice})
    errors = _build_errors(root)
    assert errors == [
        f"comms/{SLUG}/x.md:3: error: unknown name 'incident.tittle' in a template\n"
        + f"  expected: one of: {errors[0].split('one of: ')[1].splitlines()[0]}\n"
        + "  hint: did you mean 'title'?",
        f"comms/{SLUG}/x.md:8: error: unknown name 'incident.componets' in a template\n"
        + f"  expected: one of: {errors[1].split('one of: ')[1].splitlines()[0]}\n"
        + "  hint: did you mean 'components'?",
    ]
    assert not (root / "private").exists() and not (root / "public").exists()  # nothing written
    # the first error in a body stops that body: fix it and the next one shows
    (root / f"comms/{SLUG}/x.md").write_text(
        notice.replace("tittle", "title").replace("componets", "components")
    )
    errors = _build_errors(root)
    assert len(errors) == 1 and errors[0].startswith(
        f"comms/{SLUG}/x.md:9: error: unknown name 'incidnt' in a template"
    )
    assert "did you mean 'incident'?" in errors[0]


def test_template_errors_fail_build_and_check_with_exit_2(site_factory):
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT,
            f"comms/{SLUG}/x.md": "---\nto: [customers]\nsubject: Hi\n---\n\n{% if %}\n",
        }
    )
    result = cli("build", "--source", str(root), "--now", "2026-11-27T12:00:00Z")
    assert result.exit_code == 2
    assert (
        f"comms/{SLUG}/x.md:6: error: template syntax:" in result.output
        and "Traceback" not in result.output
    )
    result = cli("check", "--source", str(root), "--now", "2026-11-27T12:00:00Z")
    assert (
        result.exit_code == 2 and f"comms/{SLUG}/x.md:6: error: template syntax:" in result.output
    )


def test_templates_are_sandboxed(site_factory):
    notice = "---\nto: [customers]\nsubject: Hi\n---\n{{ incident.title.__class__.__mro__ }}\n"
    root = site_factory({f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/x.md": notice})
    (error,) = _build_errors(root)
    assert error.startswith(f"comms/{SLUG}/x.md:5: error:")


def test_an_error_in_a_site_template_names_that_template(site_factory):
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT,
            "templates/email/customer-ack.md.j2": "Hello\n\n{{ site.nmae }}\n",
        }
    )
    (error,) = _build_errors(root)
    assert error.startswith(
        "templates/email/customer-ack.md.j2:3: error: unknown name 'site.nmae' in a template"
    )
    assert "did you mean 'name'?" in error


def test_an_unknown_include_is_an_error(site_factory):
    notice = "---\nto: [customers]\nsubject: Hi\n---\nHello\n{% include 'email/signatur.md.j2' %}\n"
    root = site_factory({f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/x.md": notice})
    (error,) = _build_errors(root)
    assert error.startswith(
        f"comms/{SLUG}/x.md:6: error: template 'email/signatur.md.j2' not found"
    )


def test_an_unknown_audience_is_an_error_with_a_hint(site_factory):
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT,
            f"comms/{SLUG}/x.md": "---\nto: [custmers]\nsubject: Hi\n---\nHello\n",
        }
    )
    (error,) = _build_errors(root)
    assert error.startswith(f"comms/{SLUG}/x.md:2: error: to: unknown audience 'custmers'")
    assert "did you mean 'customers'?" in error


def test_an_invalid_address_is_an_error(site_factory):
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT,
            f"comms/{SLUG}/x.md": '---\nto: ["a@b@c"]\nsubject: Hi\n---\nHello\n',
        }
    )
    (error,) = _build_errors(root)
    assert error.startswith(f"comms/{SLUG}/x.md:2: error: to: 'a@b@c' is not a valid email address")


# -- regulator notices: required content --------------------------------------------------


def test_a_regulator_notice_missing_a_required_item_is_reported_with_file_and_line(site_factory):
    notice = DPA_NOTICE.replace("### Likely consequences\nPhishing.\n\n", "").replace(
        "### Contact point\n", "### Contact point\n(to be completed)\n\n### Other\n"
    )
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT.replace("customers_affected: true\n", BREACH),
            f"comms/{SLUG}/dpa.md": notice,
        },
        toml=TOML,
    )
    result = cli("check", "--source", str(root), "--now", "2026-11-21T12:00:00Z")
    assert result.exit_code == 1, (
        result.output
    )  # the customer acknowledgement is overdue; warnings never fail
    assert (
        f"comms/{SLUG}/dpa.md:8: warning: gdpr-art33-authority: "
        f"the notice does not cover a required item (draft): "
        "likely consequences of the breach\n"
        "  hint: add a section '### Likely consequences of the breach'"
    ) in result.output
    assert (
        f"comms/{SLUG}/dpa.md:13: warning: gdpr-art33-authority: "
        f"the section 'Contact point' is still empty (draft); "
        "required: name and contact details of the DPO or other contact point"
    ) in result.output
    assert "reasons for the delay" not in result.output  # not late: not required
    strict = cli("check", "--source", str(root), "--now", "2026-11-21T12:00:00Z", "--strict")
    assert strict.exit_code == 2
    github = cli(
        "check", "--source", str(root), "--now", "2026-11-21T12:00:00Z", "--format", "github"
    )
    assert f"::warning file=comms/{SLUG}/dpa.md,line=8,title=Clarion warning::" in github.output
    # late: the reasons for the delay are required too
    late = cli("check", "--source", str(root), "--now", "2026-11-24T12:00:00Z")
    assert "reasons for the delay, if notified later than 72 hours after awareness" in late.output
    # the private index shows the same problems beside the draft
    build_site(root)
    index = (root / "private/comms/index.html").read_text()
    assert "likely consequences of the breach" in index


def test_new_notice_starts_from_the_rule_skeleton_with_headings(site_factory):
    root = site_factory(
        {f"updates/{SLUG}.md": INCIDENT.replace("customers_affected: true\n", BREACH)}, toml=TOML
    )
    result = cli(
        "new",
        "notice",
        "api-errors",
        "--rule",
        "gdpr-art33-authority",
        "--to",
        "dpa",
        "--source",
        str(root),
    )
    assert result.exit_code == 0, result.output
    text = (root / f"comms/{SLUG}/gdpr-art33-authority.md").read_text()
    for heading in (
        "Nature of the breach",
        "Name and contact details of the DPO or other contact point",
        "Likely consequences of the breach",
        "Measures taken or proposed to address the breach",
        "Reasons for the delay",
    ):
        assert f"\n### {heading}\n" in text
    check = cli("check", "--source", str(root), "--now", "2026-11-21T12:00:00Z")
    assert check.output.count("is still empty (draft)") == 4
    assert (
        check.output.count("still holds the placeholder '(to be completed)'") == 1
    )  # the delay section
    lines = text.split("\n")
    assert (
        f"comms/{SLUG}/gdpr-art33-authority.md:{lines.index('### Nature of the breach') + 1}: "
        f"warning" in check.output
    )


def test_every_regulatory_skeleton_names_each_required_item():
    """The skeleton's headings and the content check agree, for every rule."""
    from clarion.derive.required_content import missing_items, parse_item
    from clarion.documents import Notice
    from clarion.render.email_templates import notice_skeleton
    from clarion.rules import shipped_rules

    config = load_config(REPO)
    for rule in shipped_rules():
        if rule.is_practice:
            continue
        body = notice_skeleton(config, rule.id, rule.title, rule.recipient, rule.must_contain)
        notice = Notice(
            slug="s", name=rule.id, rule=rule.id, body=body, source_path="n.md", body_line=5
        )
        missing = missing_items(notice, rule, late=True)
        wanted = [parse_item(t) for t in rule.must_contain]
        assert [m.item.text for m in missing] == [
            i.text for i in wanted if i.condition != "optional" and i.label_words
        ], rule.id
        assert all(m.empty_section is not None for m in missing), rule.id
        filled = body.replace("(to be completed)", "Written, with the facts we have.")
        assert (
            missing_items(notice.__class__(**{**_fields(notice), "body": filled}), rule, late=True)
            == []
        ), rule.id


def _fields(notice: object) -> dict[str, object]:
    import dataclasses

    return {f.name: getattr(notice, f.name) for f in dataclasses.fields(notice)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ("**Contact point:** dpo@x.example\n", []),  # a bold lead-in names it
        ("Our DPO's name and contact details: Ann, dpo@x.example.\n", []),  # a paragraph names it
        ("### Contact point\n\n### Next\nText\n", ["empty"]),  # the section is empty
        ("### Contact\n<!-- later -->\nTBD\n", ["empty"]),
        ("### Contact details\nAnn, dpo@x.example\n", []),  # every heading word is in the item
        (
            "### Contacts for the press\nNone.\n",
            ["missing"],
        ),  # one shared word, and "press" is not in the item
        ("### Breach\nText\n", ["missing"]),  # a generic word names nothing
        ("Nothing relevant here.\n", ["missing"]),
    ],
)
def test_how_an_item_is_covered(body, missing):
    from clarion.derive.required_content import missing_items
    from clarion.documents import Notice
    from clarion.rules import shipped_rules

    rule = next(r for r in shipped_rules() if r.id == "gdpr-art33-authority")
    rule = rule.__class__(
        **{
            **_fields(rule),
            "must_contain": ("name and contact details of the DPO or other contact point",),
        }
    )
    notice = Notice(slug="s", name="n", rule=rule.id, body=body, source_path="n.md", body_line=5)
    found = ["empty" if m.empty_section else "missing" for m in missing_items(notice, rule)]
    assert found == missing


# -- where drafts go ---------------------------------------------------------------------------


def test_the_private_index_lists_every_notice_and_owed_email(site_factory):
    root = site_factory(
        {
            f"updates/{SLUG}.md": INCIDENT.replace("customers_affected: true\n", BREACH),
            f"comms/{SLUG}/dpa.md": DPA_NOTICE,
            f"comms/{SLUG}/customer-ack.md": (
                "---\nrule: customer-ack\nsent: 2026-11-20T14:30:00Z\n---\n"
            ),
        },
        toml=TOML,
    )
    result = build_site(root)
    index = (root / "private/comms/index.html").read_text()
    assert (
        f'<a href="{SLUG}/dpa.eml">Meldung einer Datenpanne — Elevated error rates on the API</a>'
        in index
    )
    assert f'<a href="{SLUG}/customer-resolution.eml">' in index and "owed" in index
    assert "breaches@dpa.example" in index and "dpo@test.example" in index
    assert (
        "<code>gdpr-art33-authority</code>" in index
        and "overdue since 2026-11-23 16:00 UTC" in index
    )
    assert "recorded, sent from your mail system" in index
    assert "noindex" in index
    assert result.report.files  # built


def test_private_out_and_overlapping_folders(site_factory, tmp_path):
    root = site_factory({f"updates/{SLUG}.md": INCIDENT})
    elsewhere = tmp_path / "drafts"
    result = cli(
        "build",
        "--source",
        str(root),
        "--now",
        "2026-11-27T12:00:00Z",
        "--private-out",
        str(elsewhere),
    )
    assert result.exit_code == 0, result.output
    assert (elsewhere / f"comms/{SLUG}/customer-ack.eml").is_file() and not (
        root / "private"
    ).exists()
    inside = cli("build", "--source", str(root), "--private-out", str(root / "public/drafts"))
    assert inside.exit_code == 2 and "overlap" in inside.output
    reverse = cli(
        "build",
        "--source",
        str(root),
        "--out",
        str(tmp_path / "x"),
        "--private-out",
        str(tmp_path / "x/y"),
    )
    assert reverse.exit_code == 2 and "overlap" in reverse.output
    with pytest.raises(UsageError):
        build_site(root, public_dir=tmp_path / "p", private_dir=tmp_path / "p/q")


def test_nothing_private_reaches_the_public_folder(tmp_path):
    """Build the example site (its notices and breach records are in the open
    on purpose) plus a private incident and a private: field, then search
    every public file for notice text, subjects, drafts and private fields."""
    root = tmp_path / "example"
    copy_example(root)
    slug = "2026-11-26-secret-outage"
    (root / f"updates/{slug}.md").write_text(
        "---\ntitle: Zebra-7 private outage\nseverity: "
        "SEV1\npublic: false\ncustomers_affected: true\n"
        "components: {api: major_outage}\ndeclared: 2026-11-26T08:00:00Z\n---\n"
        "## 2026-11-26 08:05 UTC · Investigating\nQuokka-4 confidential update text.\n"
    )
    first = sorted((root / "updates").glob("*.md"))[-2]
    text = first.read_text()
    first.write_text(text.replace("\n---\n", "\nprivate: Wombat-9 internal note\n---\n", 1))
    result = build(load_config(root), now=NOW, use_cache=False)
    drafts = emls(root)
    assert f"{slug}/customer-ack.eml" in drafts and len(drafts) >= 6
    public = {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()}
    assert public and result.report.files
    needles: set[str] = {
        "Zebra-7",
        "Quokka-4",
        "Wombat-9",
        "X-Unsent",
        "X-Clarion",
        ".eml",
        "dataprotection-ie",
        "Aoife Brennan",
        "NWC-PDB-2026",
        "status-subscribers@lists",
    }
    from clarion.load import load_site

    site = load_site(load_config(root))
    for notice in site.notices:
        needles.add(notice.source_path.rsplit("/", 1)[-1][:-3] + ".eml")
        for line in notice.body.splitlines():
            line = line.strip()
            if len(line) > 30 and "{{" not in line:
                needles.add(line)
    for data in drafts.values():
        msg = parse(data)
        needles.add(str(msg["Subject"]))
        needles.add(str(msg["Message-ID"]).strip("<>"))
        for paragraph in plain(msg).split("\n\n"):
            paragraph = paragraph.strip()
            if len(paragraph) > 60 and not paragraph.startswith(
                ("Hello", "We apologise", "Demo data")
            ):
                needles.add(paragraph.splitlines()[0])
    texts = {path: data.decode("utf-8", "replace") for path, data in public.items()}
    for needle in sorted(needles):
        hits = [str(path.relative_to(root)) for path, text in texts.items() if needle in text]
        assert not hits, f"{needle!r} found in {hits}"


# -- drafts that can be sent ----------------------------------------------------------

BARE_TOML = """\
[site]
title = "Test Status"
base_url = "https://status.test.example/"
timezone = "UTC"

[components.api]
name = "API"

[components.web]
name = "Website"
"""


def test_check_warns_when_owed_drafts_have_no_sender_or_recipients(site_factory):
    root = site_factory({f"updates/{SLUG}.md": INCIDENT}, toml=BARE_TOML)
    result = cli("check", "--source", str(root), "--now", "2026-11-20T15:20:00Z")
    assert "warning: placeholder: no [email] from while notices are owed" in result.output
    assert "their drafts have no sender" in result.output
    assert "the audience 'customers' has no addresses while notices to it are owed" in result.output
    fine = site_factory({f"updates/{SLUG}.md": INCIDENT}, name="fine")
    quiet = cli("check", "--source", str(fine), "--now", "2026-11-20T15:20:00Z")
    assert "no sender" not in quiet.output and "no addresses" not in quiet.output


def test_a_draft_asking_for_replies_has_a_reply_to(site_factory):
    toml = BARE_TOML + (
        '\n[email]\nfrom = "Status <status@test.example>"\n'
        '\n[audiences]\ncustomers = ["customers@test.example"]\n'
    )
    root = site_factory({f"updates/{SLUG}.md": INCIDENT}, toml=toml)
    build_site(root, now=datetime(2026, 11, 20, 15, 20, tzinfo=UTC))
    msg = parse(emls(root)[f"{SLUG}/customer-ack.eml"])
    assert "reply to this email" in plain(msg)
    assert msg["Reply-To"] == "Status <status@test.example>"


def test_a_utc_site_states_each_time_once(site_factory):
    toml = BARE_TOML + (
        '\n[email]\nfrom = "Status <status@test.example>"\n'
        '\n[audiences]\ncustomers = ["customers@test.example"]\n'
    )
    root = site_factory({f"updates/{SLUG}.md": INCIDENT}, toml=toml)
    build_site(root, now=datetime(2026, 11, 20, 15, 20, tzinfo=UTC))
    for name, data in emls(root).items():
        text = plain(parse(data))
        assert not re.search(r"UTC \(\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", text), (name, text)
        assert not re.search(r"UTC \(\d{2}:\d{2} to \d{2}:\d{2} UTC\)", text), (name, text)
