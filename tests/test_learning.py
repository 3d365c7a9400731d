"""After the incident: postmortems drafted from the incident file, the
postmortem and runbook lint of ``clarion check``, runbooks in the site, and
the review views of the private metrics page."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion.cli import main
from clarion.config import load_config
from clarion.derive.learning import BLAME_PHRASES, POSTMORTEM_SECTIONS, postmortem_facts
from clarion.load import load_site
from clarion.model import Impact
from clarion.render.postmortem import draft_postmortem
from tests.conftest import MINIMAL_TOML, copy_example

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "postmortem"
NOW = "2026-11-27T12:00:00Z"


def example_copy(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "example")


def check(root: Path, *args: str, now: str = NOW) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--source", str(root), "--now", now, *args])
    return result.exit_code, result.output


# -- the draft ------------------------------------------------------------------------


def test_facts_of_the_example_sev1_match_a_hand_count():
    """2026-11-12: declared 07:18, resolved 09:20 UTC. The API is a partial
    outage from 07:18 to 08:38 (80 min), degraded to 09:05 (27 min); the
    dashboard is degraded from 07:18 to 08:38 (80 min)."""
    config = load_config(REPO)
    site = load_site(config)
    incident = site.by_slug("2026-11-12-api-errors-eu-central")
    facts = postmortem_facts(incident, datetime(2026, 11, 27, tzinfo=UTC))
    assert facts.duration is not None and facts.duration.total_seconds() == 122 * 60
    parts = {p.component: p for p in facts.components}
    assert parts["api"].worst is Impact.PARTIAL_OUTAGE
    assert dict(parts["api"].minutes) == {
        Impact.PARTIAL_OUTAGE: 80,
        Impact.DEGRADED_PERFORMANCE: 27,
    }
    assert dict(parts["dashboard"].minutes) == {Impact.DEGRADED_PERFORMANCE: 80}
    labels = [what.split(":")[0] for _, what in facts.timeline]
    assert labels[:3] == ["Detected", "Acknowledged", "Declared"]
    assert labels[-1] == "Resolved" and "Postmortem" not in labels


@pytest.mark.parametrize(
    "slug",
    [
        "2026-11-04-members-api-wrong-organisation",
        "2026-11-12-api-errors-eu-central",
        "2026-11-23-sso-login-failures",
        "2026-11-25-export-files-other-accounts",
    ],
)
def test_drafts_of_the_example_sev1_incidents_match_their_golden_files(slug, update_golden):
    config = load_config(REPO)
    incident = load_site(config).by_slug(slug)
    assert incident.severity is not None and incident.severity.value == "SEV1"
    text = draft_postmortem(
        postmortem_facts(incident, datetime(2026, 11, 27, tzinfo=UTC)),
        zone=config.timezone,
        component_names={c.id: c.name for c in config.components},
    )
    golden = GOLDEN / f"{slug}.md"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()


def test_the_draft_states_the_hand_counted_impact():
    text = (GOLDEN / "2026-11-12-api-errors-eu-central.md").read_text()
    assert "- Duration: 2 h 2 min (2026-11-12 08:18 to 2026-11-12 10:20)" in text
    assert "- API: worst partial outage; partial outage 80 min, degraded performance 27 min" in text
    assert "- Dashboard: worst degraded performance; degraded performance 80 min" in text
    assert "### Timeline (Europe/Berlin)\n- 2026-11-12 08:06: Detected\n" in text


def test_new_postmortem_adds_the_draft_to_the_incident_and_refuses_a_second(tmp_path):
    root = example_copy(tmp_path)
    slug = "2026-11-23-sso-login-failures"
    args = ["new", "postmortem", "sso-login", "--source", str(root), "--now", NOW]
    first = CliRunner().invoke(main, [*args, "--at", "2026-11-25 10:00 UTC"])
    assert first.exit_code == 0, first.output
    text = (root / "updates" / f"{slug}.md").read_text()
    assert "## 2026-11-25 10:00 UTC · Postmortem\n<!-- Drafted by `clarion new postmortem`" in text
    assert "### Impact\n- Duration: 2 h 51 min" in text
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "already has a postmortem" in again.output
    # The draft loads, builds, and never publishes its prompts.
    build = CliRunner().invoke(main, ["build", "--source", str(root), "--now", NOW])
    assert build.exit_code == 0, build.output
    page = (root / "public" / "incidents" / slug / "index.html").read_text()
    assert "prompt:" not in page and "5 Whys" not in page
    assert "Duration: 2 h 51 min" in page
    # check lists every section still left as its prompt, and the missing items.
    code, out = check(root)
    lines = text.split("\n")

    def line_of(heading: str) -> int:
        return lines.index(heading) + 1

    for name in ("Summary", "Root cause", "What went well", "What went wrong", "Action items"):
        assert (
            f"updates/{slug}.md:{line_of('### ' + name)}: warning: postmortem: the '{name}' "
            "section is empty or still its prompt"
        ) in out
    heading = line_of("## 2026-11-25 10:00 UTC · Postmortem")
    assert f"updates/{slug}.md:{heading}: warning: postmortem: no action items" in out
    assert "'Timeline' section" not in out and "'Impact' section" not in out


# -- postmortem lint --------------------------------------------------------------------

COMPLETE = """\
---
title: API errors
severity: SEV1
components:
  api: partial_outage
