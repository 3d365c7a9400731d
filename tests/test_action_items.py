"""Postmortem action items: parsing (owner, due and done dates, separators,
wrapped lines), the completion rate, and ``clarion check`` reporting open
items past their due date at the level ``[metrics]`` sets."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from clarion.cli import main
from clarion.derive.action_items import (
    action_items,
    overdue_items,
    parse_facts,
    parse_task_list,
    source_line,
)
from clarion.derive.stats import compute_stats
from clarion.model import Impact, Incident, Kind, Severity, Stage, Update
from tests.conftest import MINIMAL_TOML

UTC = UTC
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

POSTMORTEM_BODY = """\
### What we are changing
- [x] Rolled back the change and froze load balancer changes until the items
  below are done — @team-edge, done 2026-10-14
- [x] Linked recent deploys to every alert page -- @team-observability, done 2026-10-15
- [ ] Add a canary stage — @team-deploy, due 2026-11-15
- [ ] Test the effective limit – @team-edge, due 2026-11-30
- [X] Alert on the proxy's connection count - @team-data
- [ ] Write the runbook due 2026-12-15 (@ops)
- [ ] Decide on a vendor
* [ ] Fix the well-known-endpoint - it breaks - @team-api, due: 2026-12-01

```markdown
- [ ] not an item: inside a code block
```
- a plain list entry, not an item
"""


def make_incident(
    body: str = POSTMORTEM_BODY, *, slug: str = "2026-10-14-outage", components=None, **kw
) -> Incident:
    updates = (
        Update(
            at=datetime(2026, 10, 14, 14, 0, tzinfo=UTC),
            stage=Stage.INVESTIGATING,
            body="x",
            impact=None,
            line=8,
            position=0,
        ),
        Update(
            at=datetime(2026, 10, 14, 15, 0, tzinfo=UTC),
            stage=Stage.RESOLVED,
            body="x",
            impact=None,
            line=11,
            position=1,
        ),
        Update(
            at=datetime(2026, 10, 16, 10, 0, tzinfo=UTC),
            stage=Stage.POSTMORTEM,
            body=body,
            impact=None,
            line=14,
            position=2,
        ),
    )
    return Incident(
        slug=slug,
        kind=Kind.INCIDENT,
        title="Outage",
        severity=kw.pop("severity", Severity.SEV0),
        components=components or {"api": Impact.MAJOR_OUTAGE},
        updates=updates,
        declared_at=datetime(2026, 10, 14, 13, 50, tzinfo=UTC),
        source_path=f"updates/{slug}.md",
        **kw,
    )


def test_items_parse_with_owner_due_and_done_dates():
    items = action_items(make_incident())
    got = [(i.done, i.text, i.owner, i.due, i.done_on) for i in items]
    assert got == [
        (
            True,
            "Rolled back the change and froze load balancer changes until the items below are done",
            "team-edge",
            None,
            date(2026, 10, 14),
        ),
        (
            True,
            "Linked recent deploys to every alert page",
            "team-observability",
            None,
            date(2026, 10, 15),
        ),
        (False, "Add a canary stage", "team-deploy", date(2026, 11, 15), None),
        (False, "Test the effective limit", "team-edge", date(2026, 11, 30), None),
        (True, "Alert on the proxy's connection count", "team-data", None, None),
        (False, "Write the runbook due 2026-12-15 (@ops)", "ops", date(2026, 12, 15), None),
        (False, "Decide on a vendor", None, None, None),
        (False, "Fix the well-known-endpoint - it breaks", "team-api", date(2026, 12, 1), None),
    ]
    assert [i.body_line for i in items] == [1, 3, 4, 5, 6, 7, 8, 9]


def test_facts_need_a_separator_and_only_facts_in_the_tail():
    assert parse_facts("Add a canary stage — @team-deploy, due 2026-12-15") == (
        "Add a canary stage",
        "team-deploy",
        "2026-12-15",
        None,
    )
    # A dash inside the text is not a separator; an address is not an owner.
    assert parse_facts("Mail support@example.com - then wait") == (
        "Mail support@example.com - then wait",
        None,
        None,
        None,
    )
    assert parse_facts("Re-run the back-fill -- due 2026-12-01") == (
        "Re-run the back-fill",
        None,
        "2026-12-01",
        None,
    )


def test_only_postmortem_updates_carry_items():
    incident = make_incident()
    task_in_investigating = Update(
        at=incident.updates[0].at,
        stage=Stage.INVESTIGATING,
        body="- [ ] not an action item",
        impact=None,
        line=8,
        position=0,
    )
    other = Incident(
        slug="x",
        kind=Kind.INCIDENT,
        title="t",
        severity=Severity.SEV2,
        components={},
        updates=(task_in_investigating,),
    )
    assert action_items(other) == ()
    assert list(parse_task_list("- [ ] a\n  b\n\n  - [x] nested")) == [
        (0, False, "a b", "- [ ] a"),
        (3, True, "nested", "  - [x] nested"),
    ]


def test_an_impossible_date_is_a_problem_not_a_crash():
    (item,) = action_items(make_incident("- [ ] Fix it — @me, due 2026-02-30"))
    assert item.due is None and item.problem == "due 2026-02-30 is not a date"


def test_items_are_overdue_from_the_day_after_their_due_date_in_the_site_zone():
    items = action_items(make_incident())
    canary = items[2]
    # Due 2026-11-15: still in time until midnight in Berlin (23:00 UTC).
    assert not canary.is_overdue(datetime(2026, 11, 15, 22, 59, tzinfo=UTC), BERLIN)
    assert canary.is_overdue(datetime(2026, 11, 15, 23, 0, tzinfo=UTC), BERLIN)
    assert canary.days_overdue(NOW, BERLIN) == 12
    assert [i.text for i in overdue_items(items, NOW, BERLIN)] == ["Add a canary stage"]
    # Done items and items without a due date are never overdue.
    assert not items[0].is_overdue(NOW, BERLIN) and not items[6].is_overdue(NOW, BERLIN)


def test_postmortems_after_now_are_not_known_yet():
    assert action_items(make_incident(), datetime(2026, 10, 16, 9, 0, tzinfo=UTC)) == ()


def test_completion_rate_matches_a_hand_count():
    # Incident one: 3 done of 8 (see POSTMORTEM_BODY); incident two: 1 of 2.
    one = make_incident()
    two = make_incident(
        "- [x] Done — @a\n- [ ] Open — @b, due 2027-01-01",
        slug="2026-10-20-two",
        components={"web": Impact.PARTIAL_OUTAGE},
    )
    stats = compute_stats(
        [one, two],
        now=NOW,
        zone=BERLIN,
        components=("api", "web"),
        postmortem_within=timedelta(hours=48),
    )
    assert (stats.overall.action_items.hits, stats.overall.action_items.total) == (4, 10)
    assert stats.overall.action_items.ratio == pytest.approx(0.4)
    assert stats.component("api").action_items.ratio == pytest.approx(3 / 8)
    assert stats.component("web").action_items.ratio == pytest.approx(0.5)
    assert stats.overall.overdue_action_items == 1


def test_source_line_finds_the_item_below_its_heading():
    lines = [
        "---",
        "title: x",
        "---",
        "## 2026-10-16 10:00 UTC · Postmortem",
        "",
        "- [ ] Same — @a",
        "- [ ] Same — @a",
    ]
    body = "- [ ] Same — @a\n- [ ] Same — @a"
    update = Update(at=NOW, stage=Stage.POSTMORTEM, body=body, impact=None, line=4, position=0)
    incident = Incident(
        slug="x",
        kind=Kind.INCIDENT,
        title="x",
        severity=Severity.SEV1,
        components={},
        updates=(update,),
    )
    first, second = action_items(incident)
    assert (source_line(first, lines), source_line(second, lines)) == (6, 7)


# -- clarion check ---------------------------------------------------------------------

INCIDENT = """\
---
title: API errors
severity: SEV2
components:
  api: partial_outage
