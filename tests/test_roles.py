"""``roles:`` in the front matter: read and validated, never published, shown in
the private report; ``clarion check`` warns (text, JSON, GitHub annotations)
when an unresolved SEV0/SEV1 has no commander after the rulebook's 15 minutes
or no communications lead after 30, exactly at those thresholds, and honours
``[rules.overrides]``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion.cli import main
from clarion.config import load_config
from clarion.errors import ContentErrors
from clarion.load import load_site
from tests.conftest import MINIMAL_TOML

INCIDENT = """\
---
title: API errors
severity: SEV1
components:
  api: partial_outage
declared: 2026-11-27T10:00:00Z
{roles}---
## 2026-11-27 10:00 UTC · Investigating
We are investigating.
"""
SLUG = "2026-11-27-api-errors"
COMMANDER = "SEV1 incident without an incident commander 15 min after"
COMMS = "SEV1 incident without a communications lead 30 min after"


def site(site_factory, roles: str = "", *, toml: str = MINIMAL_TOML, text: str = INCIDENT) -> Path:
    return site_factory({f"updates/{SLUG}.md": text.format(roles=roles)}, toml=toml)


def check(root: Path, now: str, *args: str):
    return CliRunner().invoke(main, ["check", "--source", str(root), "--now", now, *args])


def test_roles_load_and_bad_roles_are_errors(site_factory):
    roles = (
        "roles:\n  commander: Ana Lima\n  comms_lead: Ben Okafor\n  experts: [Dana Diaz, Eli Ito]\n"
    )
    incident = load_site(load_config(site(site_factory, roles))).incidents[0]
    assert incident.roles is not None
    assert (incident.roles.commander, incident.roles.comms_lead) == ("Ana Lima", "Ben Okafor")
    assert incident.roles.experts == ("Dana Diaz", "Eli Ito") and incident.roles.scribe is None
    bad = site_factory(
        {f"updates/{SLUG}.md": INCIDENT.format(roles="roles:\n  comander: Ana\n  experts: 3\n")},
        name="bad",
    )
    with pytest.raises(ContentErrors) as caught:
        load_site(load_config(bad))
    text = caught.value.format()
    assert f"updates/{SLUG}.md:8: error: unknown role 'comander'" in text
    assert "hint: did you mean 'commander'?" in text
    assert f"updates/{SLUG}.md:9: error: roles.experts: got 3" in text


@pytest.mark.parametrize(
    "now,commander,comms",
    [
        ("2026-11-27T10:14:59Z", False, False),
        ("2026-11-27T10:15:00Z", True, False),  # exactly 15 min
        ("2026-11-27T10:29:59Z", True, False),
        ("2026-11-27T10:30:00Z", True, True),  # exactly 30 min
    ],
)
def test_role_warnings_exactly_at_the_thresholds(site_factory, now, commander, comms):
    result = check(site(site_factory), now)
    assert result.exit_code in (0, 1, 4), result.output
    assert (COMMANDER in result.output) is commander
    assert (COMMS in result.output) is comms


def test_role_warnings_in_text_json_and_github(site_factory):
    root = site(site_factory)
    now = "2026-11-27T10:30:00Z"
    text = check(root, now).output
    assert (
        f"updates/{SLUG}.md:1: warning: SEV1 incident without an incident commander 15 min after "
        "it was declared (incident-commander: due 2026-11-27 10:15 UTC)\n"
        "  hint: name one in the front matter: roles: {commander: NAME}"
    ) in text
    data = json.loads(check(root, now, "--format", "json").output)
    warnings = [
        w
        for w in data["lint"]
        if "incident-commander" in w["message"] or "comms-lead" in w["message"]
    ]
    assert [w["severity"] for w in warnings] == ["warning", "warning"]
    assert warnings[0]["file"] == f"updates/{SLUG}.md"
    github = check(root, now, "--format", "github").output.splitlines()
    annotations = [line for line in github if "comms-lead" in line or "incident-commander" in line]
    assert len(annotations) == 2
    assert all(line.startswith(f"::warning file=updates/{SLUG}.md,line=1") for line in annotations)


def test_named_roles_resolved_incidents_and_lower_severities_warn_nothing(site_factory):
    now = "2026-11-27T12:00:00Z"
    named = site(site_factory, "roles:\n  commander: Ana\n  comms_lead: Ben\n")
    assert "incident-commander" not in check(named, now).output
    assert "comms-lead" not in check(named, now).output
    sev2 = site_factory(
        {f"updates/{SLUG}.md": INCIDENT.format(roles="").replace("SEV1", "SEV2")}, name="sev2"
    )
    assert "incident commander" not in check(sev2, now).output
    resolved = INCIDENT.format(roles="") + "\n## 2026-11-27 10:10 UTC · Resolved\nFixed.\n"
    done = site_factory({f"updates/{SLUG}.md": resolved}, name="done")
    assert "incident commander" not in check(done, now).output
    # the line of the roles block when there is one
    partial = site_factory(
        {f"updates/{SLUG}.md": INCIDENT.format(roles="roles:\n  commander: Ana\n")}, name="partial"
    )
    out = check(partial, now).output
    assert "incident commander" not in out
    assert f"updates/{SLUG}.md:7: warning: SEV1 incident without a communications lead" in out


def test_overrides_change_the_durations_severities_or_turn_them_off(site_factory):
    faster = MINIMAL_TOML + '\n[rules.overrides.incident-commander]\ndeadline = "PT5M"\n'
    root = site(site_factory, toml=faster)
    assert "incident commander 5 min after" not in check(root, "2026-11-27T10:04:59Z").output
    assert "incident commander 5 min after" in check(root, "2026-11-27T10:05:00Z").output
    off = MINIMAL_TOML + "\n[rules.overrides.comms-lead]\nenabled = false\n"
    assert (
        "communications lead"
        not in check(
            site_factory({f"updates/{SLUG}.md": INCIDENT.format(roles="")}, toml=off, name="off"),
            "2026-11-27T12:00:00Z",
        ).output
    )
    wider = (
        MINIMAL_TOML
        + '\n[rules.overrides.incident-commander]\nseverity = ["SEV0", "SEV1", "SEV2"]\n'
    )
    sev2 = site_factory(
        {f"updates/{SLUG}.md": INCIDENT.format(roles="").replace("SEV1", "SEV2")},
        toml=wider,
        name="wide",
    )
    assert (
        "SEV2 incident without an incident commander" in check(sev2, "2026-11-27T10:15:00Z").output
    )


def test_the_rules_are_listed_with_their_durations(site_factory):
    root = site_factory()
    for rule, duration in (("incident-commander", "PT15M"), ("comms-lead", "PT30M")):
        data = json.loads(
            CliRunner()
            .invoke(main, ["rules", rule, "--format", "json", "--source", str(root)])
            .output
        )
        (entry,) = data["rules"]
        assert (entry["kind"], entry["deadline"], entry["enabled"]) == ("practice", duration, True)


def test_roles_never_reach_the_public_site_and_show_in_the_private_report(site_factory):
    roles = "roles:\n  commander: Wombat Quill\n  comms_lead: Ocelot Fern\n  scribe: Kestrel Moss\n"
    root = site(site_factory, roles)
    result = CliRunner().invoke(
        main, ["build", "--source", str(root), "--now", "2026-11-27T10:20:00Z"]
    )
    assert result.exit_code == 0, result.output
    for path in (root / "public").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for name in (b"Wombat", b"Ocelot", b"Kestrel"):
                assert name not in data, path
    report = (root / "private/deadlines.html").read_text()
    assert "Commander: Wombat Quill · Comms lead: Ocelot Fern · Scribe: Kestrel Moss" in report
    data = json.loads((root / "private/deadlines.json").read_text())
    assert data["obligations"][0]["roles"]["commander"] == "Wombat Quill"


def test_a_public_repository_must_not_hold_roles(site_factory):
    root = site(site_factory, "roles:\n  commander: Ana\n")
    (root / ".git").mkdir()
    result = check(root, "2026-11-27T10:20:00Z", "--repo-visibility", "public")
    assert result.exit_code == 2
    assert (
        f"updates/{SLUG}.md:7: error: public repository: a 'roles:' block (names) is readable"
        in result.output
    )