declared: 2026-11-20T10:00:00Z
---
## 2026-11-20 10:05 UTC · Investigating
Looking into it.

## 2026-11-20 11:00 UTC · Monitoring
Impact: api=operational
A fix is out.

## 2026-11-20 11:40 UTC · Resolved
All good.

## 2026-11-21 09:00 UTC · Postmortem
### Summary
The API failed for some requests for 55 minutes.

### Timeline (UTC)
- 10:00: declared.

### Root cause
A connection limit that did not grow with the fleet.

### Impact
55 minutes of partial outage.

### What went well
The alert fired at once.

### What went wrong
No dashboard showed the limit.

### Action items
- [ ] @team-data · due 2026-12-10 · Alert at 70% of the connection limit
- [x] Raised the limit — @team-data, done 2026-11-20
"""
FILE = "updates/2026-11-20-api-errors.md"


def lint(
    site_factory, text: str, *args: str, toml: str = MINIMAL_TOML, name: str = "site"
) -> tuple[int, str]:
    root = site_factory({FILE: text}, toml=toml, name=name)
    return check(root, *args)


def test_a_complete_postmortem_has_no_lint(site_factory):
    code, out = lint(site_factory, COMPLETE)
    assert code == 0, out
    assert "postmortem:" not in out and "action item" not in out


def line_no(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


@pytest.mark.parametrize("name,headings", POSTMORTEM_SECTIONS)
def test_each_missing_section_is_named_at_the_postmortem_heading(site_factory, name, headings):
    text = COMPLETE
    start = text.index(next(f"### {h}" for h in (name, name.capitalize()) if f"### {h}" in text))
    end = text.find("\n### ", start + 1)
    text = text[:start] + (text[end + 1 :] if end != -1 else "")
    if name == "Action items":
        text += "- [ ] @team-data · due 2026-12-10 · Alert at 70%\n"  # items, no heading
    _, out = lint(site_factory, text)
    heading = line_no(text, "· Postmortem")
    assert f"{FILE}:{heading}: warning: postmortem: no '{name}' section" in out
    assert out.count("postmortem: no '") == 1


def test_a_section_left_as_its_prompt_is_reported_at_its_heading(site_factory):
    text = COMPLETE.replace(
        "No dashboard showed the limit.", "<!-- prompt: Where the response was slow. -->"
    )
    _, out = lint(site_factory, text)
    line = line_no(text, "### What went wrong")
    assert (
        f"{FILE}:{line}: warning: postmortem: the 'What went wrong' section is empty or "
        "still its prompt\n  hint: replace the prompt with what the team found"
    ) in out


def test_action_items_need_an_owner_and_a_due_date(site_factory):
    text = COMPLETE.replace(
        "- [ ] @team-data · due 2026-12-10 · Alert at 70% of the connection limit",
        "- [ ] Alert at 70% of the connection limit\n- [ ] Add jitter — @team-api",
    )
    _, out = lint(site_factory, text)
    first, second = line_no(text, "Alert at 70%"), line_no(text, "Add jitter")
    assert f"{FILE}:{first}: warning: action item without an owner: Alert at 70%" in out
    assert f"{FILE}:{first}: warning: action item without a due date: Alert at 70%" in out
    assert f"{FILE}:{second}: warning: action item without a due date: Add jitter" in out
    assert f"{FILE}:{second}: warning: action item without an owner" not in out
    # a done item needs no due date
    assert "Raised the limit" not in out


def test_no_action_items_at_all(site_factory):
    text = COMPLETE.replace(
        "- [ ] @team-data · due 2026-12-10 · Alert at 70% of the connection limit\n"
        "- [x] Raised the limit — @team-data, done 2026-11-20\n",
        "We will raise the limit.\n",
    )
    _, out = lint(site_factory, text)
    assert f"{FILE}:{line_no(text, '· Postmortem')}: warning: postmortem: no action items" in out


@pytest.mark.parametrize("phrase", BLAME_PHRASES)
def test_each_blame_phrase_is_a_suggestion_not_an_error(site_factory, phrase):
    text = COMPLETE.replace(
        "A connection limit that did not grow with the fleet.",
        f"A connection limit that did not grow; {phrase.upper()} in the end.",
    )
    code, out = lint(site_factory, text, "--format", "github")
    assert code == 0
    line = line_no(text, "did not grow;")
    shown = " ".join(phrase.upper().split())
    assert (
        f"::warning file={FILE},line={line},title=Clarion warning::postmortem: '{shown}' puts a "
        "person where a cause should be"
    ) in out


def test_a_person_named_as_the_cause_is_reported(site_factory):
    text = COMPLETE.replace(
        "A connection limit that did not grow with the fleet.",
        "The outage was caused by @alice, and @bob broke the retry.",
    )
    code, out = lint(site_factory, text, "--format", "json")
    data = json.loads(out)
    found = [(e["line"], e["message"]) for e in data["lint"] if "named as a cause" in e["message"]]
    line = line_no(text, "caused by @alice")
    assert found == [
        (line, "postmortem: @alice is named as a cause"),
        (line, "postmortem: @bob is named as a cause"),
    ]
    assert all(e["severity"] == "warning" for e in data["lint"])


def test_blame_words_in_code_and_timeline_handles_are_fine(site_factory):
    text = COMPLETE.replace(
        "- 10:00: declared.",
        "- 10:00: declared by @alice.\n\n```\nlog: human error rate 0\n```",
    )
    _, out = lint(site_factory, text)
    assert "postmortem:" not in out


def test_only_the_configured_severities_are_linted(site_factory):
    text = COMPLETE.replace("### What went well\nThe alert fired at once.\n\n", "")
    _, linted = lint(site_factory, text)
    assert "no 'What went well' section" in linted
    sev2 = text.replace("severity: SEV1", "severity: SEV2")
    _, out = lint(site_factory, sev2, name="plain")
    assert "postmortem:" not in out
    toml = MINIMAL_TOML + '\n[postmortem]\nlint = ["SEV2"]\n'
    _, out = check(site_factory({FILE: sev2}, toml=toml, name="sev2"))
    assert "no 'What went well' section" in out


# -- runbooks ----------------------------------------------------------------------------

RUNBOOK = """\
---
title: Fail over the database
trigger: Alert db-primary-down
severity: SEV1
owner: "@team-data"
last_updated: 2026-10-01
---
## Prerequisites
Operator access.

