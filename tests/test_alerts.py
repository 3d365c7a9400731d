"""``clarion new incident --from-alert``: every paging tool's payload (fixtures in
tests/alerts/, each with the vendor's schema reference beside it) becomes a
drafted incident, checked field by field and by ``clarion check``; bad
payloads and unmapped alerts write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from clarion.alerts import read_alert
from clarion.alerts.jsonpath import JsonPathError, parse_path
from clarion.cli import main
from clarion.config import load_config
from clarion.errors import ContentErrors
from tests.conftest import MINIMAL_TOML

FIXTURES = Path(__file__).parent / "alerts"
NOW = "2026-11-20T14:02:00Z"

ALERTS_TOML = (
    MINIMAL_TOML
    + """
[components.dashboard]
name = "Dashboard"

[components.database]
name = "Database"

[alerts]
severity = "SEV3"

[alerts.map.payments]
service = "payments-api"
components = { api = "major_outage" }
severity = "SEV1"
headline = "Payments are failing"

[alerts.map.checkout]
service = "checkout"
tags = ["prod"]
components = { api = "degraded_performance", web = "degraded_performance" }
severity = "SEV2"

[alerts.map.api-errors]
labels = { service = "api", severity = "critical" }
components = { api = "partial_outage" }
severity = "SEV1"

[alerts.map.dashboard]
service = "dashboard"
components = { dashboard = "degraded_performance" }

[alerts.map.database]
title_contains = "database connections"
components = { database = "partial_outage", api = "degraded_performance" }
severity = "SEV0"

[alerts.generic]
title = "$.alert.summary"
dedup_key = "$.alert.id"
status = "$.alert.state"
triggered = "$.alert.started_at"
url = "$.alert.link"
labels = "$.alert.labels"
tags = "$['alert'].tags"

