"""The metrics page: in the configured folder only, inline SVG charts that are
valid XML with titles and text labels, byte-stable builds, real numbers on
the example site, and a linear cost at 10,000 incidents."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from clarion.build import build
from clarion.config import load_config
from clarion.derive.metric_targets import metrics_report
from clarion.derive.stats import compute_stats
from clarion.model import Impact, Incident, Kind, Severity, Stage, Update
from clarion.render.metrics import metrics_page
from clarion.reports.metrics import postmortem_window
from tests.conftest import MINIMAL_TOML, NOW, copy_example

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"

INCIDENT = """\
---
title: API errors
severity: SEV1
components:
  api: partial_outage
detected: 2026-11-02T09:55:00Z
acknowledged: 2026-11-02T09:58:00Z
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

- [x] Roll back — @team-api, done 2026-11-02
- [ ] Add a canary stage — @team-deploy, due 2026-11-15
"""
SECRET = """\
---
title: Backup lag nobody outside should know about
severity: SEV3
components:
  web: degraded_performance
declared: 2026-10-12T10:00:00Z
public: false
---
## 2026-10-12 10:05 UTC · Investigating
Looking.

## 2026-10-12 11:00 UTC · Resolved
Done.
"""
FILES = {"updates/2026-11-02-api-errors.md": INCIDENT, "updates/2026-10-12-backup-lag.md": SECRET}
PUBLIC_TOML = MINIMAL_TOML + "\n[metrics]\npublic = true\n"


def build_site(site_factory, toml: str = MINIMAL_TOML, name: str = "site") -> tuple[Path, Path]:
    root = site_factory(FILES, toml=toml, name=name)
    result = build(load_config(root), now=NOW, use_cache=False)
    return result.public_dir, result.private_dir


def charts(html: str) -> list[ET.Element]:
    return [ET.fromstring(block) for block in re.findall(r"<svg xmlns=.*?</svg>", html, re.DOTALL)]


def test_private_by_default(site_factory):
    public, private = build_site(site_factory)
    assert (private / "metrics" / "index.html").is_file()
    assert not (public / "metrics").exists()
    assert "metrics/" not in (public / "index.html").read_text()
    assert "metrics/" not in (public / "sitemap.xml").read_text()
    page = (private / "metrics" / "index.html").read_text()
    assert "Private: never publish this page." in page and 'name="robots" content="noindex"' in page
    # A private page counts every incident, private ones too.
    assert "2 incidents (0 SEV0, 1 SEV1, 0 SEV2, 1 SEV3)" in page


def test_public_when_configured(site_factory):
    public, private = build_site(site_factory, PUBLIC_TOML)
    page = (public / "metrics" / "index.html").read_text()
    assert not (private / "metrics").exists()
    assert '<a href="metrics/">Metrics</a>' in (public / "index.html").read_text()
    assert (
        '<a href="../../metrics/">Metrics</a>'
        in (public / "incidents" / "2026-11-02-api-errors" / "index.html").read_text()
    )
    assert "https://status.test.example/metrics/" in (public / "sitemap.xml").read_text()
    # A public page never reveals a public: false incident.
    assert "1 incident (0 SEV0, 1 SEV1, 0 SEV2, 0 SEV3)" in page
    assert "Backup lag" not in page and "public incidents only" in page
    assert '<link rel="stylesheet" href="../assets/clarion.css">' in page
    assert '<a href="../incidents/2026-11-02-api-errors/">API errors</a>' in page


def test_charts_are_valid_xml_with_titles_and_text_labels(site_factory):
    _, private = build_site(site_factory)
    html = (private / "metrics" / "index.html").read_text()
    svgs = charts(html)
    ids = [svg.get("id") for svg in svgs]
    assert ids == [
        "chart-incidents",
        "chart-mttr",
        "chart-mtta",
        "chart-uptime",
        "chart-mtbf",
        "chart-action-items",
    ]
    # the chart's own title names the chart, whatever its bars' tooltips say
    assert svgs[0][0].text == "Incidents per month, by severity"
    for svg in svgs:
        assert svg[0].tag == f"{SVG}title" and svg[0].text
        assert (
            svg.get("role") == "img"
            and svg.get("aria-labelledby") == f"{svg.get('id')}-title {svg.get('id')}-desc"
        )
        assert svg.findall(f".//{SVG}text"), svg.get("id")
    texts = {svg.get("id"): [t.text for t in svg.iter(f"{SVG}text")] for svg in svgs}
    assert {
        "SEV0 critical",
        "SEV1 major",
        "SEV2 minor",
        "SEV3 low",
        "Dec",
        "2025",
        "Oct",
        "Nov",
    } <= set(texts["chart-incidents"])
    assert (
        "Target SEV1: ≤ 1 h" in texts["chart-mttr"]
        and "Target SEV1: ≤ 5 min" in texts["chart-mtta"]
    )
    assert "Target ≥ 30 d" in texts["chart-mtbf"] and "Target ≥ 90%" in texts["chart-action-items"]
    assert "1 of 2 done (50%), 1 overdue ✗" in texts["chart-action-items"]
    assert {"API", "Website"} <= set(texts["chart-uptime"])
    # Each bar segment says what it is, for a tooltip and for screen readers.
    tips = [t.text for t in svgs[0].iter(f"{SVG}title")]
    assert "November 2026: 1 SEV1 major" in tips and "October 2026: 1 incident (1 SEV3 low)" in tips


def test_page_shows_targets_tables_and_overdue_items(site_factory):
    _, private = build_site(site_factory)
    page = (private / "metrics" / "index.html").read_text()
    assert '<th scope="row">MTTA (SEV1)</th><td>3 min</td><td>≤ 5 min</td><td>met</td>' in page
    assert (
        '<th scope="row">MTTR (SEV1)</th><td>1 h 25 min</td><td>≤ 1 h</td><td>missed</td>' in page
    )
    assert re.search(
        r'<tr class="overdue"><td><span class="item-state">Overdue</span></td><td>Add '
        r"a canary stage</td><td>@team-deploy</td><td>2026-11-15</td>",
        page,
    )
    assert 'href="https://status.test.example/incidents/2026-11-02-api-errors/"' in page


def test_byte_stable_across_builds(site_factory):
    first = (build_site(site_factory, name="one")[1] / "metrics" / "index.html").read_bytes()
    second = (build_site(site_factory, name="two")[1] / "metrics" / "index.html").read_bytes()
    assert first == second
    public_one = (
        build_site(site_factory, PUBLIC_TOML, name="three")[0] / "metrics" / "index.html"
    ).read_bytes()
    public_two = (
        build_site(site_factory, PUBLIC_TOML, name="four")[0] / "metrics" / "index.html"
    ).read_bytes()
    assert public_one == public_two


def test_example_site_shows_real_numbers(tmp_path):
    root = tmp_path / "example"
    copy_example(root)
    config = load_config(root)
    result = build(config, now=config.now, use_cache=False)  # type: ignore[arg-type]
    page = (result.private_dir / "metrics" / "index.html").read_text()
    assert (
        "16 incidents (1 SEV0, 4 SEV1, 7 SEV2, 4 SEV3), 1 still open; 15 action items, 1 overdue."
        in page
    )
    assert "Add a canary stage: one location" in page
    assert len(charts(page)) == 6


def synthetic(n: int) -> list[Incident]:
    start = datetime(2023, 12, 1, tzinfo=UTC)
    components = ("api", "web", "db", "cdn")
    out = []
    for i in range(n):
        declared = start + timedelta(minutes=157 * i)
        body = "- [x] Done — @a\n- [ ] Open — @b, due 2024-01-01" if i % 10 == 0 else "Review."
        updates = (
            Update(
                at=declared + timedelta(minutes=5),
                stage=Stage.INVESTIGATING,
                body="",
                impact=None,
                line=9,
                position=0,
            ),
            Update(
                at=declared + timedelta(minutes=50 + i % 60),
                stage=Stage.RESOLVED,
                body="",
                impact=None,
                line=12,
                position=1,
            ),
            Update(
                at=declared + timedelta(hours=20),
                stage=Stage.POSTMORTEM,
                body=body,
                impact=None,
                line=15,
                position=2,
            ),
        )
        out.append(
            Incident(
                slug=f"i{i:05d}",
                kind=Kind.INCIDENT,
                title=f"Incident {i}",
                severity=Severity(f"SEV{i % 4}"),
                components={
                    components[i % 4]: Impact.PARTIAL_OUTAGE,
                    components[(i + 1) % 4]: Impact.MAJOR_OUTAGE,
                },
                updates=updates,
                declared_at=declared,
                detected_at=declared - timedelta(minutes=i % 7),
                acknowledged_at=declared - timedelta(minutes=i % 3) if i % 5 else None,
                source_path=f"updates/i{i:05d}.md",
            )
        )
    return out


def test_ten_thousand_incidents_stay_fast(site_factory):
    config = load_config(
        site_factory(
            toml=MINIMAL_TOML.replace(
                "[components.web]",
                '[components.db]\nname = "DB"\n\n[components.cdn]\nname '
                '= "CDN"\n\n[components.web]',
            )
        )
    )
    incidents = synthetic(10_000)
    now = incidents[-1].declared_at + timedelta(days=1)  # type: ignore[operator]
    started = time.perf_counter()
    stats = compute_stats(
        incidents,
        now=now,
        zone=ZoneInfo("UTC"),
        components=config.component_ids,
        postmortem_within=postmortem_window(config),
    )
    page = metrics_page(config, metrics_report(stats, config.metrics.targets), public=False)
    elapsed = time.perf_counter() - started
    assert stats.overall.incidents == 10_000 and len(page.charts) == 6
    assert len(page.items) == 200 and page.items_left_out == 800
    assert elapsed < 10, f"{elapsed:.1f} s"
