"""An incident read from the build cache has its updates decoded on first
use, and the passes over every incident read its outline instead
(clarion.model.Outline, kept in the parsed file's line): an edit's build
decodes the updates of the incidents it shows again, not of every one."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from clarion.build import build
from clarion.config import load_config
from clarion.core.plaindata import to_plain
from clarion.errors import ClarionError
from clarion.load import load_site
from clarion.model import Kind, Stage, outline_of
from clarion.output import parsed_texts
from clarion.output.cache import BuildCache
from clarion.output.compressed import compress, decompress
from tests.conftest import NOW, build_clean, copy_example
from tests.test_parsed_texts import assert_build_stops_on_the_cache
from tests.test_site_build import tree


def _cached(root: Path) -> list:  # type: ignore[type-arg]
    cache = BuildCache.open(load_config(root))
    assert cache.parsed, "the build kept its parsed sources"
    return [incident for _, incident, _ in cache.parsed.values()]


def test_updates_read_from_the_cache_are_decoded_on_use_and_the_outline_is_kept(tmp_path):
    root = copy_example(tmp_path / "example")
    build(load_config(root), now=NOW)
    incidents = _cached(root)
    assert all("updates" not in incident.__dict__ for incident in incidents)
    fresh = {i.source_path: i for i in load_site(load_config(root)).incidents}
    for incident in incidents:
        parsed = fresh[incident.source_path]
        # read from the line, not worked out from the updates
        assert "outline" in incident.__dict__ and "updates" not in incident.__dict__
        assert incident.outline == outline_of(parsed.updates, parsed.kind)
        assert (incident.status, incident.resolved_at) == (parsed.status, parsed.resolved_at)
        assert incident.started_at == parsed.started_at
        assert "updates" not in incident.__dict__
        assert incident.postmortem == parsed.postmortem  # decodes them when there is one
        assert to_plain(incident) == to_plain(parsed)
        assert [u.body for u in incident.updates] == [u.body for u in parsed.updates]


def test_the_public_state_adds_nothing_to_the_incidents_it_reads(tmp_path):
    # what the passes over every incident read from the outline is read,
    # not kept on each incident: a value added to tens of thousands of
    # incidents' dictionaries grows each of them
    from clarion.derive import derive_state

    root = copy_example(tmp_path / "example")
    build(load_config(root), now=NOW)
    incidents = _cached(root)
    before = [set(incident.__dict__) for incident in incidents]
    state = derive_state(load_config(root), incidents, NOW)
    assert state.incidents and [i.status for i in incidents] and [i.started_at for i in incidents]
    # (fields decoded on first use, the updates of those in the uptime window)
    assert [set(incident.__dict__) - {"updates", "summary"} for incident in incidents] == before


def test_the_outline_of_reopened_and_maintenance_items(tmp_path):
    root = copy_example(tmp_path / "example")
    for incident in load_site(load_config(root)).incidents:
        outline = incident.outline
        stages = [u.stage.value for u in incident.updates]
        assert outline.count == len(stages)
        if incident.reopened:
            assert stages[: outline.reopening].count("resolved") >= 1
            assert incident.reopening is incident.updates[outline.reopening or 0]
        if incident.postmortem is not None:
            assert stages.index("postmortem") == outline.postmortem
    # with no update: scheduled maintenance, an incident under investigation
    for kind, stage in ((Kind.MAINTENANCE, Stage.SCHEDULED), (Kind.INCIDENT, Stage.INVESTIGATING)):
        empty = outline_of((), kind)
        assert (empty.status, empty.count, empty.latest_at, empty.resolved_at) == (
            stage,
            0,
            None,
            None,
        )


def _generate(root: Path, count: int) -> None:
    bench = Path(__file__).parents[1] / "bench/generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate", bench)
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate(count, root, markdown=True)


def test_an_edit_decodes_the_updates_of_few_incidents(tmp_path, monkeypatch):
    """A site of 600 incidents over three years: a new update decodes the
    updates of the incidents the uptime window, the feeds and the deadline
    report show again, not of every incident."""
    root = tmp_path / "site"
    _generate(root, 600)
    at = datetime.fromisoformat("2026-11-27T12:00:00+00:00")
    build(load_config(root), now=at, workers=1)
    decoded: list[str] = []
    real = parsed_texts.IncidentTexts.updates

    def counting(self: parsed_texts.IncidentTexts) -> tuple:  # type: ignore[type-arg]
        decoded.append(self.digest)
        return real(self)

    monkeypatch.setattr(parsed_texts.IncidentTexts, "updates", counting)
    newest = sorted((root / "updates").glob("*-synthetic-*.md"))[-1]
    newest.write_text(newest.read_text() + "\n## 2026-11-27 11:00 UTC · Resolved\nAll **good**.\n")
    result = build(load_config(root), now=at, workers=1)
    assert result.report.changed
    # the items the feeds, the API and the front page list (a fixed number,
    # most of a site this small) and those in the uptime window
    assert 0 < len(decoded) < 600 // 2
    clean = build_clean(root, tmp_path / "clean", at)
    assert tree(root / "public") == tree(tmp_path / "clean/public")
    assert tree(root / "private") == tree(tmp_path / "clean/private")
    assert clean.report.files == result.report.files


def _break_updates(root: Path) -> None:
    """Make the first line's updates not JSON (a damaged file)."""
    path = root / ".clarion-cache" / "parsed.json.zst"
    head, *lines = decompress(path.read_bytes()).splitlines()
    entry, _, rest = lines[0].partition(b"\t")
    lines[0] = entry + b"\t[[\t" + rest.partition(b"\t")[2]
    path.write_bytes(compress(b"\n".join([head, *lines]) + b"\n"))


def test_updates_that_do_not_read_stop_the_build_and_drop_the_cache(tmp_path):
    root = copy_example(tmp_path / "example")
    build(load_config(root), now=NOW)
    _break_updates(root)
    with pytest.raises(ClarionError, match="does not match its texts"):
        [incident.updates for incident in _cached(root)]
    assert not (root / ".clarion-cache" / "parsed.json.zst").exists()
    # as a command: a clear error and exit 2, then the next build parses again
    build(load_config(root), now=NOW + timedelta(minutes=1))
    _break_updates(root)
    for page in (root / "public/incidents").glob("*/index.html"):
        page.unlink()  # pages to render again: their updates are read
    assert_build_stops_on_the_cache(root)
    result = build(load_config(root), now=NOW)
    assert len(result.site.incidents) == len(load_site(load_config(root)).incidents)
