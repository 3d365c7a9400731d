"""The Statuspage-compatible JSON API: its shapes (a JSON Schema kept in
tests/schemas/), its values, and two independently written Statuspage
clients reading it over HTTP on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from clarion.render.items import stable_id
from tests.conftest import NOW
from tests.subscription_site import append_update, build_public, files, tree

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas/statuspage-v2.schema.json").read_text(encoding="utf-8")
)
CLIENTS = Path(__file__).parent / "clients"
BASE = "https://status.test.example/"

ENDPOINTS = {
    "summary.json": "summary.json",
    "status.json": "status.json",
    "components.json": "components.json",
    "incidents.json": "incidents.json",
    "incidents/unresolved.json": "unresolved.json",
    "scheduled-maintenances.json": "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json": "upcoming.json",
    "scheduled-maintenances/active.json": "active.json",
}


def load(public: Path, endpoint: str) -> dict:
    return json.loads((public / "api/v2" / endpoint).read_text(encoding="utf-8"))


def validate(document: dict, definition: str) -> None:
    schema = {"$ref": f"#/$defs/{definition}", "$defs": SCHEMA["$defs"]}
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture
def site(site_factory) -> Path:
    return site_factory(files())


@pytest.fixture
def public(site) -> Path:
    return build_public(site)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_every_endpoint_matches_the_statuspage_shape(public, endpoint):
    document = load(public, endpoint)
    validate(document, ENDPOINTS[endpoint])
    assert document["page"] == {
        "id": stable_id("page", BASE),
        "name": "Test Status",
        "url": BASE,
        "time_zone": "Europe/Berlin",
        # The latest update at or before now (the maintenance started at 11:00 UTC).
        "updated_at": "2026-11-27T12:00:00.000+01:00",
    }


def test_schema_rejects_a_wrong_shape(public):
    """The schema is strict enough to catch a broken writer."""
    summary = load(public, "summary.json")
    broken = json.loads(json.dumps(summary))
    broken["components"][0]["status"] = "down"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, "summary.json")
    broken = json.loads(json.dumps(summary))
    del broken["incidents"][0]["incident_updates"][0]["affected_components"]
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, "summary.json")


def test_json_encoding_is_canonical(public):
    for endpoint in ENDPOINTS:
        text = (public / "api/v2" / endpoint).read_text(encoding="utf-8")
        assert (
            text
            == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )


def test_status_and_components(public):
    assert load(public, "status.json")["status"] == {
        "indicator": "minor",
        "description": "Partially Degraded Service",
    }
    components = load(public, "components.json")["components"]
    by_name = {c["name"]: c for c in components}
    assert [c["name"] for c in components] == [
        "Website",
        "Core",
        "API",
    ]  # ungrouped first, then each group
    assert by_name["API"]["status"] == "under_maintenance"
    assert by_name["Website"]["status"] == "degraded_performance"
    core = by_name["Core"]
    assert core["group"] is True and core["components"] == [by_name["API"]["id"]]
    assert by_name["API"]["group_id"] == core["id"] and by_name["Website"]["group_id"] is None
    assert core["status"] == "under_maintenance"
    assert by_name["API"]["id"] == stable_id("component", "api")
    assert by_name["API"]["updated_at"] == "2026-11-27T12:00:00.000+01:00"  # the window opened
    assert by_name["Website"]["updated_at"] == "2026-11-27T11:30:00.000+01:00"
    assert load(public, "summary.json")["components"] == components


def test_incidents_newest_first_with_updates_and_affected_components(public):
    incidents = load(public, "incidents.json")["incidents"]
    assert [i["name"] for i in incidents] == [
        "Website loads slowly",
        "Slow API and website",
        "Elevated error rates on the API",
    ]
    api_errors = incidents[2]
    assert api_errors["id"] == stable_id("incident", "2026-11-20-api-errors")
    assert api_errors["status"] == "postmortem"  # resolved, and the postmortem is published
    assert api_errors["impact"] == "major"
    assert api_errors["shortlink"] == BASE + "incidents/2026-11-20-api-errors/"
    assert api_errors["started_at"] == "2026-11-20T15:02:00.000+01:00"
    assert api_errors["created_at"] == "2026-11-20T15:05:00.000+01:00"
    assert api_errors["updated_at"] == "2026-11-21T11:00:00.000+01:00"
    assert api_errors["resolved_at"] == "2026-11-20T16:10:00.000+01:00"
    assert api_errors["monitoring_at"] is None
    assert (
        api_errors["postmortem_body"]
        == "What happened\nA configuration change removed a health check."
    )
    assert api_errors["postmortem_published_at"] == "2026-11-21T11:00:00.000+01:00"
    assert [c["name"] for c in api_errors["components"]] == ["API"]
    updates = api_errors["incident_updates"]
    assert [u["status"] for u in updates] == ["resolved", "identified", "investigating"]
    assert updates[1]["body"] == "A faulty deploy was identified and is being rolled back."
    assert all(u["incident_id"] == api_errors["id"] for u in updates)
    api = stable_id("component", "api")
    assert [u["affected_components"] for u in reversed(updates)] == [
        [{"code": api, "name": "API", "old_status": "operational", "new_status": "partial_outage"}],
        [
            {
                "code": api,
                "name": "API",
                "old_status": "partial_outage",
                "new_status": "degraded_performance",
            }
        ],
        [
            {
                "code": api,
                "name": "API",
                "old_status": "degraded_performance",
                "new_status": "operational",
            }
        ],
    ]
    both = incidents[1]
    assert both["status"] == "resolved" and both["impact"] == "minor"
    assert len(both["incident_updates"][1]["affected_components"]) == 2


def test_unresolved_incidents(public):
    unresolved = load(public, "incidents/unresolved.json")["incidents"]
    assert [(i["name"], i["status"], i["resolved_at"]) for i in unresolved] == [
        ("Website loads slowly", "investigating", None)
    ]
    assert load(public, "summary.json")["incidents"] == unresolved


def test_scheduled_maintenances(public):
    everything = load(public, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert [(m["name"], m["status"]) for m in everything] == [
        ("Database upgrade", "scheduled"),
        ("Certificate rotation", "completed"),  # cancelled: Statuspage has no such status
        ("Load balancer replacement", "in_progress"),
    ]
    upgrade = everything[0]
    assert upgrade["impact"] == "maintenance"
    assert (upgrade["scheduled_for"], upgrade["scheduled_until"]) == (
        "2026-12-03T03:00:00.000+01:00",
        "2026-12-03T05:00:00.000+01:00",
    )
    assert everything[1]["resolved_at"] == "2026-11-23T13:00:00.000+01:00"
    window = everything[2]
    assert [u["affected_components"] for u in window["incident_updates"]] == [
        [
            {
                "code": stable_id("component", "api"),
                "name": "API",
                "old_status": "operational",
                "new_status": "under_maintenance",
            }
        ],
        None,
    ]
    upcoming = load(public, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    active = load(public, "scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert [m["name"] for m in upcoming] == ["Database upgrade"]
    assert [m["name"] for m in active] == ["Load balancer replacement"]
    assert load(public, "summary.json")["scheduled_maintenances"] == active + upcoming


def test_maintenance_follows_its_window_without_updates(site):
    """A window that opened or ended without an update moves on by itself."""
    during = build_public(site, now=NOW.replace(day=30, hour=2, minute=30), out="during")
    names = {
        m["name"]: m for m in load(during, "scheduled-maintenances.json")["scheduled_maintenances"]
    }
    assert names["Database upgrade"]["status"] == "scheduled"
    after = build_public(site, now=NOW.replace(month=12, day=3, hour=5), out="after")
    names = {
        m["name"]: m for m in load(after, "scheduled-maintenances.json")["scheduled_maintenances"]
    }
    assert names["Database upgrade"]["status"] == "completed"
    assert names["Database upgrade"]["resolved_at"] == "2026-12-03T05:00:00.000+01:00"
    assert load(after, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"] == []
    opened = build_public(site, now=NOW.replace(month=12, day=3, hour=2, minute=30), out="opened")
    active = load(opened, "scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert [(m["name"], m["status"]) for m in active] == [("Database upgrade", "in_progress")]


def test_ids_are_stable_across_an_added_update(site):
    before = build_public(site, out="one")
    append_update(
        site, "2026-11-27-web-slow", "## 2026-11-27 11:45 UTC · Identified\nA cache node failed."
    )
    after = build_public(site, out="two")
    old = load(before, "incidents/unresolved.json")["incidents"][0]
    new = load(after, "incidents/unresolved.json")["incidents"][0]
    assert old["id"] == new["id"]
    assert new["status"] == "identified" and new["updated_at"] == "2026-11-27T12:45:00.000+01:00"
    assert [u["id"] for u in new["incident_updates"]][1:] == [
        u["id"] for u in old["incident_updates"]
    ]
    assert len({u["id"] for u in new["incident_updates"]}) == 2
    assert (
        load(before, "components.json")["components"]
        == load(after, "components.json")["components"]
    )


def test_incidents_json_holds_the_fifty_most_recent(site_factory):
    extra = {
        f"updates/2026-10-{day:02d}-n{n}.md": f"---\ntitle: Incident {day:02d}-{n}\nseverity: "
        f"SEV3\ncomponents: {{web: degraded_performance}}\n"
        f"declared: 2026-10-{day:02d}T{n + 10}:00:00Z\n---\n## "
        f"2026-10-{day:02d} {n + 10}:05 UTC · Resolved\nDone.\n"
        for day in range(1, 29)
        for n in range(2)
    }
    public = build_public(site_factory(files(extra)))
    incidents = load(public, "incidents.json")["incidents"]
    assert len(incidents) == 50
    assert [i["name"] for i in incidents[:4]] == [
        "Website loads slowly",
        "Slow API and website",
        "Elevated error rates on the API",
        "Incident 28-1",
    ]
    assert incidents[-1]["name"] == "Incident 05-1"
    validate(load(public, "incidents.json"), "incidents.json")


def test_private_and_future_content_stays_out(site):
    append_update(
        site, "2026-11-27-web-slow", "## 2026-11-27 13:00 UTC · Resolved\nWritten ahead of time."
    )
    public = build_public(site)
    for path, data in tree(public / "api").items():
        assert b"Secret hush" not in data and b"classified" not in data, path
        assert b"Written ahead" not in data, path
    assert load(public, "incidents/unresolved.json")["incidents"][0]["status"] == "investigating"


def test_empty_site(site_factory):
    public = build_public(site_factory())
    for endpoint, definition in ENDPOINTS.items():
        validate(load(public, endpoint), definition)
    summary = load(public, "summary.json")
    assert summary["page"]["updated_at"] is None
    assert summary["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert summary["incidents"] == [] and summary["scheduled_maintenances"] == []


def test_whole_build_is_deterministic(site):
    """Two builds of the same content at the same now: every file, byte for byte."""
    one = tree(build_public(site, out="one"))
    two = tree(build_public(site, out="two"))
    assert one.keys() == two.keys()
    assert [path for path in one if one[path] != two[path]] == []
    for path in (
        "feed.xml",
        "atom.xml",
        "feed.json",
        "maintenance.ics",
        "api/v2/summary.json",
        "badge.svg",
        "sitemap.xml",
    ):
        assert path in one


# -- independent clients ---------------------------------------------------


@pytest.fixture
def served(public) -> Iterator[str]:
    """The built site on http://127.0.0.1:<port>/, served by http.server."""
    handler = functools.partial(_QuietHandler, directory=str(public))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _local_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(key, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


@pytest.fixture(scope="session")
def statuspage_io() -> Path:
    """The npm client ``statuspage.io`` (tests/clients/package.json), installed
    with ``npm ci`` when CI has not already done so."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the npm client statuspage.io cannot run")
    if not (CLIENTS / "node_modules/statuspage.io/package.json").exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                "npm is missing: run 'npm ci --prefix "
                "tests/clients' to install the statuspage.io client"
            )
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", str(CLIENTS)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            pytest.fail(f"'npm ci --prefix tests/clients' failed:\n{result.stderr[-2000:]}")
    return CLIENTS / "read_status.js"


def test_npm_statuspage_io_client_reads_the_api(served, statuspage_io):
    result = subprocess.run(
        ["node", str(statuspage_io), served],
        capture_output=True,
        text=True,
        timeout=60,
        env=_local_env(),
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["page"] == "Test Status"
    assert (seen["indicator"], seen["description"]) == ("minor", "Partially Degraded Service")
    assert seen["summaryIndicator"] == "minor"
    assert seen["components"] == {
        "Website": "degraded_performance",
        "Core": "under_maintenance",
        "API": "under_maintenance",
    }
    assert seen["summaryIncidents"] == seen["unresolved"] == ["Website loads slowly"]
    assert seen["incidents"] == [
        {
            "name": "Website loads slowly",
            "status": "investigating",
            "impact": "minor",
            "updates": 1,
        },
        {"name": "Slow API and website", "status": "resolved", "impact": "minor", "updates": 2},
        {
            "name": "Elevated error rates on the API",
            "status": "postmortem",
            "impact": "major",
            "updates": 3,
        },
    ]
    assert seen["summaryMaintenances"] == ["Load balancer replacement", "Database upgrade"]
    assert seen["upcoming"] == ["Database upgrade"]


def test_prometheus_exporter_reads_the_summary(served, tmp_path):
    """PyPI's statuspage-prometheus-exporter, in its one-shot mode, turns
    summary.json into Prometheus metrics."""
    pytest.importorskip(
        "statuspage_prometheus_exporter", reason="pip install -e '.[test]' installs it"
    )
    services = tmp_path / "services.json"
    services.write_text(
        json.dumps({"clarion": {"url": served + "api/v2/summary.json", "name": "Clarion"}})
    )
    metrics = tmp_path / "statuspage.prom"
    env = _local_env() | {
        "RUN_MODE": "once",
        "SERVICES_JSON_PATH": str(services),
        "METRICS_TEXTFILE_PATH": str(metrics),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from statuspage_prometheus_exporter.status_monitoring import main; main()",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    text = metrics.read_text()
    assert 'statuspage_probe_check{service_name="Clarion"} 1.0' in text
    assert 'statuspage_service_status{service_name="Clarion"} 0.0' in text  # not all operational
    components = dict(
        re.findall(
            r'statuspage_component_status\{component_name="([^"]+)",service_name="Clarion"\} (\S+)',
            text,
        )
    )
    assert components == {"Website": "0.0", "Core": "0.0", "API": "0.0"}
    incidents = re.findall(
        r'statuspage_incident_info\{[^}]*incident_name="([^"]+)"[^}]*\} 1.0', text
    )
    assert incidents == ["Website loads slowly"]
    assert f'incident_id="{stable_id("incident", "2026-11-27-web-slow")}"' in text
    maintenances = re.findall(
        r'statuspage_maintenance_info\{[^}]*maintenance_name="([^"]+)"[^}]*\} 1.0', text
    )
    assert sorted(maintenances) == ["Database upgrade", "Load balancer replacement"]