[alerts.map.website]
labels = { component = "website" }
components = { web = "major_outage" }
severity = "SEV1"
"""
)


def run(root: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, [*args, "--source", str(root)], input=input)


def drafted(root: Path) -> list[Path]:
    return sorted((root / "updates").glob("*.md")) if (root / "updates").is_dir() else []


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


# (fixture, format, slug, front matter expected field by field)
CASES = [
    (
        "pagerduty-triggered",
        "pagerduty",
        "2026-11-20-payments-are-failing",
        {
            "title": "Payments are failing",
            "severity": "SEV1",
            "components": {"api": "major_outage"},
            "detected": "2026-11-20T13:55:12Z",
            "declared": "2026-11-20T14:02:00Z",
            "customers_affected": True,  # a SEV1 owes customers an email unless told
            "private": {
                "alert": {
                    "source": "pagerduty",
                    "dedup_key": "Q2M4QZ9SFKRYUF",
                    "title": "Payments API 5xx rate above 5%",
                    "url": "https://acme.pagerduty.com/incidents/Q2M4QZ9SFKRYUF",
                }
            },
        },
    ),
    (
        "pagerduty-acknowledged",
        "pagerduty",
        "2026-11-20-payments-are-failing",
        {
            "severity": "SEV1",
            "detected": "2026-11-20T13:55:12Z",
            "acknowledged": "2026-11-20T13:58:40Z",
            "declared": "2026-11-20T14:02:00Z",
        },
    ),
    (
        "opsgenie-create",
        "opsgenie",
        "2026-11-20-checkout-latency-p99-above-2s",
        {
            "title": "Checkout latency p99 above 2s",
            "severity": "SEV2",
            "components": {"api": "degraded_performance", "web": "degraded_performance"},
            "detected": "2026-11-20T13:55:00Z",
            "private": {
                "alert": {
                    "source": "opsgenie",
                    "dedup_key": "checkout-latency-p99",
                    "title": "Checkout latency p99 above 2s",
                    "url": "https://monitoring.acme.example/d/checkout",
                }
            },
        },
    ),
    (
        "alertmanager-firing",
        "alertmanager",
        "2026-11-20-apihigherrorrate",
        {
            "title": "APIHighErrorRate",
            "severity": "SEV1",
            "components": {"api": "partial_outage"},
            "detected": "2026-11-20T13:52:11Z",  # the earlier of the two grouped alerts
            "private": {
                "alert": {
                    "source": "alertmanager",
                    "dedup_key": '{}/{severity="critical"}:{alertname="APIHighErrorRate"}',
                    "title": "APIHighErrorRate",
                    "url": "http://alertmanager.acme.example:9093",
                }
            },
        },
    ),
    (
        "grafana-firing",
        "grafana",
        "2026-11-20-dashboard-pages-load-slowly-in-eu",
        {
            "title": "Dashboard pages load slowly in eu-1",
            "severity": "SEV3",  # no rule suggests one: [alerts] severity
            "components": {"dashboard": "degraded_performance"},
            "detected": "2026-11-20T13:51:03Z",  # +01:00 in the payload
        },
    ),
    (
        "datadog-triggered",
        "datadog",
        "2026-11-20-database-connections-saturated-on-db-primary",
        {
            "title": "Database connections saturated on db-primary",
            "severity": "SEV0",
            "components": {"database": "partial_outage", "api": "degraded_performance"},
            "detected": "2026-11-20T13:54:00Z",
            "private": {
                "alert": {
                    "source": "datadog",
                    "dedup_key": "Database connections saturated on db-primary",
                    "title": "Database connections saturated on db-primary",
                }
            },
        },
    ),
    (
        "generic",
        "generic",
        "2026-11-20-website-unreachable-from-two-regions",
        {
            "title": "Website unreachable from two regions",
            "severity": "SEV1",
            "components": {"web": "major_outage"},
            "detected": "2026-11-20T13:50:00Z",
            "private": {
                "alert": {
                    "source": "generic",
                    "dedup_key": "relay-8812",
                    "title": "Website unreachable from two regions",
                    "url": "https://relay.acme.example/a/8812",
                }
            },
        },
    ),
]


@pytest.mark.parametrize("name,fmt,slug,expected", CASES, ids=[c[0] for c in CASES])
def test_each_format_drafts_a_checked_incident(site_factory, name, fmt, slug, expected):
    root = site_factory(toml=ALERTS_TOML)
    payload = FIXTURES / f"{name}.json"
    assert (FIXTURES / f"{name}.json.source").read_text().strip(), "the schema reference"
    config = load_config(root)
    assert read_alert(payload.read_text(), name, "auto", config.alerts).format == fmt
    result = run(root, "new", "incident", "--from-alert", str(payload), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"updates/{slug}.md"
    data = front_matter(root / f"updates/{slug}.md")
    for key, value in expected.items():
        if key in ("detected", "acknowledged", "declared"):
            value = yaml.safe_load(f"t: {value}")["t"]
        assert data[key] == value, key
    assert "acknowledged" in data or "acknowledged" not in expected
    text = (root / f"updates/{slug}.md").read_text()
    assert "## 2026-11-20 14:02 UTC · Investigating" in text
    check = run(root, "check", "--now", NOW)
    assert check.exit_code in (0, 4), check.output  # valid content; nothing overdue


def test_format_can_be_named(site_factory):
    root = site_factory(toml=ALERTS_TOML)
    payload = str(FIXTURES / "grafana-firing.json")
    result = run(
        root, "new", "incident", "--from-alert", payload, "--format", "grafana", "--now", NOW
    )
    assert result.exit_code == 0, result.output
    # the wrong format: a clear error naming the missing fields, nothing written
    root2 = site_factory(toml=ALERTS_TOML, name="other")
    wrong = run(
        root2, "new", "incident", "--from-alert", payload, "--format", "pagerduty", "--now", NOW
    )
    assert wrong.exit_code == 2
    assert f"{payload}: error: event.event_type: missing" in wrong.output
    assert "pass --format to name the format" in wrong.output
    assert drafted(root2) == []


def test_acknowledged_alert_fills_the_drafted_file_and_nothing_else(site_factory):
    root = site_factory(toml=ALERTS_TOML)
    first = run(
        root,
        "new",
        "incident",
        "--from-alert",
        str(FIXTURES / "pagerduty-triggered.json"),
        "--now",
        NOW,
    )
    assert first.exit_code == 0, first.output
    path = root / "updates/2026-11-20-payments-are-failing.md"
    before = path.read_text()
    assert "acknowledged" not in front_matter(path)
    second = run(
        root, "new", "incident", "--from-alert", "-", "--now", "2026-11-20T14:10:00Z",
        input=(FIXTURES / "pagerduty-acknowledged.json").read_text(),
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() == "updates/2026-11-20-payments-are-failing.md"
    assert "filled 'acknowledged'" in second.output
    after = path.read_text()
    assert after == before.replace(
        "declared: 2026-11-20T14:02:00Z",
        "acknowledged: 2026-11-20T13:58:40Z\ndeclared: 2026-11-20T14:02:00Z",
    )
    assert len(list((root / "updates").glob("*.md"))) == 1
    third = run(
        root, "new", "incident", "--from-alert", str(FIXTURES / "pagerduty-acknowledged.json")
    )
    assert third.exit_code == 0 and "nothing changed" in third.output
    assert path.read_text() == after


def test_alert_key_is_branch_safe_and_shared_by_triggered_and_acknowledged(site_factory):
    root = site_factory(toml=ALERTS_TOML)
    keys = {
        run(
            root, "new", "incident", "--from-alert", str(FIXTURES / f"{n}.json"), "--alert-key"
        ).stdout.strip()
        for n in ("pagerduty-triggered", "pagerduty-acknowledged")
    }
    assert keys == {"pagerduty-q2m4qz9sfkryuf"}
    grouped = run(
        root,
        "new",
        "incident",
        "--from-alert",
        str(FIXTURES / "alertmanager-firing.json"),
        "--alert-key",
    )
    assert grouped.exit_code == 0
    assert grouped.stdout.strip().startswith("alertmanager-") and len(grouped.stdout.strip()) == 29
    assert drafted(root) == []


def test_unmapped_alert_names_the_service_and_how_to_map_it(site_factory):
    root = site_factory(toml=MINIMAL_TOML)
    result = run(
        root,
        "new",
        "incident",
        "--from-alert",
        str(FIXTURES / "pagerduty-triggered.json"),
        "--now",
        NOW,
    )
    assert result.exit_code == 2
    assert (
        "the alert maps to no component: service 'payments-api' matches no [alerts.map] rule; "
        "nothing was written." in result.output
    )
    assert '[alerts.map.payments-api]\n    service = "payments-api"' in result.output
    assert drafted(root) == []


@pytest.mark.parametrize(
    "payload,message",
    [
        ("{not json", "bad.json:1: error: the alert payload is not JSON"),
        ('{"hello": "world"}', "bad.json: error: unknown alert payload (top-level: hello)"),
        (
            json.dumps(
                {
                    "event": {
                        "event_type": "incident.triggered",
                        "data": {"id": "P1", "title": "x", "created_at": "yesterday"},
                    }
                }
            ),
            "bad.json: error: event.data.created_at: got 'yesterday'",
        ),
        (
            json.dumps(
                {
                    "event": {
                        "event_type": "incident.annotated",
                        "data": {"id": "P1", "title": "x", "created_at": "2026-11-20T13:55:12Z"},
                    }
                }
            ),
            "bad.json: error: event.event_type: got 'incident.annotated'",
        ),
        (
            json.dumps({"receiver": "r", "status": "firing", "groupKey": "k", "alerts": []}),
            "bad.json: error: alerts: no alerts in the notification",
        ),
    ],
    ids=["not-json", "unknown", "bad-time", "other-event", "empty-group"],
)
def test_malformed_or_unknown_payloads_write_nothing(site_factory, monkeypatch, payload, message):
    root = site_factory(toml=MINIMAL_TOML)
    monkeypatch.chdir(root)
    (root / "bad.json").write_text(payload)
    result = CliRunner().invoke(
        main, ["new", "incident", "--from-alert", "bad.json", "--source", str(root), "--now", NOW],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in result.output.replace(str(root) + "/", "")
    assert "Traceback" not in result.output
    assert drafted(root) == []


def test_resolved_alert_declares_nothing(site_factory):
    root = site_factory(toml=ALERTS_TOML)
    data = json.loads((FIXTURES / "alertmanager-firing.json").read_text())
    data["status"] = "resolved"
    result = run(root, "new", "incident", "--from-alert", "-", "--now", NOW, input=json.dumps(data))
    assert result.exit_code == 2
    assert "is already resolved; nothing to declare" in result.output


def test_command_line_wins_over_the_mapping(site_factory):
    root = site_factory(toml=ALERTS_TOML)
    result = run(
        root, "new", "incident", "Card payments fail",
        "--from-alert", str(FIXTURES / "pagerduty-triggered.json"),
        "-s", "SEV0", "-c", "web=partial_outage", "--customers-affected", "--now", NOW,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = front_matter(root / "updates/2026-11-20-card-payments-fail.md")
    assert data["severity"] == "SEV0" and data["components"] == {"web": "partial_outage"}
    assert data["customers_affected"] is True


@pytest.mark.parametrize("severity,owed", [("SEV1", True), ("SEV2", False)])
def test_a_drafted_sev0_or_sev1_has_customers_affected_unless_told(site_factory, severity, owed):
    """As with `clarion new incident`: a SEV0/SEV1 owes customers an email
    unless --no-customers-affected says they are not affected."""
    root = site_factory(toml=ALERTS_TOML)
    source = str(FIXTURES / "pagerduty-triggered.json")
    result = run(root, "new", "incident", "--from-alert", source, "-s", severity, "--now", NOW)
    assert result.exit_code == 0, result.output
    (path,) = drafted(root)
    assert front_matter(path)["customers_affected"] is owed
    path.unlink()
    args = ["new", "incident", "--from-alert", source, "-s", severity, "--no-customers-affected"]
    assert run(root, *args, "--now", NOW).exit_code == 0
    (path,) = drafted(root)
    assert front_matter(path)["customers_affected"] is False


# -- [alerts] in site.toml ------------------------------------------------------------


def test_alerts_settings_errors_have_lines_and_hints(site_factory):
    toml = MINIMAL_TOML + (
        '\n[alerts]\nseverty = "SEV1"\n\n[alerts.map.pay]\nservice = "payments"\n'
        'components = { apii = "major_outage" }\nseverity = "SEV9"\n\n'
        '[alerts.map.nothing]\ncomponents = { api = "major_outge" }\n\n'
        '[alerts.generic]\ntitle = "alert.summary"\n'
    )
    root = site_factory(toml=toml)
    with pytest.raises(ContentErrors) as caught:
        load_config(root)
    text = caught.value.format()
    lines = MINIMAL_TOML.count("\n")
    assert f"site_src/site.toml:{lines + 3}: error: unknown key 'severty' in [alerts]" in text
    assert "hint: did you mean 'severity'?" in text
    assert (
        f"site_src/site.toml:{lines + 7}: error: "
        "alerts.map.pay.components: unknown component 'apii'" in text
    )
    assert "hint: did you mean 'api'?" in text
    assert f"site_src/site.toml:{lines + 8}: error: alerts.map.pay.severity: got 'SEV9'" in text
    assert f"site_src/site.toml:{lines + 10}: error: [alerts.map.nothing] matches nothing" in text
    assert "alerts.map.nothing.components.api: got impact 'major_outge'" in text
    assert "hint: did you mean 'major_outage'?" in text
    assert "alerts.generic.title: 'alert.summary' does not start with '$'" in text
    assert "[alerts.generic] has no 'dedup_key'" in text


def test_json_paths():
    assert parse_path("$.a.b[0]['c d'][\"e\"]") == ("a", "b", 0, "c d", "e")
    assert parse_path("$") == ()
    for bad in ("a.b", "$.a..b", "$[x]"):
        with pytest.raises(JsonPathError):
            parse_path(bad)


def test_opsgenie_acknowledge_and_datadog_recovery_are_read(site_factory):
    settings = load_config(site_factory(toml=ALERTS_TOML)).alerts
    opsgenie = json.loads((FIXTURES / "opsgenie-create.json").read_text())
    opsgenie["action"] = "Acknowledge"
    opsgenie["alert"]["updatedAt"] = 1795183440000000000  # epoch nanoseconds
    alert = read_alert(json.dumps(opsgenie), "og", "auto", settings)
    assert alert.event.value == "acknowledged"
    assert alert.acknowledged_at is not None
    assert alert.acknowledged_at.isoformat() == "2026-11-20T14:04:00+00:00"
    datadog = json.loads((FIXTURES / "datadog-triggered.json").read_text())
    datadog["title"] = datadog["title"].replace("[Triggered]", "[Recovered]")
    recovered = read_alert(json.dumps(datadog), "dd", "auto", settings)
    assert recovered.event.value == "resolved"
    assert recovered.dedup_key == "Database connections saturated on db-primary"


def test_control_characters_never_reach_the_file(site_factory):
    root = site_factory(toml=ALERTS_TOML)
    data = json.loads((FIXTURES / "pagerduty-triggered.json").read_text())
    data["event"]["data"]["title"] = "Payments\x07 down\x00\u0085 now"
    result = run(
        root, "new", "incident", "x", "--from-alert", "-", "--now", NOW, input=json.dumps(data)
    )
    assert result.exit_code == 0, result.output
    text = (root / "updates/2026-11-20-x.md").read_text()
    assert "    title: Payments  down   now" in text
    assert not any(ord(c) < 32 and c != "\n" for c in text)
