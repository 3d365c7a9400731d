"""The parsed sources' texts are kept in a file of their own and decoded on
first use (clarion.output.parsed_texts): a build reads few of them, and what
it reads is what the sources say."""

from __future__ import annotations

import copy
import pickle
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from clarion.build import BuildResult, build
from clarion.config import load_config
from clarion.core.plaindata import to_plain
from clarion.errors import ClarionError
from clarion.load import load_site
from clarion.output import parsed_texts
from clarion.output.cache import BuildCache
from clarion.output.compressed import compress, decompress
from tests.conftest import NOW, build_clean, copy_example
from tests.test_site_build import SITES, tree


def _reopened(root: Path) -> BuildCache:
    cache = BuildCache.open(load_config(root))
    assert cache.parsed, "the build kept its parsed sources"
    return cache


def _equals_clean_build(root: Path, tmp_path: Path, now: datetime, result: BuildResult) -> None:
    clean = build_clean(root, tmp_path / "clean", now)
    assert tree(root / "public") == tree(tmp_path / "clean/public")
    assert tree(root / "private") == tree(tmp_path / "clean/private")
    assert clean.report.files == result.report.files


def _texts_files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / ".clarion-cache").glob("parsed-texts.*.zst"))


def test_texts_read_from_the_cache_are_decoded_on_first_use_and_equal_the_sources(tmp_path):
    root = copy_example(tmp_path / "example")
    build(load_config(root), now=NOW)
    cache = _reopened(root)
    incidents = [incident for _, incident, _ in cache.parsed.values()]
    # nothing decoded yet: neither the summaries nor the bodies are there
    assert all("summary" not in incident.__dict__ for incident in incidents)
    assert all("body" not in u.__dict__ for incident in incidents for u in incident.updates)
    fresh = {i.source_path: i for i in load_site(load_config(root)).incidents}
    for incident in incidents:
        parsed = fresh[incident.source_path]
        assert incident.summary == parsed.summary
        assert [u.body for u in incident.updates] == [u.body for u in parsed.updates]
        assert to_plain(incident) == to_plain(parsed)


def test_a_deferred_text_survives_replace_pickle_and_copy(tmp_path):
    root = copy_example(tmp_path / "example")
    build(load_config(root), now=NOW)
    fresh = {i.source_path: i for i in load_site(load_config(root)).incidents}
    for _, incident, _ in _reopened(root).parsed.values():
        parsed = fresh[incident.source_path]
        for made in (
            replace(incident, title="Other"),
            pickle.loads(pickle.dumps(incident)),
            copy.copy(incident),
        ):
            assert made.summary == parsed.summary
            assert [u.body for u in made.updates] == [u.body for u in parsed.updates]
        # a pickle holds the texts, never the cache's bytes they came from
        blob = incident.__dict__["_texts"].blob
        assert len(pickle.dumps(incident)) < len(blob) // 2
    with pytest.raises(AttributeError):
        incident.no_such_field  # type: ignore[attr-defined]  # noqa: B018


def test_an_edit_appends_texts_and_a_removal_writes_a_new_texts_file(tmp_path):
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    build(load_config(root), now=NOW)
    [first] = _texts_files(root)
    before = (root / ".clarion-cache" / first).read_bytes()
    source = root / "updates/2026-11-20-api-errors.md"
    source.write_text(source.read_text().replace("Some requests", "Many requests"))
    build(load_config(root), now=NOW)
    assert _texts_files(root) == [first]
    grown = (root / ".clarion-cache" / first).read_bytes()
    assert grown.startswith(before) and len(grown) > len(before)
    edited = _reopened(root).parsed["updates/2026-11-20-api-errors.md"][1]
    assert edited.summary == "Many requests to the API failed."
    next(p for p in (root / "updates").glob("*.md") if p != source).unlink()
    result = build(load_config(root), now=NOW)
    [second] = _texts_files(root)
    assert second != first  # written afresh under a new name, the old one removed
    _equals_clean_build(root, tmp_path, NOW, result)


def test_a_missing_texts_file_makes_the_cache_ignored_with_a_note(tmp_path, capsys):
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    build(load_config(root), now=NOW)
    for name in _texts_files(root):
        (root / ".clarion-cache" / name).unlink()
    capsys.readouterr()
    result = build(load_config(root), now=NOW + timedelta(minutes=1))
    assert len(result.site.incidents) == 3
    assert "ignoring the build cache parsed.json.zst (its texts file is missing)" in (
        capsys.readouterr().err
    )


def _swap_places(root: Path) -> None:
    """Point the parsed file's first two lines at each other's texts (what two
    builds appending at once could leave)."""
    path = root / ".clarion-cache" / "parsed.json.zst"
    head, *lines = decompress(path.read_bytes()).splitlines()
    first, second = (line.rsplit(b"\t", 2) for line in lines[:2])
    lines[0] = b"\t".join([first[0], *second[1:]])
    lines[1] = b"\t".join([second[0], *first[1:]])
    path.write_bytes(compress(b"\n".join([head, *lines]) + b"\n"))


