"""``clarion import statuspage``: the published api/v2 reproduces the
imported history field by field, uptime follows Statuspage's weighting,
re-imports are idempotent and bad input writes nothing."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import threading
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nh3
import pytest
from click.testing import CliRunner

from clarion.cli import main
from clarion.config import load_config
from clarion.derive import derive_state
from clarion.load import load_site
from clarion.render.api import StatuspageApi
from clarion.render.markdown import MarkdownRenderer

from .conftest import MINIMAL_TOML, NOW
from .import_fixtures import history, write

HAND_WRITTEN = Path(__file__).parent / "fixtures" / "import" / "statuspage"
TOML = "# our own comment, kept as written\n" + MINIMAL_TOML
# A site whose components share no name with the source's (all are added, ids kept).
TOML_APART = TOML.replace('name = "API"', 'name = "Our API"')
WEIGHT = {"major_outage": 1.0, "partial_outage": 0.3}


def run(*args: str) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def import_into(root: Path, folder: Path, *extra: str) -> Any:
    result = run("import", "statuspage", folder, "--source", root, *extra)
    assert result.exit_code == 0, result.output
    return result


def snapshot(root: Path) -> dict[str, str]:
    files = sorted([*root.glob("updates/**/*.md"), root / "site_src" / "site.toml"])
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def as_text(body: str | None) -> str:
    """Source text as a reader sees it (HTML sanitised), without whitespace."""
    text = body or ""
    if re.search(r"<[a-z][^>]*>", text, re.I):
        text = html.unescape(nh3.clean(text, tags=set()))
    return re.sub(r"\s+", "", text)


def changes(update: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (c["code"], c["name"], c["old_status"], c["new_status"])
        for c in update.get("affected_components") or []
        if c["old_status"] != c["new_status"]
    )


def assert_same(source: dict[str, Any], ours: dict[str, Any]) -> None:
    where = f"{source['id']} {source['name']!r}"
    assert ours["id"] == source["id"], where
    assert ours["name"] == source["name"], where
    assert ours["status"] == source["status"], where
    for key in ("created_at", "resolved_at", "monitoring_at", "scheduled_for", "scheduled_until"):
        if key in source:
            assert instant(ours[key]) == instant(source[key]), f"{where}: {key}"
    if "scheduled_for" not in source:
        assert instant(ours["started_at"]) == instant(source["started_at"]), where
    assert {c["id"] for c in ours["components"]} == {c["id"] for c in source["components"]}
    assert len(ours["incident_updates"]) == len(source["incident_updates"]), where
    for mine, theirs in zip(ours["incident_updates"], source["incident_updates"], strict=True):
        assert mine["status"] == theirs["status"], where
        assert instant(mine["display_at"]) == instant(theirs["display_at"]), where
        assert re.sub(r"\s+", "", mine["body"]) == as_text(theirs["body"]), where
        assert sorted(
            (c["code"], c["name"], c["old_status"], c["new_status"])
            for c in mine["affected_components"] or []
        ) == changes(theirs), f"{where}: affected_components at {theirs['display_at']}"
    if source.get("postmortem_body"):
        assert re.sub(r"\s+", "", ours["postmortem_body"]) == as_text(source["postmortem_body"])
        assert instant(ours["postmortem_published_at"]) == instant(
            source["postmortem_published_at"]
        )


@pytest.fixture
def generated(tmp_path: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    documents = history(incidents=220, maintenances=40)
    return write(tmp_path / "statuspage", documents), documents


def test_round_trip_every_incident_and_maintenance(site_factory, generated) -> None:
    folder, documents = generated
    root = site_factory(toml=TOML_APART)
    import_into(root, folder, "--keep-ids")
    assert run("build", "--source", root, "--now", NOW.isoformat()).exit_code == 0
    config = load_config(root)
    state = derive_state(config, load_site(config).incidents, NOW)
    api = StatuspageApi(config, state, MarkdownRenderer())
    ours = {i.incident.statuspage_id: i for i in api.items}
    incidents = documents["incidents.json"]["incidents"]
    maintenances = documents["scheduled-maintenances.json"]["scheduled_maintenances"]
    assert len(incidents) == 220 and len(ours) == 260
    for source in incidents:
        assert_same(source, api.incident(ours[source["id"]]))
    for source in maintenances:
        assert_same(source, api.maintenance(ours[source["id"]]))
    # The published files: the 50 most recent of each, the same records.
    published = json.loads((root / "public/api/v2/incidents.json").read_text())["incidents"]
    assert [i["id"] for i in published] == [i["id"] for i in incidents[:50]]
    for source, mine in zip(incidents, published, strict=False):
        assert_same(source, mine)
    windows = json.loads((root / "public/api/v2/scheduled-maintenances.json").read_text())
    by_id = {m["id"]: m for m in maintenances}
    assert windows["scheduled_maintenances"]
    for mine in windows["scheduled_maintenances"]:
        assert_same(by_id[mine["id"]], mine)
    components = json.loads((root / "public/api/v2/components.json").read_text())["components"]
    source_names = {c["id"]: c["name"] for c in documents["components.json"]["components"]}
    for component in components:
        if component["id"] in source_names:
            assert component["name"] == source_names[component["id"]]


def test_hand_written_fixture_round_trips(site_factory) -> None:
    root = site_factory(toml=TOML_APART)
    import_into(root, HAND_WRITTEN, "--keep-ids")
    config = load_config(root)
    state = derive_state(config, load_site(config).incidents, NOW)
    api = StatuspageApi(config, state, MarkdownRenderer())
    ours = {i.incident.statuspage_id: i for i in api.items}
    for source in json.loads((HAND_WRITTEN / "incidents.json").read_text())["incidents"]:
        mine = api.incident(ours[source["id"]])
        if source["id"] == "x7ckp0q1ls2m":  # its resolve names no component: Clarion's rule applies
            assert (
                mine["incident_updates"][0]["affected_components"][0]["new_status"] == "operational"
            )
            continue
        assert_same(source, mine)
    text = (root / "updates/2026-10-01-elevated-api-errors-zurich-region.md").read_text()
    assert "## 2026-10-01 15:45:30.500 UTC · Resolved" in text  # UTC headings, exact times
    assert "declared: 2026-10-01T08:02:11-06:00" in text  # the source's zone kept
    assert "<script" not in "".join(p.read_text() for p in root.glob("updates/*.md"))


def statuspage_downtime(
    documents: dict[str, Any], zone: Any, now: datetime
) -> dict[str, list[float]]:
    """Weighted downtime minutes per day, computed from the source alone: each
    component's status changes when an update sets it (Statuspage's model);
    major_outage counts fully, partial_outage at 0.3, the rest as up."""
    changes_of: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for incident in documents["incidents.json"]["incidents"]:
        for update in incident["incident_updates"]:
            for change in update["affected_components"] or []:
                changes_of[change["code"]].append(
                    (instant(update["display_at"]), change["new_status"])
                )
    first = now.astimezone(zone).date() - timedelta(days=89)
    result = {}
    for code, events in changes_of.items():
        events.sort(key=lambda e: e[0])
        days = []
        for offset in range(90):
            day: date = first + timedelta(days=offset)
            start = datetime.combine(day, time(), zone)
            end = min(datetime.combine(day + timedelta(days=1), time(), zone), now)
            status, down, cursor = "operational", 0.0, start
            for moment, new in events:
                if moment <= start:
                    status = new
                    continue
                if moment >= end:
                    break
                down += (moment - cursor).total_seconds() / 60 * WEIGHT.get(status, 0.0)
                status, cursor = new, moment
            down += max((end - cursor).total_seconds(), 0) / 60 * WEIGHT.get(status, 0.0)
            days.append(down)
        result[code] = days
    return result


def test_uptime_matches_statuspage_weighting(site_factory, generated) -> None:
    folder, documents = generated
    root = site_factory(toml=TOML_APART)
    import_into(root, folder, "--keep-ids")
    config = load_config(root)
    state = derive_state(config, load_site(config).incidents, NOW)
    expected = statuspage_downtime(documents, config.timezone, NOW)
    checked = 0.0
    for component in config.components:
        if component.statuspage_id not in expected:
            continue
        ours = [d.down_minutes for d in state.uptime[component.id].days]
        assert ours == pytest.approx(expected[component.statuspage_id], abs=1e-6), component.id
        checked += sum(ours)
    assert checked > 100  # the window holds real outages


def test_reimport_is_idempotent_and_updates_in_place(site_factory, generated) -> None:
    folder, documents = generated
    root = site_factory(toml=TOML)
    import_into(root, folder)
    before = snapshot(root)
    again = import_into(root, folder)
    assert "0 new, 0 changed, 260 unchanged; 0 components and 0 groups added" in again.output
    assert snapshot(root) == before
    # A renamed incident: refused without --force, updated in place with it.
    documents["incidents.json"]["incidents"][3]["name"] = "Renamed on Statuspage"
    write(folder, documents)
    refused = run("import", "statuspage", folder, "--source", root)
    assert refused.exit_code == 2 and "--force" in refused.output
    assert snapshot(root) == before
    import_into(root, folder, "--force")
    after = snapshot(root)
    assert len(after) == len(before)
    assert sum(before[k] != after[k] for k in before) == 1


def test_site_toml_gets_a_diff_and_is_only_appended(site_factory, generated) -> None:
    folder, _ = generated
    root = site_factory(toml=TOML)
    dry = run(
        "import", "statuspage", folder, "--source", root, "--dry-run", "--map", "Webhooks=web"
    )
    assert dry.exit_code == 0, dry.output
    assert "+[components.databases]" in dry.output and "would write updates/" in dry.output
    assert "[components.webhooks]" not in dry.output  # mapped onto the site's own component
    assert not list(root.glob("updates/*.md"))
    assert (root / "site_src/site.toml").read_text() == TOML
    import_into(root, folder, "--map", "Webhooks=web")
    text = (root / "site_src/site.toml").read_text()
    assert text.startswith(TOML) and "statuspage_id" not in text
    assert any("web: operational" in p.read_text() for p in root.glob("updates/*.md"))


def bad(folder: Path, name: str, edit: Any) -> None:
    if callable(edit):
        data = json.loads((folder / name).read_text())
        edit(data)
        (folder / name).write_text(json.dumps(data))
    else:
        (folder / name).write_text(edit)


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        (
            "incidents.json",
            '{"page": {}, "incidents": [{"id": "a',
            "incidents.json:1: error: cannot read the JSON",
        ),
        (
            "incidents.json",
            lambda d: (
                d["incidents"][2]["incident_updates"][0]["affected_components"].append(
                    {
                        "code": "nosuchthing1",
                        "name": "Gone",
                        "old_status": "operational",
                        "new_status": "major_outage",
                    }
                )
                if d["incidents"][2]["incident_updates"][0]["affected_components"]
                else d["incidents"][2]["components"].append({"id": "nosuchthing1", "name": "Gone"})
            ),
            "incidents[2] (id '",
        ),
        ("incidents.json", lambda d: d["incidents"][5].pop("created_at"), "incidents[5] (id '"),
        (
            "scheduled-maintenances.json",
            lambda d: d["scheduled_maintenances"][1].update(scheduled_until="2000-01-01T00:00:00Z"),
            "the window ends before it starts",
        ),
    ],
)
def test_bad_input_names_file_and_record_and_writes_nothing(
    site_factory, generated, name, edit, message
) -> None:
    folder, _ = generated
    root = site_factory(toml=TOML)
    bad(folder, name, edit)
    result = run("import", "statuspage", folder, "--source", root)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert name in result.output or "scheduled_maintenances[1]" in result.output
    assert not list(root.glob("updates/*.md")) and not list(root.glob(".clarion-import-*"))
    assert (root / "site_src/site.toml").read_text() == TOML


def test_fetch_from_a_page_url(site_factory, tmp_path: Path) -> None:
    served = tmp_path / "served"
    shutil.copytree(HAND_WRITTEN, served / "api" / "v2")
    handler = partial(SimpleHTTPRequestHandler, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = site_factory(toml=TOML)
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = run("import", "statuspage", "--url", url, "--source", root, "--keep-ids")
        assert result.exit_code == 0, result.output
        assert len(list(root.glob("updates/*.md"))) == 3
    finally:
        server.shutdown()
        server.server_close()


def test_instatus_is_refused_with_the_reason(site_factory, tmp_path: Path) -> None:
    result = run("import", "instatus", tmp_path, "--source", site_factory(toml=TOML))
    assert result.exit_code == 2 and "documented" in result.output


def test_the_result_does_not_depend_on_the_number_of_workers(tmp_path: Path, monkeypatch) -> None:
    from clarion.importers import statuspage
    from clarion.importers.statuspage_files import read_folder

    folder = write(tmp_path / "big", history(incidents=430, maintenances=10, seed=7))
    documents = read_folder(folder)
    monkeypatch.setattr(statuspage, "default_workers", lambda: 1)
    alone = statuspage.read_statuspage(documents)
    monkeypatch.setattr(statuspage, "default_workers", lambda: 2)
    shared = statuspage.read_statuspage(documents)
    assert len(alone.items) == 440
    assert shared.items == alone.items
    assert shared.report.lines() == alone.report.lines()


def test_a_postmortem_status_without_its_body_is_reported(site_factory, tmp_path: Path) -> None:
    folder = tmp_path / "page"
    shutil.copytree(HAND_WRITTEN, folder)
    bad(folder, "incidents.json", lambda d: d["incidents"][0].update(postmortem_body=None))
    result = import_into(site_factory(toml=TOML), folder)
    assert "lossy: status postmortem without a postmortem_body" in result.output


def test_a_renamed_file_is_found_again_by_its_marker(site_factory) -> None:
    root = site_factory(toml=TOML)
    import_into(root, HAND_WRITTEN)
    old = root / "updates/2026-09-12-webhook-deliveries-delayed.md"
    (root / "updates/2026").mkdir()
    old.rename(root / "updates/2026/webhooks-slow.md")
    again = import_into(root, HAND_WRITTEN)
    assert "0 new, 0 changed, 3 unchanged" in again.output
    assert sorted(p.name for p in root.rglob("updates/**/*.md")) == [
        "2026-09-27-database-upgrade.md",
        "2026-10-01-elevated-api-errors-zurich-region.md",
        "webhooks-slow.md",
    ]


def test_imported_history_owes_no_practice_rule(site_factory, generated) -> None:
    """The history's updates, emails and postmortems happened in the old tool:
    `clarion check` does not hold imported incidents to Clarion's practice
    rules (cadence, customer emails, postmortem, monitoring soak, roles)."""
    folder, _ = generated
    root = site_factory(toml=TOML_APART)
    import_into(root, folder)
    files = sorted((root / "updates").glob("*.md"))
    assert all("\nimported: statuspage\n" in p.read_text() for p in files)
    result = run("check", "--source", root, "--now", NOW.isoformat(), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [o for o in data["obligations"] if o["state"] == "overdue"] == []
    assert not [e for e in data["lint"] if "monitoring" in e["message"]]
    # without the marker the same history owes postmortems
    for path in files:
        path.write_text(path.read_text().replace("\nimported: statuspage\n", "\n"))
    again = run("check", "--source", root, "--now", NOW.isoformat(), "--format", "json")
    assert again.exit_code == 1
