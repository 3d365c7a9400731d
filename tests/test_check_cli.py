"""``clarion check``: exit codes, the three formats, the example site, and the
private deadline outputs of a build (which never reach the public folder)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from clarion.cli import main
from tests.conftest import MINIMAL_TOML, copy_example

REPO = Path(__file__).resolve().parents[1]
GDPR_TOML = MINIMAL_TOML + '\n[rules]\nenabled = ["gdpr-art33-authority"]\n'

# A SEV2 resolved in time with a 40-minute monitoring stage: nothing owed.
CALM = """\
---
title: Slow dashboard
severity: SEV2
components:
  web: degraded_performance
declared: 2026-11-20T10:00:00Z
---
## 2026-11-20 10:05 UTC · Investigating
Looking into it.

## 2026-11-20 11:00 UTC · Monitoring
Impact: web=operational
A fix is out.

## 2026-11-20 11:40 UTC · Resolved
All good.
"""
# A personal-data breach, aware 2026-11-24 12:00 UTC: the GDPR notice is due
# 2026-11-27 12:00 UTC.
BREACH = CALM.replace(
    "declared: 2026-11-20T10:00:00Z",
    "declared: 2026-11-20T10:00:00Z\nbreach:\n  aware: 2026-11-24T12:00:00Z",
)
# A SEV1 still investigating: the next update was due 30 min after 10:05.
ACTIVE = """\
---
title: API errors
severity: SEV1
components:
  api: partial_outage
