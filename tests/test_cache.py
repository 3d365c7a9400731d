"""The build cache never changes what a build produces."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from clarion.build import build
from clarion.config import load_config
from clarion.errors import ContentErrors
from clarion.output.compressed import compress, decompress
from tests.conftest import NOW, copy_example
from tests.test_site_build import SITES, tree


def copy_basic(tmp_path: Path) -> Path:
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    return root


def test_warm_build_equals_cold_build(tmp_path):
    root = copy_basic(tmp_path)
    cold = build(load_config(root), now=NOW, use_cache=False)
    cold_tree = tree(cold.public_dir)
    first = build(load_config(root), now=NOW)
    second = build(load_config(root), now=NOW)
    assert tree(second.public_dir) == cold_tree
    # the --no-cache build's generation carries its own manifest: nothing to write
    assert first.report.changed is False
    assert second.report.changed is False  # nothing changed: nothing written


def test_unchanged_build_does_not_touch_files(tmp_path):
    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    page = root / "public/incidents/2026-11-20-api-errors/index.html"
    inode, mtime = page.stat().st_ino, page.stat().st_mtime_ns
    build(load_config(root), now=NOW)
    assert (page.stat().st_ino, page.stat().st_mtime_ns) == (inode, mtime)


def test_changed_source_is_rebuilt_and_others_reused(tmp_path):
    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    other = root / "public/incidents/2026-11-20-api-errors/index.html"
    other_inode = other.stat().st_ino
    source = root / "updates/2026-11-27-web-slow.md"
    source.write_text(
        source.read_text() + "\n## 2026-11-27 11:00 UTC · Identified\nA bad cache node.\n"
    )
    build(load_config(root), now=NOW)
    assert (
        "A bad cache node."
        in (root / "public/incidents/2026-11-27-web-slow/index.html").read_text()
    )
    assert other.stat().st_ino == other_inode  # hard-linked from the previous build
    cold = build(load_config(root), now=NOW, public_dir=tmp_path / "cold", use_cache=False)
    assert tree(root / "public") == tree(cold.public_dir)


def test_template_change_invalidates_cached_pages(tmp_path):
    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    (root / "templates").mkdir()
    (root / "templates/incident.html.j2").write_text(
        '{% extends "default/incident.html.j2" %}{% block '
        "main %}<p>override {{ item.title }}</p>{% endblock %}"
    )
    build(load_config(root), now=NOW)
    assert (
        "<p>override Elevated error rates on the API</p>"
        in (root / "public/incidents/2026-11-20-api-errors/index.html").read_text()
    )


def test_open_incident_page_shows_an_update_written_ahead_at_its_time(tmp_path):
    root = copy_basic(tmp_path)
    source = root / "updates/2026-11-27-web-slow.md"
    source.write_text(
        source.read_text() + "\n## 2026-11-27 13:00 UTC · Identified\nA slow query.\n"
    )
    page = root / "public/incidents/2026-11-27-web-slow/index.html"
    build(load_config(root), now=NOW)
    before = page.read_bytes()
    assert b"A slow query." not in before

    build(load_config(root), now=NOW + timedelta(minutes=50))
    assert page.read_bytes() == before  # nothing changed: no running duration either
    build(load_config(root), now=NOW + timedelta(hours=2))
    assert b"A slow query." in page.read_bytes()


def test_deleted_output_file_is_restored(tmp_path):
    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    (root / "public/history/index.html").unlink()
    report = build(load_config(root), now=NOW).report
    assert report.changed and (root / "public/history/index.html").exists()


def test_corrupt_cache_is_ignored(tmp_path):
    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    for path in (root / ".clarion-cache").iterdir():
        path.write_bytes(b"garbage")
    result = build(load_config(root), now=NOW)
    assert len(result.site.incidents) == 3


class _Payload:
    """Unpickling this writes a marker file: proof that a cache ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.marker, "code ran"))


