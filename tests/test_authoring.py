"""Authoring commands: init, new, update, sent. Every written file is read back
with the loader and built; refusals name the problem and a fix."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion import authoring
from clarion.authoring import (
    Q_CUSTOMERS,
    Q_MAJOR_DEGRADED,
    Q_PRODUCTION_DOWN,
    Q_WORKAROUND,
    decide_severity,
    slugify,
    transition_warnings,
    walk_severity_tree,
    yaml_scalar,
)
from clarion.build import build
from clarion.cli import main
from clarion.config import load_config
from clarion.errors import ContentErrors, UsageError
from clarion.load import load_site
from clarion.model import Impact, Severity, Stage
from clarion.rules import load_rules
from clarion.rules.practice import Practice
from tests.conftest import NOW

#: The shipped practice periods (the example site overrides none of them).
PRACTICE = Practice.of(load_rules(load_config(Path(__file__).resolve().parents[1])))

NOW_TEXT = "2026-11-27T12:00:00Z"

INCIDENT = """\
---
title: API errors
severity: SEV1
components:
  api: partial_outage
declared: 2026-11-20T14:02:00Z
---
## 2026-11-20 14:05 UTC · Investigating
We are investigating elevated error rates.

## 2026-11-20 14:40 UTC · Identified
A faulty deploy was identified.

