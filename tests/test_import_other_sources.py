"""``clarion import cstate`` and ``clarion import upptime``: the same history
kept by cState and by Upptime comes out of Clarion's api/v2 as the sources
wrote it; bad input names the file and record and writes nothing."""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import markdown
import nh3
import pytest
import yaml
from click.testing import CliRunner

from clarion.cli import main
from clarion.config import load_config
from clarion.derive import derive_state
from clarion.load import load_site
from clarion.render.api import StatuspageApi
from clarion.render.markdown import MarkdownRenderer

from .conftest import MINIMAL_TOML, NOW
from .import_fixtures import cstate_site, history, upptime_repo

HERE = Path(__file__).parent / "fixtures" / "import"
TRACK = re.compile(r'^\*([^*]+)\* - (.*?) \{\{< track "([^"]+)" >\}\}$', re.M | re.S)
CSTATE_IMPACT = {
    "down": "major_outage",
    "disrupted": "partial_outage",
    "notice": "degraded_performance",
}


def run(*args: object) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def text_of(source_markdown: str) -> str:
    """What a reader sees of a Markdown text, without whitespace."""
    rendered = nh3.clean(markdown.markdown(source_markdown), tags=set())
    return re.sub(r"\s+", "", html.unescape(rendered))


def utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace(" ", "T"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def published(root: Path) -> dict[str, dict[str, Any]]:
    """Every imported item as the API renders it, by its import marker."""
    config = load_config(root)
    api = StatuspageApi(
        config, derive_state(config, load_site(config).incidents, NOW), MarkdownRenderer()
    )
    result = {}
    for item in api.items:
        marker = re.search(
            r"<!-- clarion import: (.+?) -->", (root / item.incident.source_path).read_text()
        )
        assert marker, item.slug
        render = api.maintenance if item.is_maintenance else api.incident
        result[marker[1]] = render(item)
    return result


def affected(update: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted(
        (c["name"], c["old_status"], c["new_status"]) for c in update["affected_components"] or []
    )


def test_cstate_round_trip(site_factory, tmp_path: Path) -> None:
    source = cstate_site(tmp_path / "cstate", history(incidents=220, maintenances=40))
    root = site_factory(toml=MINIMAL_TOML)
    result = run("import", "cstate", source, "--source", root)
    assert result.exit_code == 0, result.output
    assert run("build", "--source", root, "--now", NOW.isoformat()).exit_code == 0
    ours = published(root)
    files = sorted((source / "content" / "issues").glob("*.md"))
    assert len(files) > 200 and len(ours) == len(files)
    for path in files:
        _, front_text, body = path.read_text().split("---\n", 2)
        front = yaml.safe_load(front_text)
        mine = ours[f"cstate content/issues/{path.name}"]
        assert mine["name"] == front["title"], path.name
        assert {c["name"] for c in mine["components"]} == set(front["affected"]), path.name
        updates = sorted(TRACK.findall(body), key=lambda u: u[2])
        if "scheduled_for" in mine:
            assert utc(mine["scheduled_for"]) == utc(str(front["date"]))
            assert utc(mine["scheduled_until"]) == utc(str(front["resolvedWhen"]))
            assert mine["status"] == "completed"
            continue
        assert utc(mine["created_at"]) == utc(updates[0][2]), path.name
        assert utc(mine["resolved_at"]) == utc(str(front["resolvedWhen"])), path.name
        theirs = list(reversed(updates))
        assert len(mine["incident_updates"]) == len(theirs), path.name
        for update, (word, text, at) in zip(mine["incident_updates"], theirs, strict=True):
            assert update["status"] == word.lower(), path.name
            assert utc(update["display_at"]) == utc(at)
            assert re.sub(r"\s+", "", update["body"]) == text_of(text), path.name
        impact = CSTATE_IMPACT[front["severity"]]
        names = sorted(front["affected"])
        assert affected(mine["incident_updates"][-1]) == [(n, "operational", impact) for n in names]
        assert affected(mine["incident_updates"][0]) == [(n, impact, "operational") for n in names]


def test_cstate_free_text_updates_are_guessed_written_down_and_reported(site_factory) -> None:
    root = site_factory(toml=MINIMAL_TOML)
    result = run("import", "cstate", HERE / "cstate", "--source", root)
    assert result.exit_code == 0, result.output
    assert "free-text update word read as a stage: 3 times" in result.output
    text = (root / "updates/2019-10-04-gateway-unreachable.md").read_text()
    assert '<!-- cState update "Update" read as Resolved -->' in text
    assert '<!-- cState update "Just noticed" read as Investigating -->' in text
    maintenance = (root / "updates/2021-02-24-maintenance-window.md").read_text()
    assert "kind: maintenance" in maintenance and "end: 2021-02-24T12:10:00Z" in maintenance
    before = {p.name: p.read_bytes() for p in root.glob("updates/*.md")}
    again = run("import", "cstate", HERE / "cstate", "--source", root)
    assert "0 new, 0 changed, 4 unchanged" in again.output
    assert {p.name: p.read_bytes() for p in root.glob("updates/*.md")} == before


def test_upptime_round_trip(site_factory, tmp_path: Path) -> None:
    source = upptime_repo(tmp_path / "upptime", history(incidents=220, maintenances=0))
    root = site_factory(toml=MINIMAL_TOML)
    result = run("import", "upptime", source, "--source", root)
    assert result.exit_code == 0, result.output
    ours = published(root)
    issues = json.loads((source / "issues.json").read_text())
    assert len(issues) == 220 and len(ours) == 220
    names = {
        s["slug"]: s["name"]
        for s in yaml.safe_load((source / ".upptimerc.yml").read_text())["sites"]
    }
    for issue in issues:
        mine = ours[f"upptime issue {issue['number']}"]
        site = names[next(label["name"] for label in issue["labels"] if label["name"] in names)]
        impact = "degraded_performance" if "degraded" in issue["title"] else "major_outage"
        assert mine["name"] == issue["title"]
        assert [c["name"] for c in mine["components"]] == [site]
        assert utc(mine["created_at"]) == utc(issue["createdAt"])
        assert utc(mine["resolved_at"]) == utc(issue["closedAt"])
        resolved, opened = mine["incident_updates"]
        assert (opened["status"], resolved["status"]) == ("investigating", "resolved")
        assert re.sub(r"\s+", "", opened["body"]) == text_of(issue["body"])
        assert re.sub(r"\s+", "", resolved["body"]) == text_of(issue["comments"][0]["body"])
        assert affected(opened) == [(site, "operational", impact)]
        assert affected(resolved) == [(site, impact, "operational")]


def test_upptime_maintenance_issue(site_factory) -> None:
    root = site_factory(toml=MINIMAL_TOML)
    assert run("import", "upptime", HERE / "upptime", "--source", root).exit_code == 0
    text = (root / "updates/2026-12-05-database-migration.md").read_text()
    assert "kind: maintenance" in text and "components: [public-api]" in text
    assert "start: 2026-12-05T02:00:00Z" in text and "<!--\nstart" not in text


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("kind", "path", "content", "message"),
    [
        (
            "upptime",
            "issues.json",
            '[{"number": 1, "title": "x"',
            "issues.json:1: error: cannot read the JSON",
        ),
        (
            "upptime",
            "issues.json",
            '[{"number": 7, "title": "🛑 Google is down", "labels": [{"name": "google"}]}]',
            "issues.json: error: issue [0] (#7): missing field 'createdAt'",
        ),
        (
            "upptime",
            "issues.json",
            '[{"number": 8, "title": "🛑 Mainframe is down", "createdAt": "2026-11-01T00:00:00Z",'
            ' "labels": [{"name": "mainframe"}]}]',
            "issue [0] (#8): unknown site",
        ),
        (
            "cstate",
            "content/issues/2020-01-01-bad.md",
            "---\ntitle: Bad\ndate: 2020-01-01 10:00:00\nseverity: down\n"
            "affected:\n  - Mainframe\n---\nx\n",
            "content/issues/2020-01-01-bad.md: error: affected: unknown system 'Mainframe'",
        ),
        (
            "cstate",
            "content/issues/2020-01-02-bad.md",
            "---\ntitle: No date\nseverity: down\n---\nx\n",
            "content/issues/2020-01-02-bad.md:1: error: missing field 'date'",
        ),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(
    site_factory, tmp_path, kind, path, content, message
) -> None:
    import shutil

    source = tmp_path / kind
    shutil.copytree(HERE / kind, source)
    (source / path).write_text(content, encoding="utf-8")
    root = site_factory(toml=MINIMAL_TOML)
    before = snapshot(root)
    result = run("import", kind, source, "--source", root)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert snapshot(root) == before