def test_a_crafted_cache_never_runs_code(tmp_path, capsys):
    import pickle

    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    marker = tmp_path / "marker"
    crafted = pickle.dumps((_salt(root), _Payload(marker)))
    for name in ("parsed.pickle", "parsed.json", "parsed.json.gz", "parsed.json.zst"):
        (root / ".clarion-cache" / name).write_bytes(crafted)
    # a later now: a build whose inputs are all unchanged reads no parsed source
    result = build(load_config(root), now=NOW + timedelta(minutes=1))
    assert not marker.exists()
    assert len(result.site.incidents) == 3
    err = capsys.readouterr().err
    assert err.count("note: ignoring the build cache parsed.json.zst") == 1
    assert len(err.strip().splitlines()) == 1


def _salt(root: Path) -> str:
    from clarion import __version__

    return f"{__version__}:{load_config(root).digest}"


def test_a_damaged_cache_entry_is_ignored_with_a_note(tmp_path, capsys):
    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    path = root / ".clarion-cache" / "parsed.json.zst"
    head, *entries = decompress(path.read_bytes()).decode().splitlines()
    entries[0] = entries[0].replace('"incident"', '"incidnet"', 1)
    path.write_bytes(compress(("\n".join([head, *entries]) + "\n").encode()))
    result = build(load_config(root), now=NOW + timedelta(minutes=1))
    assert len(result.site.incidents) == 3
    note = "ignoring the build cache parsed.json.zst (unreadable or damaged)"
    assert note in capsys.readouterr().err


def test_cached_incidents_equal_parsed_ones(tmp_path):
    """The example site (breaches, decisions, windows, zones) survives the
    cache's JSON unchanged."""
    from clarion.core.plaindata import to_plain
    from clarion.load import load_site
    from clarion.output.cache import BuildCache

    root = tmp_path / "example"
    copy_example(root)
    config = load_config(root)
    fresh = load_site(config)
    cache = BuildCache.open(config)
    load_site(config, cache=cache)
    cache.save({}, {})
    reopened = BuildCache.open(config)
    assert len(reopened.parsed) == len(fresh.incidents)
    cached = load_site(config, cache=reopened)
    assert [to_plain(i) for i in cached.incidents] == [to_plain(i) for i in fresh.incidents]
    assert cached.warnings == fresh.warnings


def test_an_edit_appends_to_the_parsed_file_and_a_removal_rewrites_it(tmp_path):
    """The parsed sources grow by one compressed frame per build that parsed a file
    again (a later entry wins when read); removing a source writes the file
    afresh. Either way the next build equals a clean one."""
    import json

    from clarion.core.plaindata import to_plain
    from clarion.output.cache import BuildCache

    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    parsed = root / ".clarion-cache/parsed.json.zst"
    first = parsed.read_bytes()
    source = root / "updates/2026-11-20-api-errors.md"
    source.write_text(source.read_text().replace("Some requests", "Many requests"))
    build(load_config(root), now=NOW)
    grown = parsed.read_bytes()
    assert grown.startswith(first) and len(grown) > len(first)
    lines = decompress(grown).decode().splitlines()
    assert len(lines) == 1 + 3 + 1  # head, three files, the edited one again
    reopened = BuildCache.open(load_config(root))
    edited = reopened.parsed["updates/2026-11-20-api-errors.md"][1]
    assert "Many requests" in json.dumps(to_plain(edited))
    next(p for p in (root / "updates").glob("*.md") if p != source).unlink()
    build(load_config(root), now=NOW)
    rewritten = decompress(parsed.read_bytes()).decode().splitlines()
    assert len(rewritten) == 1 + 2
    # the entries not parsed again are copied from the file as it was (the
    # edited one's later line), only their texts' places new
    last = {json.loads(line.split("\t")[0])[0]: line.rsplit("\t", 2)[0] for line in lines[1:]}
    for line in rewritten[1:]:
        assert line.rsplit("\t", 2)[0] == last[json.loads(line.split("\t")[0])[0]]
    clean = build(load_config(root), now=NOW, use_cache=False)
    assert len(clean.site.incidents) == 2


