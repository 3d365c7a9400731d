"""Property: for random incident sets and random ``now``s, every output agrees
on which incidents are open and which are resolved: the index, the incident
pages, the feed, every API file and ``clarion check``."""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clarion.build import prepare, render_all
from clarion.config import load_config
from clarion.render import Area
from clarion.reports.check import run_check
from tests.conftest import MINIMAL_TOML, write_files

BASE = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
WORK = ("Investigating", "Identified", "Monitoring")


@dataclass(frozen=True)
class Spec:
    """One generated incident: its updates as (minutes after BASE, stage)."""

    letter: str
    severity: str
    component: str
    updates: tuple[tuple[int, str], ...]

    @property
    def slug(self) -> str:
        return f"2026-11-20-incident-{self.letter}"

    @property
    def title(self) -> str:
        return f"Incident {self.letter.upper()}"

    def text(self) -> str:
        impact = {"api": "partial_outage", "web": "major_outage"}[self.component]
        lines = [
            "---",
            f"title: {self.title}",
            f"severity: {self.severity}",
            f"components: {{{self.component}: {impact}}}",
            "---",
        ]
        for minutes, stage in self.updates:
            at = BASE + timedelta(minutes=minutes)
            lines += [f"## {at:%Y-%m-%d %H:%M} UTC · {stage}", f"{stage} text.", ""]
        return "\n".join(lines)

    def visible(self, now: datetime) -> list[str]:
        return [s for m, s in self.updates if BASE + timedelta(minutes=m) <= now]

    def is_open(self, now: datetime) -> bool | None:
        """``None`` before its first update is published, else open or not."""
        shown = [s for s in self.visible(now) if s != "Postmortem"]
        if not shown:
            return None
        return shown[-1] != "Resolved"


@st.composite
def incident_specs(draw: st.DrawFn, letter: str) -> Spec:
    count = draw(st.integers(1, 6))
    gaps = draw(st.lists(st.integers(1, 300), min_size=count, max_size=count))
    start = draw(st.integers(0, 3 * 24 * 60))
    stages = draw(st.lists(st.sampled_from((*WORK, "Resolved")), min_size=count, max_size=count))
    stages[0] = "Investigating"
    times = [start + sum(gaps[: i + 1]) for i in range(count)]
    updates = list(zip(times, stages, strict=True))
    if stages[-1] == "Resolved" and draw(st.booleans()):
        updates.append((times[-1] + draw(st.integers(30, 3000)), "Postmortem"))
    return Spec(
        letter=letter,
        severity=draw(st.sampled_from(("SEV0", "SEV1", "SEV2"))),
        component=draw(st.sampled_from(("api", "web"))),
        updates=tuple(updates),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[tuple[Spec, ...], datetime]:
    letters = "abcd"[: draw(st.integers(1, 4))]
    specs = tuple(draw(incident_specs(letter)) for letter in letters)
    moments = sorted({BASE + timedelta(minutes=m) for s in specs for m, _ in s.updates})
    if draw(st.booleans()):  # exactly at an update, just before it, or anywhere
        at = draw(st.sampled_from(moments))
        now = at - timedelta(seconds=draw(st.sampled_from((0, 1))))
    else:
        now = BASE + timedelta(seconds=draw(st.integers(0, 6 * 24 * 3600)))
    return specs, now


def _active_section(index: str) -> str:
    match = re.search(r'<h2 id="active-h">.*?</section>', index, re.S)
    return match.group(0) if match else ""


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_output_agrees_on_what_is_open(scenario):
    specs, now = scenario
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_files(root, {"site_src/site.toml": MINIMAL_TOML})
        write_files(root, {f"updates/{s.slug}.md": s.text() for s in specs})
        config = load_config(root)
        files = {
            o.path: o.data.decode("utf-8", "replace")
            for o in render_all(prepare(config, now))
            if o.area is Area.PUBLIC
        }
        report = run_check(config, now)
    active = _active_section(files["index.html"])
    unresolved = {
        i["name"] for i in json.loads(files["api/v2/incidents/unresolved.json"])["incidents"]
    }
    summary = {i["name"] for i in json.loads(files["api/v2/summary.json"])["incidents"]}
    statuses = {
        i["name"]: i["status"] for i in json.loads(files["api/v2/incidents.json"])["incidents"]
    }
    feed = {i["title"]: i["summary"] for i in json.loads(files["feed.json"])["items"]}
    cadence = {o.incident.slug for o in report.obligations if o.key.endswith("update-cadence/next")}
    for spec in specs:
        expected = spec.is_open(now)
        page = files.get(f"incidents/{spec.slug}/index.html")
        where = f"{spec} at {now:%Y-%m-%d %H:%M:%S}"
        if expected is None:  # not published yet: nowhere
            assert page is None and spec.title not in active, where
            assert spec.title not in statuses and spec.title not in feed, where
            assert spec.slug not in cadence, where
            continue
        assert page is not None, where
        assert (spec.title in active) is expected, where
        assert ("<dt>Status</dt><dd>Ongoing" in page) is expected, where
        assert ("<dt>Resolved</dt>" in page) is not expected, where
        assert (spec.title in unresolved) is expected, where
        assert (spec.title in summary) is expected, where
        assert (statuses[spec.title] not in ("resolved", "postmortem")) is expected, where
        closing = feed[spec.title].startswith(("Resolved:", "Postmortem:"))
        assert closing is not expected, where
        assert (spec.slug in cadence) is expected, where