## Steps
1. Promote the replica:

   ```sh
   dbctl promote replica-1
   ```

## Verification
Writes succeed.

## Rollback
Demote it again with `dbctl demote replica-1`.
"""
RB = "runbooks/db-failover.md"


def test_a_complete_runbook_has_no_lint_and_the_example_passes(site_factory, tmp_path):
    _, out = check(site_factory({RB: RUNBOOK}))
    assert "runbook" not in out
    code, out = check(example_copy(tmp_path))
    assert "runbook" not in out and "postmortem:" not in out


def test_runbook_lint_messages(site_factory):
    text = (
        RUNBOOK.replace('owner: "@team-data"\n', "")
        .replace("last_updated: 2026-10-01", "last_updated: 2026-04-01")
        .replace("   ```sh\n   dbctl promote replica-1\n   ```\n", "   Run the promote command.\n")
        .split("## Rollback")[0]
    )
    _, out = check(site_factory({RB: text}))
    steps = line_no(text, "## Steps")
    updated = line_no(text, "last_updated")
    assert f"{RB}:1: warning: runbook db-failover: no owner set" in out
    assert f"{RB}:1: warning: runbook db-failover: no rollback" in out
    assert f"{RB}:{steps}: warning: runbook db-failover: the steps have no command to copy" in out
    assert (
        f"{RB}:{updated}: warning: runbook db-failover: last updated 2026-04-01, 240 days ago "
        "(stale after 180 days)"
    ) in out


def test_staleness_follows_the_site_setting(site_factory):
    toml = MINIMAL_TOML + "\n[runbooks]\nstale_after_days = 30\n"
    _, out = check(site_factory({RB: RUNBOOK}, toml=toml))
    assert "57 days ago (stale after 30 days)" in out


def test_the_stale_fixture_runbook_is_reported(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(Path(__file__).parent / "sites" / "runbooks", root)
    _, out = check(root)
    assert "runbook stale-cache-flush: last updated 2025-09-01, 452 days ago" in out


def test_an_unknown_runbook_id_is_an_error_with_a_suggestion(site_factory):
    incident = COMPLETE.replace("declared:", "runbooks: [db-failovr]\ndeclared:")
    code, out = check(site_factory({FILE: incident, RB: RUNBOOK}))
    assert code == 2
    line = line_no(incident, "runbooks:")
    assert f"{FILE}:{line}: error: runbooks: unknown runbook 'db-failovr'" in out
    assert "did you mean 'db-failover'?" in out


def test_new_runbook_scaffolds_a_file_that_loads_and_is_linted(site_factory):
    root = site_factory()
    args = ["new", "runbook", "db-failover", "--source", str(root), "--now", NOW]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (root / RB).is_file()
    assert CliRunner().invoke(main, args).exit_code == 2  # never overwritten
    _, out = check(root)
    assert "runbook db-failover: no owner set" in out
    assert "runbook db-failover: the 'Steps' section is empty" in out
    bad = CliRunner().invoke(main, ["new", "runbook", "DB Failover", "--source", str(root)])
    assert bad.exit_code == 2 and "invalid runbook name" in bad.output


def test_runbooks_are_private_unless_public(site_factory):
    public = RUNBOOK.replace("last_updated: 2026-10-01", "last_updated: 2026-10-01\npublic: true")
    root = site_factory({RB: RUNBOOK, "runbooks/public-one.md": public})
    result = CliRunner().invoke(main, ["build", "--source", str(root), "--now", NOW])
    assert result.exit_code == 0, result.output
    assert not (root / "public/runbooks/db-failover").exists()
    page = (root / "public/runbooks/public-one/index.html").read_text()
    assert "dbctl promote replica-1" in page
    assert "@team-data" not in page  # the owner stays private
    assert "runbooks/public-one/" in (root / "public/sitemap.xml").read_text()
    for path in (root / "public").rglob("*"):
        if path.is_file() and "public-one" not in str(path):
            assert b"db-failover" not in path.read_bytes(), path


# -- review views ------------------------------------------------------------------------


def test_the_private_metrics_page_shows_the_review_views(tmp_path):
    root = example_copy(tmp_path)
    result = CliRunner().invoke(main, ["build", "--source", str(root)])
    assert result.exit_code == 0, result.output
    page = (root / "private/metrics/index.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "@team-deploy 1 2026-11-15" in text  # the SEV0's canary stage, due 15 Nov
    # 2026 Q4 by severity: one SEV0 (14 Oct), four SEV1, three SEV2, two SEV3.
    assert "2026 Q4 1 4 3 2 10" in text
    assert "Database proxy at its connection limit db-proxy-connection-limit @team-data" in text
    assert "1: API errors and slow responses in eu-central" in text
    public = (root / "public").rglob("*.html")
    assert all("Overdue action items by owner" not in p.read_text() for p in public)


def test_the_draft_keeps_the_regulator_clocks_private(tmp_path):
    root = example_copy(tmp_path)
    slug = "2026-11-25-export-files-other-accounts"
    args = ["new", "postmortem", "export-files", "--again", "--at", "2026-11-27 10:00 UTC"]
    result = CliRunner().invoke(main, [*args, "--source", str(root), "--now", NOW])
    assert result.exit_code == 0, result.output
    text = (root / "updates" / f"{slug}.md").read_text()
    assert (
        "       - GDPR Art. 33 notification to the supervisory authority (gdpr-art33-authority): "
        "clock from breach.aware at 2026-11-25 10:00, due 2026-11-28 10:00"
    ) in text
    CliRunner().invoke(main, ["build", "--source", str(root), "--now", NOW])
    for path in (root / "public").rglob("*"):
        if path.is_file():
            assert b"gdpr-art33-authority" not in path.read_bytes(), path


def test_one_finding_reads_the_same_in_text_json_and_github(site_factory):
    text = COMPLETE.replace(
        "- [ ] @team-data · due 2026-12-10 · Alert", "- [ ] due 2026-12-10 · Alert"
    )
    root = site_factory({FILE: text})
    line = line_no(text, "due 2026-12-10 · Alert")
    message = "action item without an owner: Alert at 70% of the connection limit"
    _, plain = check(root)
    assert f"{FILE}:{line}: warning: {message}\n  hint: name one: — @team-or-person" in plain
    _, github = check(root, "--format", "github")
    escaped = message.replace("%", "%25")  # GitHub workflow commands escape %
    assert f"::warning file={FILE},line={line},title=Clarion warning::{escaped}" in github
    _, raw = check(root, "--format", "json")
    found = [e for e in json.loads(raw)["lint"] if e["message"] == message]
    assert [(e["file"], e["line"], e["severity"]) for e in found] == [(FILE, line, "warning")]