def test_reading_the_parsed_file_keeps_no_copy_of_its_lines(tmp_path):
    """A build holds the incidents read from the parsed file, not their lines
    as well (48 MB at 50,000 incidents): a file written afresh copies the
    lines of the entries not parsed again from the file itself."""
    import gc

    from clarion.output.cache import BuildCache

    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    cache = BuildCache.open(load_config(root))
    assert len(cache.parsed) == 3
    held, seen, todo = [], set(), [cache]
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, type):
            continue
        seen.add(id(item))
        if isinstance(item, bytes):
            held.append(item)
        else:
            todo.extend(gc.get_referents(item))
    assert held and not [b for b in held if b.startswith(b'["updates/')]
    # the entry's path and digest are the incident's own, held once
    for relpath, (digest, incident, _) in cache.parsed.items():
        assert incident.source_path is relpath and incident.digest is digest


def test_a_damaged_markdown_line_loses_only_its_own_conversion(tmp_path):
    """The kept Markdown conversions are decoded one by one as a build looks
    them up: a damaged line is one text converted again, not the whole file
    thrown away, and a later line for the same text wins."""
    from clarion.output.cache import BuildCache

    root = copy_basic(tmp_path)
    cache = BuildCache.open(load_config(root))
    one, two, three = "a" * 32, "b" * 32, "c" * 32
    cache.save_markdown("s", {one: "<p>old</p>", two: '<p>"two" é\\n</p>'}, append=False)
    cache.save_markdown("s", {one: "<p>new</p>"}, append=True)
    path = root / ".clarion-cache/markdown.json.zst"
    damaged = f'\n["{three}", "<p>cut off'.encode()
    path.write_bytes(path.read_bytes() + compress(damaged))
    stored = cache.markdown_html("s")
    assert stored.get(one) == "<p>new</p>"
    assert stored.get(two) == '<p>"two" é\\n</p>'
    assert stored.get(three) is None and three not in stored
    assert sorted(stored) == [one, two]
    assert cache.markdown_html("other settings") == {}