## 2026-11-20 15:10 UTC · Monitoring
Error rates are back to normal.
"""

MAINTENANCE = """\
---
title: Database upgrade
kind: maintenance
components: [api]
window: {start: 2026-12-03T02:00:00Z, end: 2026-12-03T04:00:00Z}
---
## 2026-11-26 09:00 UTC · Scheduled
We will upgrade the database.
"""


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def loaded(root: Path):
    """Load and build the site: whatever a command wrote must pass both."""
    config = load_config(root)
    site = load_site(config)
    build(config, now=NOW)
    return site


@pytest.fixture
def site(site_factory):
    return site_factory(
        {
            "updates/2026-11-20-api-errors.md": INCIDENT,
            "updates/2026-11-21-api-latency.md": INCIDENT.replace("API errors", "API latency"),
            "updates/2026-12-03-db-upgrade.md": MAINTENANCE,
        }
    )


# -- init ---------------------------------------------------------------------------


def test_init_into_empty_folder_builds(tmp_path):
    target = tmp_path / "status"
    result = cli("init", str(target), "--now", NOW_TEXT)
    assert result.exit_code == 0, result.output
    files = sorted(
        p.relative_to(target).as_posix()
        for p in target.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(target).parts
    )
    assert files == [
        ".github/workflows/deadlines.yml",
        ".github/workflows/declare.yml",
        ".github/workflows/publish.yml",
        ".gitignore",
        "comms/README.md",
        "site_src/pages/about.md",
        "site_src/site.toml",
        "templates/README.md",
        "updates/2026-11-26-example-incident.md",
    ]
    assert (target / ".github" / "workflows").is_dir()  # the CI workflows' place
    # the output folders are links (no trailing slash) and the store beside them
    ignored = (target / ".gitignore").read_text().splitlines()
    assert {"/public", "/private", "/.public.clarion/"} <= set(ignored)
    toml = (target / "site_src/site.toml").read_text()
    assert "# [email]" in toml and "# [rules]" in toml  # commented settings
    site = loaded(target)
    (example,) = site.incidents
    assert example.slug == "2026-11-26-example-incident" and example.is_closed
    built = cli("build", "--source", str(target), "--now", NOW_TEXT)
    assert built.exit_code == 0, built.output
    assert (target / "public/incidents/2026-11-26-example-incident/index.html").is_file()


def test_init_then_check_exits_0(tmp_path):
    if "check" not in main.commands:
        pytest.skip("enable when 'clarion check' lands")
    target = tmp_path / "status"
    assert cli("init", str(target), "--now", NOW_TEXT).exit_code == 0
    result = cli("check", "--source", str(target), "--now", NOW_TEXT)
    assert result.exit_code == 0, result.output


def test_init_refuses_to_overwrite(tmp_path):
    target = tmp_path / "status"
    (target / "site_src").mkdir(parents=True)
    (target / "site_src/site.toml").write_text("# mine\n")
    (target / "notes.txt").write_text("unrelated\n")
    result = cli("init", str(target), "--now", NOW_TEXT)
    assert result.exit_code == 2
    assert "is a Clarion site already; nothing was written" in result.output
    assert "--force" in result.output and "--upgrade-workflows" in result.output
    assert (target / "site_src/site.toml").read_text() == "# mine\n"
    assert not (target / "updates").exists()
    forced = cli("init", str(target), "--force", "--now", NOW_TEXT)
    assert forced.exit_code == 0, forced.output
    assert "[components.api]" in (target / "site_src/site.toml").read_text()
    assert (target / "notes.txt").read_text() == "unrelated\n"  # other files are left alone
    loaded(target)


def test_init_into_existing_folder_without_conflicts(tmp_path):
    (tmp_path / "README.md").write_text("# Our status site\n")
    assert cli("init", str(tmp_path), "--now", NOW_TEXT).exit_code == 0
    assert (tmp_path / "README.md").read_text() == "# Our status site\n"


# -- severity decision tree ---------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (dict(production_down=True), Severity.SEV0),
        (dict(production_down=True, major_degraded=True, workaround=True), Severity.SEV0),
        (dict(production_down=False, major_degraded=True, workaround=True), Severity.SEV1),
        (dict(production_down=False, major_degraded=True, workaround=False), Severity.SEV0),
        (dict(production_down=False, major_degraded=False, customers_impacted=True), Severity.SEV2),
        (
            dict(production_down=False, major_degraded=False, customers_impacted=False),
            Severity.SEV3,
        ),
    ],
)
def test_decide_severity_every_branch(answers, expected):
    assert decide_severity(**answers).severity is expected


@pytest.mark.parametrize(
    ("answers", "asked", "expected"),
    [
        ({Q_PRODUCTION_DOWN: True}, [Q_PRODUCTION_DOWN], Severity.SEV0),
        (
            {Q_PRODUCTION_DOWN: False, Q_MAJOR_DEGRADED: True, Q_WORKAROUND: True},
            [Q_PRODUCTION_DOWN, Q_MAJOR_DEGRADED, Q_WORKAROUND],
            Severity.SEV1,
        ),
        (
            {Q_PRODUCTION_DOWN: False, Q_MAJOR_DEGRADED: True, Q_WORKAROUND: False},
            [Q_PRODUCTION_DOWN, Q_MAJOR_DEGRADED, Q_WORKAROUND],
            Severity.SEV0,
        ),
        (
            {Q_PRODUCTION_DOWN: False, Q_MAJOR_DEGRADED: False, Q_CUSTOMERS: True},
            [Q_PRODUCTION_DOWN, Q_MAJOR_DEGRADED, Q_CUSTOMERS],
            Severity.SEV2,
        ),
        (
            {Q_PRODUCTION_DOWN: False, Q_MAJOR_DEGRADED: False, Q_CUSTOMERS: False},
            [Q_PRODUCTION_DOWN, Q_MAJOR_DEGRADED, Q_CUSTOMERS],
            Severity.SEV3,
        ),
    ],
)
def test_walk_asks_only_what_the_tree_needs(answers, asked, expected):
    questions = []

    def ask(question):
        questions.append(question)
        return answers[question]

    decision = walk_severity_tree(ask)
    assert decision.severity is expected
    assert questions == asked
    assert decision.explain(PRACTICE).startswith(f"Severity {expected.value} (")


def test_new_incident_asks_the_tree(site):
    # no, production is not down; yes, major functionality is degraded; yes, a workaround exists;
    # customers affected: the default (yes, for SEV1)
    result = cli(
        "new", "incident", "Login failures", "--ask", "-c", "api=major_outage",
        "--source", str(site), "--now", NOW_TEXT, input="n\ny\ny\n\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Is production down, or is critical data at risk?" in result.output
    assert "Is there a workaround customers can use?" in result.output
    assert "Are customers impacted?" not in result.output
    assert (
        "Severity SEV1 (major degradation): major "
        "functionality is degraded, but a workaround exists." in result.output
    )
    assert "every 30 min" in result.output
    assert "Are customers affected (they are owed emails)? [Y/n]" in result.output
    text = (site / "updates/2026-11-27-login-failures.md").read_text()
    assert "severity: SEV1\n" in text and "customers_affected: true\n" in text
    loaded(site)


@pytest.mark.parametrize(
    ("answers", "flag", "expected"),
    [
        ("y\n\n", (), "true"),  # SEV0, customers: default yes
        ("y\nn\n", (), "false"),  # SEV0, customers: no
        ("n\nn\ny\n", (), "true"),  # SEV2 because customers are impacted: not asked twice
        ("n\nn\nn\n", (), "false"),  # SEV3
        ("y\n", ("--no-customers-affected",), "false"),  # the flag answers the question
    ],
)
def test_the_severity_questions_set_customers_affected(site, answers, flag, expected):
    result = cli(
        "new", "incident", "Checkout down", "--ask", *flag, "--source", str(site),
        "--now", NOW_TEXT, input=answers,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.count("Are customers") <= 1
    text = (site / "updates/2026-11-27-checkout-down.md").read_text()
    assert f"customers_affected: {expected}\n" in text


def test_a_sev1_declared_in_a_script_says_what_customers_affected_means(site):
    result = cli(
        "new", "incident", "Checkout down", "-s", "SEV1", "--source", str(site), "--now", NOW_TEXT
    )
    assert result.exit_code == 0, result.output
    assert "customers_affected: false (not given); if customers are affected" in result.stderr
    assert "a SEV1 then owes them emails" in result.stderr
    text = (site / "updates/2026-11-27-checkout-down.md").read_text()
    assert "customers_affected: false\n" in text
    sev2 = cli(
        "new", "incident", "Slow page", "-s", "SEV2", "--source", str(site), "--now", NOW_TEXT
    )
    assert sev2.exit_code == 0 and "customers_affected" not in sev2.stderr


def test_new_incident_needs_severity_off_a_terminal(site):
    result = cli("new", "incident", "Login failures", "--source", str(site), "--now", NOW_TEXT)
    assert result.exit_code == 2
    assert "--severity is required when not on a terminal" in result.output
    assert not list((site / "updates").glob("*login*"))


# -- new incident / maintenance -----------------------------------------------------


def test_new_incident_writes_a_file_that_builds(site):
    result = cli(
        "new",
        "incident",
        "API errors: EU (Frankfurt)!",
        "--severity",
        "P1",
        "--component",
        "api=partial_outage",
        "-c",
        "web=degraded_performance",
        "--customers-affected",
        "--message",
        "Requests to the API fail for some customers.",
        "--at",
        "2026-11-27 12:34:56",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "updates/2026-11-27-api-errors-eu-frankfurt.md\n"
    path = site / "updates/2026-11-27-api-errors-eu-frankfurt.md"
    # the test site's zone is Europe/Berlin: 12:34 local is 11:34 UTC
    assert path.read_text() == (
        "---\n"
        'title: "API errors: EU (Frankfurt)!"\n'
        "severity: SEV1\n"
        "components:\n"
        "  api: partial_outage\n"
        "  web: degraded_performance\n"
        "declared: 2026-11-27T11:34:00Z\n"
        "customers_affected: true\n"
        "---\n"
        "## 2026-11-27 11:34 UTC · Investigating\n"
        "Requests to the API fail for some customers.\n"
    )
    incident = loaded(site).by_slug("2026-11-27-api-errors-eu-frankfurt")
    assert incident.severity is Severity.SEV1
    assert incident.customers_affected and incident.public
    assert dict(incident.components) == {
        "api": Impact.PARTIAL_OUTAGE,
        "web": Impact.DEGRADED_PERFORMANCE,
    }
    assert [u.stage for u in incident.updates] == [Stage.INVESTIGATING]
    assert incident.declared_at == datetime(2026, 11, 27, 11, 34, tzinfo=UTC)


def test_new_incident_default_message_and_private(site):
    result = cli(
        "new",
        "incident",
        "Internal only",
        "-s",
        "SEV0",
        "--private",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    )
    assert result.exit_code == 0, result.output
    incident = loaded(site).by_slug("2026-11-27-internal-only")
    assert not incident.public
    assert (
        incident.updates[0].body
        == "We are investigating this issue. We will post an update within 15 min."
    )
    assert "no component named" in result.output


def test_new_incident_refuses_an_existing_file(site):
    args = [
        "new",
        "incident",
        "API errors",
        "-s",
        "SEV2",
        "--source",
        str(site),
        "--at",
        "2026-11-20T10:00Z",
        "--now",
        NOW_TEXT,
    ]
    before = (site / "updates/2026-11-20-api-errors.md").read_bytes()
    result = cli(*args)
    assert result.exit_code == 2
    assert "updates/2026-11-20-api-errors.md already exists; nothing was written" in result.output
    assert "--slug" in result.output
    assert (site / "updates/2026-11-20-api-errors.md").read_bytes() == before
    again = cli(*args, "--slug", "api errors again")
    assert again.exit_code == 0, again.output
    assert (site / "updates/2026-11-20-api-errors-again.md").is_file()


def test_new_incident_unknown_component_did_you_mean(site):
    result = cli(
        "new",
        "incident",
        "API errors",
        "-s",
        "SEV1",
        "-c",
        "apy=partial_outage",
        "-c",
        "web=partial_outgae",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    )
    assert result.exit_code == 2
    assert "unknown component 'apy': did you mean 'api'?" in result.output
    assert "components in site_src/site.toml: api, web" in result.output
    assert (
        "unknown impact 'partial_outgae' for web" in result.output
        and "did you mean 'partial_outage'?" in result.output
    )
    assert not (site / "updates/2026-11-27-api-errors.md").exists()


def test_new_incident_component_without_impact(site):
    result = cli(
        "new",
        "incident",
        "API errors",
        "-s",
        "SEV1",
        "-c",
        "api",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    )
    assert result.exit_code == 2
    assert "'api' names no impact; write api=IMPACT" in result.output


def test_new_incident_bad_severity(site):
    result = cli(
        "new", "incident", "API errors", "-s", "SEV5", "--source", str(site), "--now", NOW_TEXT
    )
    assert result.exit_code == 2
    assert "unknown severity 'SEV5'" in result.output


def test_new_maintenance_writes_a_file_that_builds(site):
    result = cli(
        "new", "maintenance", "Website migration", "-c", "web", "--start", "2026-12-05T01:00Z",
        "--duration", "1h30m", "--source", str(site), "--now", NOW_TEXT,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path = site / "updates/2026-12-05-website-migration.md"
    assert path.read_text() == (
        "---\n"
        "title: Website migration\n"
        "kind: maintenance\n"
        "components:\n"
        "  web: under_maintenance\n"
        "window:\n"
        "  start: 2026-12-05T01:00:00Z\n"
        "  end: 2026-12-05T02:30:00Z\n"
        "---\n"
        "## 2026-11-27 12:00 UTC · Scheduled\n"
        "Scheduled maintenance from 2026-12-05 01:00 UTC to 2026-12-05 02:30 UTC. "
        "We will post an update when it starts and when it is complete.\n"
    )
    item = loaded(site).by_slug("2026-12-05-website-migration")
    assert item.is_maintenance and item.window.end - item.window.start == timedelta(minutes=90)


def test_new_maintenance_refusals(site):
    base = [
        "new",
        "maintenance",
        "Upgrade",
        "--start",
        "2026-12-05T01:00Z",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    ]
    assert "either --end TIME or --duration" in cli(*base).output
    assert (
        "ends (2026-12-05 00:00 UTC) before it starts"
        in cli(*base, "--end", "2026-12-05T00:00Z").output
    )
    unknown = cli(*base, "--duration", "2h", "-c", "wbe")
    assert (
        unknown.exit_code == 2 and "unknown component 'wbe': did you mean 'web'?" in unknown.output
    )


def test_slugify_and_yaml_scalar():
    assert (
        slugify("Élevated errors — API, EU/Frankfurt & more words here")
        == "elevated-errors-api-eu-frankfurt-more"
    )
    for text in [
        "plain words",
        "colon: inside",
        "yes",
        "123",
        "#hash",
        "quote \"x\" 'y'",
        "null",
        "a - b",
    ]:
        import yaml

        assert yaml.safe_load(f"k: {yaml_scalar(text)}") == {"k": text}


# -- update -------------------------------------------------------------------------


def test_update_appends_and_builds(site):
    result = cli(
        "update", "2026-11-20-api-errors", "resolved", "All requests succeed again.",
        "--impact", "api=operational", "--source", str(site), "--now", "2026-11-20T15:45:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == "updates/2026-11-20-api-errors.md\n"
    text = (site / "updates/2026-11-20-api-errors.md").read_text()
    assert text.endswith(
        "Error rates are back to normal.\n\n## 2026-11-20 15:45 UTC · "
        "Resolved\nImpact: api=operational\nAll requests succeed again.\n"
    )
    incident = loaded(site).by_slug("2026-11-20-api-errors")
    assert incident.is_closed and incident.updates[-1].impact == {"api": Impact.OPERATIONAL}
    assert "warning" not in result.output  # 35 min in monitoring: nothing odd


@pytest.mark.parametrize(
    "prefix",
    ["2026-11-20", "2026-11-20-api", "api-e", "api-errors", "updates/2026-11-20-api-errors.md"],
)
def test_update_accepts_a_unique_prefix(site, prefix):
    result = cli(
        "update",
        prefix,
        "monitoring",
        "Still fine.",
        "--source",
        str(site),
        "--now",
        "2026-11-20T15:20:00Z",
    )
    assert result.exit_code == 0, result.output
    assert loaded(site).by_slug("2026-11-20-api-errors").updates[-1].body == "Still fine."


def test_update_unknown_prefix(site):
    result = cli("update", "api-erors", "monitoring", "x", "--source", str(site), "--now", NOW_TEXT)
    assert result.exit_code == 2
    assert "no incident matches 'api-erors': did you mean '2026-11-20-api-errors'?" in result.output
    assert (
        "recent: 2026-12-03-db-upgrade, 2026-11-21-api-latency, 2026-11-20-api-errors"
        in result.output
    )


def test_update_ambiguous_prefix(site):
    before = {p.name: p.read_bytes() for p in (site / "updates").iterdir()}
    result = cli("update", "api", "monitoring", "x", "--source", str(site), "--now", NOW_TEXT)
    assert result.exit_code == 2
    assert (
        "'api' matches 2 incidents: 2026-11-20-api-errors, 2026-11-21-api-latency" in result.output
    )
    assert "type more of the slug" in result.output
    assert {p.name: p.read_bytes() for p in (site / "updates").iterdir()} == before


def test_update_unknown_stage(site):
    result = cli("update", "api-errors", "identifed", "x", "--source", str(site), "--now", NOW_TEXT)
    assert result.exit_code == 2
    assert (
        "unknown stage 'identifed' for an incident" in result.output
        and "did you mean 'identified'?" in result.output
    )
    wrong_kind = cli(
        "update", "db-upgrade", "resolved", "x", "--source", str(site), "--now", NOW_TEXT
    )
    assert "'resolved' is not" not in wrong_kind.output
    assert (
        "expected one of: scheduled, in_progress, verifying, completed, cancelled"
        in wrong_kind.output
    )


def test_update_at_places_the_section_in_time_order(site):
    result = cli(
        "update", "api-errors", "identified", "The deploy is being rolled back.",
        "--at", "2026-11-20T14:50Z", "--source", str(site), "--now", "2026-11-20T16:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "placed before the update of 2026-11-20 15:10 UTC, in time order" in result.output
    text = (site / "updates/2026-11-20-api-errors.md").read_text()
    assert (
        "A faulty deploy was identified.\n\n"
        "## 2026-11-20 14:50 UTC · Identified\nThe deploy is being rolled back.\n\n"
        "## 2026-11-20 15:10 UTC · Monitoring\n"
    ) in text
    incident = loaded(site).by_slug("2026-11-20-api-errors")
    assert [u.at.strftime("%H:%M") for u in incident.updates] == [
        "14:05",
        "14:40",
        "14:50",
        "15:10",
    ]


def test_update_at_equal_time_goes_after_existing(site):
    cli(
        "update",
        "api-errors",
        "monitoring",
        "Second note.",
        "--at",
        "2026-11-20T15:10Z",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    )
    incident = loaded(site).by_slug("2026-11-20-api-errors")
    assert [u.body for u in incident.updates][-2:] == [
        "Error rates are back to normal.",
        "Second note.",
    ]


def test_update_after_resolved_reopens_and_says_so(site):
    cli(
        "update",
        "api-errors",
        "resolved",
        "Fixed.",
        "--source",
        str(site),
        "--now",
        "2026-11-20T15:45Z",
    )
    result = cli(
        "update",
        "api-errors",
        "investigating",
        "Errors are back.",
        "--source",
        str(site),
        "--now",
        "2026-11-20T16:30Z",
    )
    assert result.exit_code == 0, result.output
    assert "this update reopens the incident, resolved at 2026-11-20 15:45 UTC" in result.output
    incident = loaded(site).by_slug("2026-11-20-api-errors")
    assert incident.reopened and not incident.is_closed


def test_update_keeps_crlf_and_demotes_headings(site):
    path = site / "updates/2026-11-20-api-errors.md"
    path.write_bytes(INCIDENT.replace("\n", "\r\n").encode())
    result = cli(
        "update",
        "api-errors",
        "resolved",
        "## Cause\nA bad deploy.",
        "--source",
        str(site),
        "--now",
        "2026-11-20T15:45Z",
    )
    assert result.exit_code == 0, result.output
    raw = path.read_bytes()
    assert b"\r\n## 2026-11-20 15:45 UTC \xc2\xb7 Resolved\r\n### Cause\r\nA bad deploy.\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert loaded(site).by_slug("2026-11-20-api-errors").is_closed


def test_update_message_from_stdin(site):
    result = cli(
        "update",
        "api-errors",
        "monitoring",
        "-",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
        input="From a pipe.\n",
    )
    assert result.exit_code == 0, result.output
    assert loaded(site).by_slug("2026-11-20-api-errors").updates[-1].body == "From a pipe."


def test_update_without_message_off_a_terminal(site):
    result = cli("update", "api-errors", "monitoring", "--source", str(site), "--now", NOW_TEXT)
    assert result.exit_code == 2
    assert "give the update's text as the third argument" in result.output


def test_update_opens_the_editor_on_a_terminal(site, monkeypatch):
    import clarion.cli.writing

    seen = {}

    def fake_edit(text, extension):
        seen["template"] = text
        return "Typed in the editor.\n" + text

    monkeypatch.setattr(clarion.cli.writing, "_interactive", lambda: True)
    monkeypatch.setattr(clarion.cli.writing.click, "edit", fake_edit)
    result = cli("update", "api-errors", "monitoring", "--source", str(site), "--now", NOW_TEXT)
    assert result.exit_code == 0, result.output
    assert "Public update for 2026-11-20-api-errors: API errors" in seen["template"]
    assert loaded(site).by_slug("2026-11-20-api-errors").updates[-1].body == "Typed in the editor."
    monkeypatch.setattr(
        clarion.cli.writing.click, "edit", lambda text, extension: None
    )  # closed without saving
    cancelled = cli("update", "api-errors", "monitoring", "--source", str(site), "--now", NOW_TEXT)
    assert (
        cancelled.exit_code == 2 and "the message is empty; nothing was written" in cancelled.output
    )


def test_update_refuses_a_broken_file(site):
    path = site / "updates/2026-11-20-api-errors.md"
    path.write_text(INCIDENT.replace("SEV1", "SEV9"))
    result = cli(
        "update", "api-errors", "monitoring", "x", "--source", str(site), "--now", NOW_TEXT
    )
    assert result.exit_code == 2
    assert "updates/2026-11-20-api-errors.md:3: error: severity: got 'SEV9'" in result.output
    assert path.read_text() == INCIDENT.replace("SEV1", "SEV9")


def test_update_maintenance_stages_and_no_impact(site):
    result = cli(
        "update",
        "db-upgrade",
        "in-progress",
        "Started.",
        "--source",
        str(site),
        "--now",
        "2026-12-03T02:00Z",
    )
    assert result.exit_code == 0, result.output
    assert loaded(site).by_slug("2026-12-03-db-upgrade").status is Stage.IN_PROGRESS
    refused = cli(
        "update",
        "db-upgrade",
        "completed",
        "Done.",
        "-i",
        "api=operational",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    )
    assert refused.exit_code == 2 and "maintenance updates take no --impact" in refused.output


# -- transition warnings (pure) -------------------------------------------------------


def _incident(site, slug="2026-11-20-api-errors"):
    return load_site(load_config(site)).by_slug(slug)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_transition_warnings(site):
    incident = _incident(site)  # investigating 14:05, identified 14:40, monitoring 15:10
    later = at("2026-11-21T00:00Z")
    assert (
        transition_warnings(
            incident, Stage.RESOLVED, at("2026-11-20T15:45Z"), now=later, practice=PRACTICE
        )
        == []
    )
    soak = transition_warnings(
        incident, Stage.RESOLVED, at("2026-11-20T15:20Z"), now=later, practice=PRACTICE
    )
    assert soak == [
        "resolved after 10 min in monitoring; practice is at least 30 min (monitoring-soak)"
    ]
    back = transition_warnings(
        incident, Stage.INVESTIGATING, at("2026-11-20T15:20Z"), now=later, practice=PRACTICE
    )
    assert back == ["this goes back from 'monitoring' to 'investigating'"]
    early = transition_warnings(
        incident, Stage.RESOLVED, at("2026-11-20T14:50Z"), now=later, practice=PRACTICE
    )
    assert any("without a 'monitoring' update" in w for w in early)
    pm = transition_warnings(
        incident, Stage.POSTMORTEM, at("2026-11-20T16:00Z"), now=later, practice=PRACTICE
    )
    assert pm == ["a postmortem before the incident is resolved"]
    future = transition_warnings(
        incident, Stage.MONITORING, at("2026-11-21T01:00Z"), now=later, practice=PRACTICE
    )
    assert future == [
        "this update is dated in the future (2026-11-21 01:00 UTC): it stays off the page, "
        "feeds and API until then and appears with the first build at or after that time "
        "('clarion next-change' names it)"
    ]
    before = transition_warnings(
        incident, Stage.INVESTIGATING, at("2026-11-20T13:00Z"), now=later, practice=PRACTICE
    )
    assert before == ["this update is earlier than the declaration (2026-11-20 14:02 UTC)"]
    left = transition_warnings(
        incident,
        Stage.RESOLVED,
        at("2026-11-20T15:45Z"),
        now=later,
        practice=PRACTICE,
        impact={"api": Impact.PARTIAL_OUTAGE},
    )
    assert left == [
        "a resolved update that leaves api=partial_outage: those components stay impacted"
    ]


# -- sent ---------------------------------------------------------------------------


def test_sent_writes_a_minimal_notice_that_loads(site):
    result = cli(
        "sent",
        "api-errors",
        "customer-ack",
        "--at",
        "2026-11-20T14:50Z",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    )
    assert result.exit_code == 0, result.output
    path = site / "comms/2026-11-20-api-errors/customer-ack-sent.md"
    assert result.stdout == "comms/2026-11-20-api-errors/customer-ack-sent.md\n"
    text = path.read_text()
    assert text.startswith("---\nrule: customer-ack\nsent: 2026-11-20T14:50:00Z\n---\n")
    site_model = loaded(site)
    notices = getattr(site_model, "notices", None)
    if notices is not None:
        (notice,) = notices
        assert notice.rule == "customer-ack"
        assert notice.sent_at == datetime(2026, 11, 20, 14, 50, tzinfo=UTC)
    again = cli("sent", "api-errors", "customer-ack", "--source", str(site), "--now", NOW_TEXT)
    assert again.exit_code == 2
    assert (
        "already recorded as sent in comms/2026-11-20-api-errors/customer-ack-sent.md"
        in again.output
    )
    assert path.read_text() == text


def test_sent_sets_sent_on_a_draft(site):
    draft = site / "comms/2026-11-20-api-errors/ack.md"
    draft.parent.mkdir(parents=True)
    body = (
        "### Customers are affected\nSome of you cannot pay.\n"
        "### What is known so far\nA bad deploy.\n"
        "### What is being done\nRolling back.\n### Where updates are published\nThe status page.\n"
    )
    draft.write_text(
        "---\nrule: customer-ack\nto: [customers]\nsubject: We are on it\n---\n" + body
    )
    result = cli(
        "sent",
        "api-errors",
        "customer-ack",
        "--at",
        "2026-11-20T14:55Z",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    )
    assert result.exit_code == 0, result.output
    assert draft.read_text() == (
        "---\nrule: customer-ack\nto: [customers]\nsubject: We are on it\n"
        "sent: 2026-11-20T14:55:00Z\n---\n" + body
    )
    assert not (site / "comms/2026-11-20-api-errors/customer-ack-sent.md").exists()
    loaded(site)


def test_sent_unknown_rule_did_you_mean(site):
    pytest.importorskip("clarion.rules", reason="rule ids are checked once the rulebook ships")
    result = cli("sent", "api-errors", "customer-ak", "--source", str(site), "--now", NOW_TEXT)
    assert result.exit_code == 2
    assert "unknown rule 'customer-ak': did you mean 'customer-ack'?" in result.output
    assert not (site / "comms").exists()


def test_sent_without_rulebook_accepts_any_id(site):
    config = load_config(site)
    written = authoring.record_sent(
        config, "api-errors", "contract-sla-notice", at=NOW, known_rules=None
    )
    assert written.relpath == "comms/2026-11-20-api-errors/contract-sla-notice-sent.md"


def test_new_notice_from_the_rule_skeleton_then_sent(site):
    pytest.importorskip("clarion.rules")
    result = cli("new", "notice", "api-errors", "--rule", "customer-ack", "--source", str(site))
    assert result.exit_code == 0, result.output
    assert result.stdout == "comms/2026-11-20-api-errors/customer-ack.md\n"
    path = site / "comms/2026-11-20-api-errors/customer-ack.md"
    text = path.read_text()
    assert text.startswith(
        '---\nrule: customer-ack\nto: [customers]\nsubject: "{{ incident.title }}"\n---\n<!--\n'
    )
    assert "clarion sent 2026-11-20-api-errors customer-ack" in text and "(to be completed)" in text
    (notice,) = loaded(site).notices
    assert notice.rule == "customer-ack" and notice.to == ("customers",) and notice.sent_at is None
    again = cli("new", "notice", "api-errors", "--rule", "customer-ack", "--source", str(site))
    assert (
        again.exit_code == 2
        and "customer-ack.md already exists; nothing was written" in again.output
    )
    sent = cli(
        "sent",
        "api-errors",
        "customer-ack",
        "--at",
        "2026-11-20T14:50Z",
        "--source",
        str(site),
        "--now",
        NOW_TEXT,
    )
    # the skeleton is not ready: placeholders, and none of the required items written
    assert sent.exit_code == 2, sent.output
    assert "is not ready to be recorded as sent: it still holds 4 placeholders" in sent.stderr
    assert "pass --force" in sent.stderr and "sent:" not in path.read_text()
    forced = cli(
        "sent", "api-errors", "customer-ack", "--at", "2026-11-20T14:50Z", "--force",
        "--source", str(site), "--now", NOW_TEXT,
    )  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert "recorded despite: it still holds 4 placeholders" in forced.stderr
    assert "sent: 2026-11-20T14:50:00Z\nsent_forced: [" in path.read_text()
    (notice,) = loaded(site).notices
    assert notice.sent_at == datetime(2026, 11, 20, 14, 50, tzinfo=UTC)
    assert notice.sent_forced[0].startswith("it still holds 4 placeholders")
    check = cli("check", "--source", str(site), "--now", NOW_TEXT, "--format", "json")
    lint = json.loads(check.stdout)["lint"]
    assert any(
        w["message"].startswith("recorded as sent with --force although it still holds")
        and w["file"].endswith("customer-ack.md")
        for w in lint
    ), lint


def test_sent_refuses_a_notice_without_recipients(site):
    draft = site / "comms/2026-11-20-api-errors/status.md"
    draft.parent.mkdir(parents=True)
    draft.write_text("---\nrule: customer-ack\nsubject: x\n---\nWe are on it.\n")
    result = cli("sent", "api-errors", "customer-ack", "--source", str(site), "--now", NOW_TEXT)
    assert result.exit_code == 2 and "it names no recipients (to:)" in result.stderr


def test_new_notice_refusals(site):
    pytest.importorskip("clarion.rules")
    unknown_rule = cli(
        "new", "notice", "api-errors", "--rule", "gdpr-art33-authorty", "--source", str(site)
    )
    assert (
        unknown_rule.exit_code == 2
        and "did you mean 'gdpr-art33-authority'?" in unknown_rule.output
    )
    unknown_to = cli(
        "new",
        "notice",
        "api-errors",
        "--rule",
        "customer-ack",
        "--to",
        "custmers",
        "--source",
        str(site),
    )
    assert (
        unknown_to.exit_code == 2
        and "unknown audience 'custmers': did you mean 'customers'?" in unknown_to.output
    )
    regulator = cli(
        "new",
        "notice",
        "api-errors",
        "--rule",
        "gdpr-art33-authority",
        "--name",
        "DPA letter",
        "--source",
        str(site),
    )
    assert regulator.exit_code == 0, regulator.output
    assert "no recipients yet" in regulator.output
    text = (site / "comms/2026-11-20-api-errors/dpa-letter.md").read_text()
    assert "# to: [audience-id]" in text and 'subject: "GDPR Art. 33' in text
    assert not (site / "comms/2026-11-20-api-errors/customer-ack.md").exists()
    loaded(site)


def test_authoring_functions_raise_usage_errors(site):
    config = load_config(site)
    with pytest.raises(UsageError, match="matches 2 incidents"):
        authoring.find_incident_file(config, "2026-11-2")
    with pytest.raises(ContentErrors):
        (site / "updates/2026-11-21-api-latency.md").write_text("no front matter\n")
        authoring.add_update(config, "api-latency", "monitoring", "x", at=NOW, now=NOW)


def test_every_command_has_help_with_examples():
    commands = [
        ["init"],
        ["new"],
        ["new", "incident"],
        ["new", "maintenance"],
        ["new", "notice"],
        ["update"],
        ["sent"],
        ["serve"],
    ]
    for words in commands:
        result = cli(*words, "--help")
        assert result.exit_code == 0, words
        assert "Examples:" in result.output, words


def test_sent_refuses_a_regulator_notice_missing_required_items(site):
    draft = site / "comms/2026-11-20-api-errors/dpa.md"
    draft.parent.mkdir(parents=True)
    draft.write_text(
        "---\nrule: gdpr-art33-authority\nto: [breaches@dpa.example]\nsubject: x\n---\n"
        "Dear authority, we had a breach.\n"
    )
    result = cli(
        "sent", "api-errors", "gdpr-art33-authority", "--source", str(site), "--now", NOW_TEXT
    )
    assert result.exit_code == 2, result.output
    assert "it does not cover what gdpr-art33-authority requires" in result.stderr
    assert "sent:" not in draft.read_text()
