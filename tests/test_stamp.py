"""The stamp of a build's inputs, found in a forked process while the build
reads its parsed sources (clarion.output.stamp.stamp_and_compare)."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from clarion.build import THEME_DIR, build
from clarion.config import load_config
from clarion.output.cache import BuildCache
from clarion.output.file_digests import FileDigests
from clarion.output.parsed import ReadingStopped, read_parsed
from clarion.output.stamp import stamp_and_compare
from tests.conftest import NOW
from tests.test_site_build import SITES

pytestmark = pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="forks with memfd")


@pytest.fixture(autouse=True)
def _every_site_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stamp is forked for sites of ``MIN_ITEMS`` pages; these have three."""
    monkeypatch.setattr("clarion.output.stamp.MIN_ITEMS", 1)


def _built(tmp_path: Path) -> Path:
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    build(load_config(root), now=NOW)
    return root


def _stamp(root: Path, *, fork: bool, now: str = NOW.isoformat()) -> tuple[str, bool, BuildCache]:
    config = load_config(root)
    cache = BuildCache.open(config)
    recovered: list[bool] = []
    stamp, unchanged = stamp_and_compare(
        config,
        now,
        theme_dir=THEME_DIR,
        cache=cache,
        targets=cache.targets,
        when_unchanged=lambda: recovered.append(True),
        fork=fork,
    )
    assert recovered == ([True] if unchanged and not fork else [])  # (a forked one's is its own)
    return stamp(), unchanged, cache


def test_the_forked_stamp_is_the_stamp_with_the_same_digests(tmp_path: Path) -> None:
    root = _built(tmp_path)
    here, unchanged_here, cache_here = _stamp(root, fork=False)
    there, unchanged_there, cache_there = _stamp(root, fork=True)
    assert unchanged_here and unchanged_there and here == there == cache_here.stamp
    assert cache_there._parsed is None  # nothing changed: the reading stopped, its entries let go

    edited = next((root / "updates").glob("*.md"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    here, unchanged_here, cache_here = _stamp(root, fork=False)
    there, unchanged_there, cache_there = _stamp(root, fork=True)
    assert not unchanged_here and not unchanged_there and here == there != cache_here.stamp
    assert cache_there.source_digests == cache_here.source_digests
    assert str(edited) in cache_there.source_digests
    assert cache_there._parsed is not None  # read while the stamp was made, for the build
    assert cache_there.parsed.keys() == cache_here.parsed.keys()


def test_the_forked_stamp_keeps_the_digests_it_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("clarion.output.file_digests.RACY_NS", 0)
    root = _built(tmp_path)
    memory = root / ".clarion-cache" / "digests.json.zst"
    memory.unlink()
    _, unchanged, _ = _stamp(root, fork=True, now=(NOW + timedelta(minutes=1)).isoformat())
    assert not unchanged and memory.is_file()  # saved by the forked process
    remembered = FileDigests(root / ".clarion-cache")
    sources = sorted(str(p) for p in (root / "updates").glob("*.md"))
    assert [remembered.digest(p) for p in sources] and remembered.read == 0


def test_an_unchanged_build_says_nothing_of_a_damaged_parsed_file_it_stops_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _built(tmp_path)
    (root / ".clarion-cache" / "parsed.json.zst").write_bytes(b"damaged")
    capsys.readouterr()
    _, unchanged, cache = _stamp(root, fork=True)
    assert unchanged and "note:" not in capsys.readouterr().err
    _, unchanged, cache = _stamp(root, fork=True, now=(NOW + timedelta(minutes=1)).isoformat())
    assert not unchanged and "ignoring the build cache parsed.json.zst" in capsys.readouterr().err
    assert cache.parsed == {}


def test_reading_the_parsed_sources_stops_when_asked(tmp_path: Path) -> None:
    root = _built(tmp_path)
    cache = BuildCache.open(load_config(root))
    path = cache.folder / "parsed.json.zst"
    stop = threading.Event()
    whole, _, _ = read_parsed(path, cache.salt, set(), stop)
    assert len(whole) == 3
    stop.set()
    with pytest.raises(ReadingStopped) as stopped:
        read_parsed(path, cache.salt, set(), stop)
    assert stopped.value.read == {}  # looked at before the first line


def test_a_first_build_has_its_stamp_made_while_it_parses(tmp_path: Path) -> None:
    """No parsed sources to read and no output to compare with: the forked
    stamp is waited for only when it is asked for, and is the stamp."""
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    config = load_config(root)
    here = stamp_and_compare(
        config,
        NOW.isoformat(),
        theme_dir=THEME_DIR,
        cache=BuildCache.open(config),
        targets={},
        when_unchanged=lambda: None,
        fork=False,
    )
    cache = BuildCache.open(config)
    there = stamp_and_compare(
        config,
        NOW.isoformat(),
        theme_dir=THEME_DIR,
        cache=cache,
        targets={},
        when_unchanged=lambda: None,
        fork=True,
    )
    assert cache.source_digests == {}  # (the forked process keeps them to itself)
    assert not here[1] and not there[1] and there[0]() == here[0]() == there[0]()
    build(config, now=NOW)
    assert BuildCache.open(config).stamp == here[0]()
    assert (root / ".clarion-cache" / "digests.json.zst").is_file()