def test_the_shipped_rulebook_is_read_from_the_cache_as_it_was_parsed(tmp_path, monkeypatch):
    from clarion.rules import book

    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW, use_cache=False)
    kept = root / ".clarion-cache" / "rulebook.json"
    assert not kept.exists()  # --no-cache keeps nothing
    build(load_config(root), now=NOW)
    assert kept.exists()
    from_yaml = book.shipped_rules()
    book.shipped_rules.cache_clear()

    def no_yaml(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the rulebook's YAML was parsed again")

    with monkeypatch.context() as patch:
        patch.setattr(book.yaml, "load", no_yaml)
        assert book.shipped_rules(kept.parent) == from_yaml
    book.shipped_rules.cache_clear()
    kept.write_text('{"yaml": "another", "data": []}', encoding="utf-8")  # an older rulebook's
    assert book.shipped_rules(kept.parent) == from_yaml
    book.shipped_rules.cache_clear()
    kept.write_bytes(b"\x00damaged")
    assert book.shipped_rules(kept.parent) == from_yaml
    assert book.json.loads(kept.read_bytes())["data"]  # written again
    book.shipped_rules.cache_clear()


def test_a_large_parsed_file_is_written_while_the_pages_render(tmp_path, monkeypatch):
    """A cold build of a large site writes the whole parsed file in a forked
    process as soon as the site is loaded; it reads back as the sources parse."""
    from clarion.core import parallel
    from clarion.core.plaindata import to_plain
    from clarion.load import load_site
    from clarion.output import cache as cache_module
    from clarion.output.cache import BuildCache

    root = copy_basic(tmp_path)
    for n in range(parallel.MIN_ITEMS + 20):
        (root / f"updates/2026-10-{n % 28 + 1:02d}-extra-{n}.md").write_text(
            "---\ntitle: Extra\nseverity: SEV3\ncomponents: {api: degraded_performance}\n---\n"
            f"## 2026-10-{n % 28 + 1:02d} 10:00 UTC · Resolved\nDone **{n}**.\n"
        )
    started = []
    made = cache_module.Background

    def spy(func, **kw):
        started.append(func)
        return made(func, **kw)

    monkeypatch.setattr(cache_module, "Background", spy)
    build(load_config(root), now=NOW, workers=2)
    assert len(started) == 1  # the parsed file, written ahead
    reopened = BuildCache.open(load_config(root))
    fresh = load_site(load_config(root))
    assert len(reopened.parsed) == len(fresh.incidents)
    cached = load_site(load_config(root), cache=reopened)
    assert [to_plain(i) for i in cached.incidents] == [to_plain(i) for i in fresh.incidents]
    # an edit appends to it, in the build's own process
    source = root / "updates/2026-10-01-extra-0.md"
    source.write_text(source.read_text().replace("Done", "Finished"))
    result = build(load_config(root), now=NOW, workers=2)
    assert len(started) == 1
    assert any("Finished" in u.body for i in result.site.incidents for u in i.updates)
    clean = build(
        load_config(root),
        now=NOW,
        use_cache=False,
        public_dir=tmp_path / "p",
        private_dir=tmp_path / "q",
    )
    assert tree(root / "public") == tree(tmp_path / "p")
    assert clean.report.files == result.report.files


def _counting_reads(monkeypatch) -> list[str]:
    from clarion.load import updates

    read: list[str] = []
    real = updates.read_incident

    def counting(path, *args, **kw):
        read.append(path.name)
        return real(path, *args, **kw)

    monkeypatch.setattr(updates, "read_incident", counting)
    return read


def test_a_site_toml_edit_parses_files_again_only_when_reading_them_changes(tmp_path, monkeypatch):
    """Reading an update file takes the time zone and the component ids from
    site.toml: a new title parses nothing again; a component removed, or
    another zone, parses every file again (and the output follows)."""
    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    read = _counting_reads(monkeypatch)
    toml = root / "site_src/site.toml"
    toml.write_text(toml.read_text().replace('title = "Basic Status"', 'title = "Basic"'))
    result = build(load_config(root), now=NOW)
    assert read == [] and result.report.changed

    # a naive time is read in the site's zone: another zone moves it
    source = root / "updates/2026-11-20-api-errors.md"
    text = source.read_text()
    source.write_text(text.replace("declared: 2026-11-20T14:02:00Z", "declared: 2026-11-20 13:02"))
    build(load_config(root), now=NOW)
    read.clear()
    toml.write_text(toml.read_text().replace("Europe/Berlin", "UTC"))
    result = build(load_config(root), now=NOW)
    assert len(read) == 3
    declared = {i.slug: i.declared_at for i in result.site.incidents}["2026-11-20-api-errors"]
    assert declared.isoformat() == "2026-11-20T13:02:00+00:00"

    read.clear()
    toml.write_text(toml.read_text().replace('[components.web]\nname = "Website"\n', ""))
    with pytest.raises(ContentErrors) as caught:
        build(load_config(root), now=NOW)
    assert len(read) == 3
    assert any("unknown component 'web'" in str(e.format()) for e in caught.value.errors)


def test_reading_the_parsed_file_never_holds_it_whole(tmp_path):
    """The parsed file is read line by line as it is decompressed: reading it
    holds the incidents it gives and a few lines besides, never the whole
    file (50 MB at 50,000 incidents) nor all its lines at once."""
    import hashlib
    import tracemalloc

    from clarion.output.cache import BuildCache
    from clarion.output.parsed import read_parsed, write_parsed
    from clarion.output.parsed_texts import new_texts_name

    root = copy_basic(tmp_path)
    build(load_config(root), now=NOW)
    cache = BuildCache.open(load_config(root))
    relpath, entry = next(iter(cache.parsed.items()))
    digest, incident, warnings = entry
    many = {  # (each with a digest of its own: the file compresses as a real one does)
        f"{relpath[:-3]}-{n:04d}.md": (hashlib.sha256(b"%d" % n).hexdigest(), incident, warnings)
        for n in range(3000)
    }
    path = root / ".clarion-cache/parsed.json.zst"
    assert write_parsed(path, cache.salt, many, set(), new_texts_name())
    size = len(decompress(path.read_bytes()))
    assert size > 2_000_000
    tracemalloc.start()
    try:
        read, lines, _ = read_parsed(path, cache.salt, set())
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(read) == 3000 and lines == 3001
    assert peak - held < size / 4