def assert_build_stops_on_the_cache(root: Path) -> None:
    """``clarion build`` stops with a clear error (exit 2, no traceback)
    on a parsed file that does not match its texts or updates."""
    run = subprocess.run(
        [sys.executable, "-m", "clarion", "build", "--source", str(root), "--now", NOW.isoformat()],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2, run.stderr
    assert "does not match its texts" in run.stderr and "Traceback" not in run.stderr


def test_texts_that_are_not_their_incidents_stop_the_build_and_drop_the_cache(tmp_path):
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    build(load_config(root), now=NOW)
    _swap_places(root)
    incidents = [incident for _, incident, _ in _reopened(root).parsed.values()]
    with pytest.raises(ClarionError, match="does not match its texts"):
        [incident.summary for incident in incidents]
    assert not (root / ".clarion-cache" / "parsed.json.zst").exists()
    # as a command: a clear error and exit 2, then the next build parses again
    build(load_config(root), now=NOW + timedelta(minutes=1))
    _swap_places(root)
    page = root / "public/incidents/2026-11-20-api-errors/index.html"
    page.unlink()  # a page to render again: its texts are read
    assert_build_stops_on_the_cache(root)
    assert not page.exists() or page.stat().st_size  # the previous output left whole
    result = build(load_config(root), now=NOW)
    _equals_clean_build(root, tmp_path, NOW, result)


def test_an_edit_decodes_the_texts_of_few_incidents(tmp_path, monkeypatch):
    """An old incident edited on a site of 600: the build reads the texts of
    the pages and files it renders again, not every incident's."""
    import importlib.util

    bench = Path(__file__).parents[1] / "bench/generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate", bench)
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    root = tmp_path / "site"
    generate.generate(600, root, markdown=True)
    at = datetime.fromisoformat("2026-11-27T12:00:00+00:00")
    build(load_config(root), now=at, workers=1)
    decoded: list[str] = []
    real = parsed_texts.IncidentTexts._decoded

    def counting(self: parsed_texts.IncidentTexts) -> list[str]:
        decoded.append(self.digest)
        return real(self)

    monkeypatch.setattr(parsed_texts.IncidentTexts, "_decoded", counting)
    old = sorted((root / "updates").glob("*.md"))[200]
    old.write_text(old.read_text() + "\nEdited **here**.\n")
    assert build(load_config(root), now=at, workers=1).report.changed
    assert decoded == []  # its own page is rendered from the file just parsed
    # a new update on the newest incident: the feeds and the front page list
    # the latest updates of other incidents too, decoded from the cache
    newest = sorted((root / "updates").glob("*-synthetic-*.md"))[-1]
    newest.write_text(newest.read_text() + "\n## 2026-11-27 11:00 UTC · Resolved\nAll **good**.\n")
    result = build(load_config(root), now=at, workers=1)
    assert result.report.changed
    assert 0 < len(decoded) < 600 // 4
    _equals_clean_build(root, tmp_path, at, result)


def test_the_model_classes_keep_the_interpreters_own_attribute_lookup() -> None:
    # a deferred text is found by a descriptor of its own field: a
    # ``__getattr__`` on the class would keep the interpreter from
    # specialising every read of an incident's or update's fields (twice
    # their cost, over the derive pass and every page of a build)
    from clarion.model import Incident, Update

    for kind in (Incident, Update):
        assert not hasattr(kind, "__getattr__")
        assert kind.__getattribute__ is object.__getattribute__


def test_the_texts_file_is_mapped_not_read(tmp_path):
    """A build maps the texts file and reads the pages of the texts it
    decodes: the whole file (45 MB at 50,000 incidents) is not read into
    every process of an edit's build."""
    import mmap

    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    build(load_config(root), now=NOW)
    cache = _reopened(root)
    held = [entry[1].__dict__["_texts"] for entry in cache.parsed.values()]
    assert {type(texts.blob) for texts in held} == {mmap.mmap}
    fresh = {i.slug: i.summary for i in load_site(load_config(root)).incidents}
    assert {entry[1].slug: entry[1].summary for entry in cache.parsed.values()} == fresh


_OWN_DICTS = """
import gc, sys
from pathlib import Path
from clarion.config import load_config
from clarion.output.cache import BuildCache

def own(item):  # its values in a dictionary of its own, not in the instance
    return any(type(found) is dict and "_texts" in found for found in gc.get_referents(item))

found = []
for relpath, (_, incident, _) in BuildCache.open(load_config(Path(sys.argv[1]))).parsed.items():
    updates = incident.updates
    found += [relpath] if own(incident) or any(own(u) for u in updates) else []
    texts = [incident.summary, *(u.body for u in updates)]
    found += [relpath + " read"] if own(incident) or any(own(u) for u in updates) else []
print(found)
"""


def test_an_item_read_from_the_cache_keeps_its_values_in_the_instance(tmp_path):
    """Incidents and updates read from the cache, their texts left to be
    decoded, hold no dictionary of their own (a dictionary an update is 70
    MB at 50,000 incidents), before and after their texts are read: in a
    process that reads the cache as a build's does (the interpreter keeps an
    object's values in the instance as long as its class's instances set
    their attributes alike, which earlier tests in this process need not)."""
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    build(load_config(root), now=NOW)
    run = subprocess.run(
        [sys.executable, "-c", _OWN_DICTS, str(root)], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "[]", run.stdout + run.stderr
    fresh = {i.slug: i for i in load_site(load_config(root)).incidents}
    for _, incident, _ in _reopened(root).parsed.values():
        expected = fresh[incident.slug]
        assert [u.body for u in incident.updates] == [u.body for u in expected.updates]
        assert incident.summary == expected.summary