declared: 2026-11-02T10:00:00Z
---
## 2026-11-02 10:05 UTC · Investigating
Looking into it.

## 2026-11-02 10:40 UTC · Monitoring
Impact: api=operational
Fixed.

## 2026-11-02 11:20 UTC · Resolved
All good.

## 2026-11-03 09:00 UTC · Postmortem
What happened.

### Actions
- [x] Roll back — @team-api, done 2026-11-02
- [ ] Add a canary stage — @team-deploy, due 2026-11-15
- [ ] Review limits — @team-capacity, due 2026-12-17
"""


def run_check(site_factory, toml: str = MINIMAL_TOML, *args: str, name: str = "site"):
    root = site_factory({"updates/2026-11-02-api-errors.md": INCIDENT}, toml=toml, name=name)
    return CliRunner().invoke(
        main, ["check", "--source", str(root), "--now", "2026-11-27T12:00:00Z", *args]
    )


def test_check_warns_about_an_open_past_due_item_with_file_and_line(site_factory):
    result = run_check(site_factory)
    assert result.exit_code == 0, result.output
    assert (
        "updates/2026-11-02-api-errors.md:23: warning: "
        "action item overdue (due 2026-11-15, 12 days ago): "
        "Add a canary stage (@team-deploy)"
    ) in result.output
    assert "Review limits" not in result.output and "Roll back" not in result.output


def test_check_github_format_annotates_the_item(site_factory):
    result = run_check(site_factory, MINIMAL_TOML, "--format", "github")
    lines = [line for line in result.output.splitlines() if "action item" in line]
    assert len(lines) == 1
    assert lines[0].startswith(
        "::warning file=updates/2026-11-02-api-errors.md,line=23,title=Clarion "
        "warning::action item overdue"
    )


def test_check_json_lists_the_item_in_the_lint(site_factory):
    data = json.loads(run_check(site_factory, MINIMAL_TOML, "--format", "json").output)
    (entry,) = [e for e in data["lint"] if "action item" in e["message"]]
    assert (entry["severity"], entry["file"], entry["line"]) == (
        "warning",
        "updates/2026-11-02-api-errors.md",
        23,
    )


def test_overdue_items_can_be_errors_or_off(site_factory):
    error = run_check(
        site_factory,
        MINIMAL_TOML + '\n[metrics]\noverdue_action_items = "error"\n',
        "--format",
        "github",
    )
    assert error.exit_code == 1
    assert "::error file=updates/2026-11-02-api-errors.md,line=23" in error.output
    off = run_check(
        site_factory, MINIMAL_TOML + '\n[metrics]\noverdue_action_items = "off"\n', name="off"
    )
    assert off.exit_code == 0 and "action item" not in off.output


def test_strict_makes_the_warning_fail(site_factory):
    assert run_check(site_factory, MINIMAL_TOML, "--strict").exit_code == 2


def test_an_unknown_level_is_a_config_error(site_factory):
    result = run_check(site_factory, MINIMAL_TOML + '\n[metrics]\noverdue_action_items = "warn"\n')
    assert result.exit_code == 2
    assert "metrics.overdue_action_items: got 'warn'" in result.output
    assert "did you mean 'warning'?" in result.output


def _public_and_private_text(root) -> tuple[str, str]:
    from clarion.build import prepare, render_all
    from clarion.config import load_config
    from clarion.render import Area

    outputs = list(render_all(prepare(load_config(root), NOW)))
    public = b"".join(o.data for o in outputs if o.area is Area.PUBLIC)
    private = b"".join(o.data for o in outputs if o.area is Area.PRIVATE)
    return public.decode("utf-8", "replace"), private.decode("utf-8", "replace")


def test_owners_and_due_dates_are_private_unless_the_site_chooses(site_factory):
    root = site_factory({"updates/2026-11-02-api-errors.md": INCIDENT})
    public, private = _public_and_private_text(root)
    assert "Add a canary stage" in public and "Review limits" in public
    for fact in ("@team-deploy", "team-api", "due 2026-11-15", "due 2026-12-17", "done 2026"):
        assert fact not in public, fact
    assert "@team-deploy" in private  # the private metrics page still lists owners
    shown = site_factory(
        {"updates/2026-11-02-api-errors.md": INCIDENT},
        toml=MINIMAL_TOML + "\n[postmortem]\npublic_action_items = true\n",
        name="shown",
    )
    public, _ = _public_and_private_text(shown)
    assert "@team-deploy, due 2026-11-15" in public


def test_public_action_items_must_be_true_or_false(site_factory):
    result = run_check(site_factory, MINIMAL_TOML + '\n[postmortem]\npublic_action_items = "yes"\n')
    assert result.exit_code == 2 and "postmortem.public_action_items" in result.output