declared: 2026-11-27T10:00:00Z
---
## 2026-11-27 10:05 UTC · Investigating
We are investigating.
"""
GITHUB_LINE = re.compile(
    r"^::(error|warning|notice)"
    r"(?: file=[^,:\s]+(?:,line=\d+)?(?:,title=[^,:]+)?)?"
    r"::\S.*$"
)


def check(root: Path, *args: str):
    return CliRunner().invoke(main, ["check", "--source", str(root), *args])


def test_exit_0_when_nothing_is_overdue(site_factory):
    toml = MINIMAL_TOML.replace("https://status.test.example/", "https://status.acme.io/")
    result = check(
        site_factory({"updates/2026-11-20-slow.md": CALM}, toml=toml),
        "--now",
        "2026-11-27T12:00:00Z",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Deadlines at 2026-11-27 12:00 UTC (2026-11-27 13:00 CET, Europe/Berlin)\n"
    )
    row = next(line for line in result.output.splitlines() if line.startswith("met "))
    assert row.split()[:3] == ["met", "update-cadence", "2026-11-20-slow"]
    assert result.output.endswith("\n1 met.\n")


def test_exit_1_when_something_is_overdue(site_factory):
    result = check(
        site_factory({"updates/2026-11-27-api.md": ACTIVE}), "--now", "2026-11-27T12:00:00Z"
    )
    assert result.exit_code == 1, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("overdue"))
    assert row.split() == [
        "overdue",
        "update-cadence",
        "2026-11-27-api",
        "Public",
        "status",
        "page",
        "2026-11-27",
        "10:35",
        "2026-11-27",
        "11:35",
        "CET",
    ]
    assert (
        "overdue by 1 h 25 min; the next public update is due 30 min after the update at 10:05 UTC"
        in result.output
    )


def test_exit_4_when_something_is_due_within_the_warning_window(site_factory):
    root = site_factory({"updates/2026-11-20-slow.md": BREACH}, toml=GDPR_TOML)
    now = ["--now", "2026-11-27T10:30:00Z"]
    assert check(root, *now).exit_code == 0  # no window: due is not a failure
    assert check(root, *now, "--warn-within", "PT1H").exit_code == 0  # due in 1 h 30 min
    soon = check(root, *now, "--warn-within", "PT2H")
    assert soon.exit_code == 4, soon.output
    assert "due (soon)" in soon.output
    assert check(root, *now, "--warn-within", "2h").exit_code == 4
    assert check(root, "--now", "2026-11-27T12:00:01Z", "--warn-within", "2h").exit_code == 1


def test_exit_2_on_invalid_content_in_every_format(site_factory):
    root = site_factory({"updates/2026-11-20-slow.md": CALM.replace("SEV2", "SEV9")})
    text = check(root, "--now", "2026-11-27T12:00:00Z")
    assert text.exit_code == 2
    assert "updates/2026-11-20-slow.md:3: error: severity: got 'SEV9'" in text.output
    assert text.output.rstrip().endswith("1 error.")  # check writes nothing, so never says so
    github = check(root, "--now", "2026-11-27T12:00:00Z", "--format", "github")
    assert github.exit_code == 2
    first = github.output.splitlines()[0]
    assert first.startswith(
        "::error file=updates/2026-11-20-slow.md,line=3,title=Clarion "
        "error::severity: got 'SEV9'%0Aexpected: "
    )
    assert GITHUB_LINE.match(first)
    data = json.loads(check(root, "--now", "2026-11-27T12:00:00Z", "--format", "json").output)
    assert data["errors"][0]["file"] == "updates/2026-11-20-slow.md"
    assert data["errors"][0]["line"] == 3


@pytest.mark.parametrize(
    "args", [["--warn-within", "soon"], ["--now", "tomorrow"], ["--format", "xml"]]
)
def test_exit_2_on_bad_usage(site_factory, args):
    result = check(site_factory({"updates/2026-11-20-slow.md": CALM}), *args)
    assert result.exit_code == 2, result.output


def test_exit_3_on_an_internal_error(site_factory, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("clarion.reports.check.evaluate", broken)
    result = check(
        site_factory({"updates/2026-11-20-slow.md": CALM}), "--now", "2026-11-27T12:00:00Z"
    )
    assert result.exit_code == 3
    assert "internal error: RuntimeError: boom" in result.output


def test_json_format(site_factory):
    root = site_factory(
        {"updates/2026-11-20-slow.md": BREACH, "updates/2026-11-27-api.md": ACTIVE}, toml=GDPR_TOML
    )
    result = check(
        root, "--now", "2026-11-27T10:30:00Z", "--warn-within", "PT2H", "--format", "json"
    )
    assert result.exit_code == 4  # nothing overdue, two items due within 2 h
    data = json.loads(result.output)
    assert data["now"] == "2026-11-27T10:30:00Z"
    assert data["timezone"] == "Europe/Berlin"
    assert data["warn_within"] == "PT2H"
    assert (data["overdue"], data["due_soon"]) == (0, 2)
    gdpr = next(o for o in data["obligations"] if o["rule"] == "gdpr-art33-authority")
    assert gdpr == {
        "key": "2026-11-20-slow/gdpr-art33-authority",
        "rule": "gdpr-art33-authority",
        "rule_title": "GDPR Art. 33 notification to the supervisory authority",
        "rule_kind": "regulatory",
        "rule_status": "in_force",
        "rule_verified": False,  # GDPR Art. 33 read from a copy, not EUR-Lex itself
        "regime": "EU GDPR (Regulation (EU) 2016/679)",
        "incident": "2026-11-20-slow",
        "incident_title": "Slow dashboard",
        "severity": "SEV2",
        "roles": None,
        "recipient": "Competent supervisory authority",
        "state": "due",
        "due_at": "2026-11-27T12:00:00Z",
        "due_at_local": "2026-11-27T13:00:00+01:00",
        "outer_limit": None,
        "seconds_left": 5400,
        "due_soon": True,
        "clock": "breach.aware",
        "clock_at": "2026-11-24T12:00:00Z",
        "satisfied_at": None,
        "satisfied_by": None,
        "detail": (
            "1 h 30 min left; no notice yet: write "
            "comms/2026-11-20-slow/gdpr-art33-authority.md (rule: gdpr-art33-authority)"
        ),
        "file": "updates/2026-11-20-slow.md",
        "line": 8,
    }
    assert data["summary"]["due"] == 2


def test_github_format_follows_the_workflow_command_syntax(site_factory):
    root = site_factory(
        {"updates/2026-11-20-slow.md": BREACH, "updates/2026-11-27-api.md": ACTIVE}, toml=GDPR_TOML
    )
    result = check(
        root, "--now", "2026-11-27T11:30:00Z", "--warn-within", "PT2H", "--format", "github"
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert annotations and all(GITHUB_LINE.match(line) for line in annotations), annotations
    assert lines[-1].startswith("clarion check: 1 overdue, 1 due (1 within 2 h)")
    overdue = next(line for line in annotations if line.startswith("::error"))
    assert overdue.startswith(
        "::error file=updates/2026-11-27-api.md,line=8,title=overdue%3A update-cadence::"
    )
    due = next(line for line in annotations if "gdpr-art33-authority" in line)
    assert due.startswith(
        "::warning file=updates/2026-11-20-slow.md,line=8,title=due%3A gdpr-art33-authority::"
    )
    assert "due 2026-11-27 12:00 UTC (2026-11-27 13:00 CET)" in due


def test_lint_warnings_and_strict(site_factory):
    short = CALM.replace("## 2026-11-20 11:40 UTC · Resolved", "## 2026-11-20 11:10 UTC · Resolved")
    root = site_factory({"updates/2026-11-20-slow.md": short})
    result = check(root, "--now", "2026-11-27T12:00:00Z")
    assert result.exit_code == 0
    assert (
        "Content lint:\nupdates/2026-11-20-slow.md:15: "
        "warning: resolved 10 min after monitoring began" in result.output
    )
    assert check(root, "--now", "2026-11-27T12:00:00Z", "--strict").exit_code == 2
    github = check(root, "--now", "2026-11-27T12:00:00Z", "--format", "github").output
    assert (
        "::warning file=updates/2026-11-20-slow.md,line=15,title=Clarion warning::resolved 10 min"
        in github
    )


def test_open_lists_only_items_that_need_action(site_factory):
    root = site_factory({"updates/2026-11-20-slow.md": CALM, "updates/2026-11-27-api.md": ACTIVE})
    result = check(root, "--now", "2026-11-27T12:00:00Z", "--open")
    rows = [
        line.split()[0]
        for line in result.output.splitlines()[3:]
        if line and not line.startswith(" ")
    ]
    assert rows[0] == "overdue"
    assert "met" not in rows


def test_the_example_site_shows_met_due_and_overdue_at_its_pinned_now():
    result = CliRunner().invoke(main, ["check", "--source", str(REPO), "--format", "json"])
    assert result.exit_code in (0, 1, 4), result.output
    states = {o["state"] for o in json.loads(result.output)["obligations"]}
    assert {"met", "due", "overdue"} <= states, states


def test_same_now_same_report(site_factory):
    root = site_factory(
        {"updates/2026-11-20-slow.md": BREACH, "updates/2026-11-27-api.md": ACTIVE}, toml=GDPR_TOML
    )
    first = check(root, "--now", "2026-11-27T11:30:00Z", "--format", "json").output
    assert check(root, "--now", "2026-11-27T11:30:00Z", "--format", "json").output == first


# -- private outputs of a build ----------------------------------------------------------


def test_build_writes_the_deadline_report_privately_never_publicly(site_factory):
    notice = (
        "---\nrule: gdpr-art33-authority\nto: [customers]\nsubject: "
        "Secret notice\n---\nConfidential body text.\n"
    )
    root = site_factory(
        {
            "updates/2026-11-20-slow.md": BREACH,
            "updates/2026-11-27-api.md": ACTIVE,
            "comms/2026-11-20-slow/dpa.md": notice,
        },
        toml=GDPR_TOML,
    )
    result = CliRunner().invoke(
        main, ["build", "--source", str(root), "--now", "2026-11-27T11:30:00Z"]
    )
    assert result.exit_code == 0, result.output
    private, public = root / "private", root / "public"
    for name in ("deadlines.html", "deadlines.json", "deadlines.ics"):
        assert (private / name).is_file(), name
    report = json.loads((private / "deadlines.json").read_text(encoding="utf-8"))
    assert {o["rule"] for o in report["obligations"]} >= {"gdpr-art33-authority", "update-cadence"}
    html = (private / "deadlines.html").read_text(encoding="utf-8")
    assert "comms/2026-11-20-slow/dpa.md" in html and "noindex" in html

    calendar = Calendar.from_ical((private / "deadlines.ics").read_bytes())
    events = calendar.walk("VEVENT")
    open_states = {"due", "overdue", "clock_not_started", "no_deadline"}
    asks = [
        o for o in report["obligations"]
        if o["due_at"] and (o["state"] in open_states or o["rule_kind"] != "practice")
    ]  # fmt: skip
    assert sorted(str(e["UID"]).split("@")[0] for e in events) == sorted(
        "deadline-" + o["key"].replace("/", "-") for o in asks
    )
    # A kept update cadence is settled practice: no calendar event for it.
    kept = [
        o for o in report["obligations"] if o["rule"] == "update-cadence" and o["state"] == "met"
    ]
    assert kept and not any(
        o["key"].replace("/", "-") in str(e["UID"]) for o in kept for e in events
    )
    gdpr = next(e for e in events if "gdpr-art33-authority" in str(e["UID"]))
    assert gdpr.decoded("DTSTART").isoformat() == "2026-11-27T12:00:00+00:00"
    assert gdpr.walk("VALARM")  # a reminder before it is due

    # Search every public file for the report, the rule ids and the notice.
    markers = (
        "gdpr-art33-authority",
        "Confidential body text",
        "Secret notice",
        "seconds_left",
        "deadlines (private)",
    )
    for path in public.rglob("*"):
        assert not path.name.startswith("deadlines."), path
        if path.is_file():
            data = path.read_bytes().decode("utf-8", errors="replace")
            for marker in markers:
                assert marker not in data, (path, marker)


def test_example_site_builds_its_private_calendar(tmp_path):
    root = copy_example(tmp_path / "example")
    result = CliRunner().invoke(main, ["build", "--source", str(root)])
    assert result.exit_code == 0, result.output
    ics = (root / "private" / "deadlines.ics").read_bytes()
    assert Calendar.from_ical(ics).walk("VEVENT")
    assert not list((root / "public").rglob("deadlines.*"))


def test_private_report_changes_only_when_a_state_does(site_factory):
    root = site_factory({"updates/2026-11-20-slow.md": BREACH}, toml=GDPR_TOML)

    def private_report(now: str) -> dict[str, bytes]:
        result = CliRunner().invoke(main, ["build", "--source", str(root), "--now", now])
        assert result.exit_code == 0, result.output
        return {
            name: (root / "private" / name).read_bytes()
            for name in ("deadlines.html", "deadlines.json", "deadlines.ics")
        }

    first = private_report("2026-11-27T10:00:00Z")
    assert (
        private_report("2026-11-27T10:01:00Z") == first
    )  # an hour and 59 minutes left: same state
    later = private_report("2026-11-27T12:01:00Z")  # the GDPR notice is now overdue
    assert later["deadlines.json"] != first["deadlines.json"]
    assert b"[overdue] GDPR Art. 33" in later["deadlines.ics"]


def test_a_breach_sidecar_drives_deadlines_and_is_where_annotations_point(site_factory):
    sidecar = "# private: kept out of the public updates/\naware: 2026-11-24T12:00:00Z\n"
    root = site_factory(
        {"updates/2026-11-20-slow.md": CALM, "comms/2026-11-20-slow/breach.yml": sidecar},
        toml=GDPR_TOML,
    )
    result = check(root, "--now", "2026-11-27T11:30:00Z", "--format", "github")
    assert result.exit_code == 0, result.output
    assert (
        "::notice file=comms/2026-11-20-slow/breach.yml,line=2,title=due%3A gdpr-art33-authority::"
        in result.output
    )
