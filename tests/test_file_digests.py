"""Input digests remembered by stat (clarion.output.file_digests): a file is
read again whenever it may have changed, and only then."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from clarion.output.file_digests import DIGESTS_FILE, RACY_NS, FileDigests

LATER = 10 * RACY_NS  # a build that starts long after the files last changed


def _files(folder: Path, count: int = 3) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"f{number}.md"
        path.write_text(f"file {number}\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def _remember(cache: Path, paths: list[str], started_ns: int) -> FileDigests:
    digests = FileDigests(cache, started_ns=started_ns)
    for path in paths:
        digests.digest(path)
    digests.save()
    return digests


def _remembered(tmp_path: Path) -> tuple[Path, list[str]]:
    """Three source files and a cache folder whose memory trusts them all."""
    cache, paths = tmp_path / "cache", _files(tmp_path / "src")
    cache.mkdir()
    _remember(cache, paths, time.time_ns() + LATER)
    return cache, paths


def test_a_file_unchanged_since_long_before_the_build_is_not_read_again(tmp_path: Path) -> None:
    cache, paths = tmp_path / "cache", _files(tmp_path / "src")
    cache.mkdir()
    first = _remember(cache, paths, time.time_ns() + LATER)
    assert first.read == 3 and (cache / DIGESTS_FILE).is_file()
    again = FileDigests(cache, started_ns=time.time_ns() + 2 * LATER)
    for path in paths:
        assert again.digest(path) == hashlib.sha256(Path(path).read_bytes()).digest()
        assert again.hex(path) == first.hex(path)
    assert again.read == 0


def test_a_file_changed_since_is_read_even_with_its_size_and_time_restored(
    tmp_path: Path,
) -> None:
    cache, paths = _remembered(tmp_path)
    before = os.stat(paths[1])
    Path(paths[1]).write_text("FILE 1\n", encoding="utf-8")  # same size
    os.utime(paths[1], ns=(before.st_atime_ns, before.st_mtime_ns))
    again = FileDigests(cache, started_ns=time.time_ns() + 2 * LATER)
    assert again.digest(paths[1]) == hashlib.sha256(b"FILE 1\n").digest()
    assert again.read == 1  # its change time moved: read again
    assert [again.digest(p) for p in (paths[0], paths[2])] and again.read == 1


def test_a_file_that_changed_just_before_the_build_started_is_read_every_time(
    tmp_path: Path,
) -> None:
    # within one tick of a coarse clock a second change can keep size and times:
    # a digest is trusted only for a file older than the build that computed it
    cache, paths = _remembered(tmp_path)
    Path(paths[0]).write_text("FILE 0\n", encoding="utf-8")
    _remember(cache, paths, time.time_ns())  # started right after the change
    again = FileDigests(cache, started_ns=time.time_ns())
    assert again.digest(paths[0]) == hashlib.sha256(b"FILE 0\n").digest()
    assert again.read == 1
    assert [again.digest(p) for p in paths[1:]] and again.read == 1


def test_a_damaged_or_foreign_memory_means_every_file_is_read(tmp_path: Path) -> None:
    cache, paths = tmp_path / "cache", _files(tmp_path / "src")
    cache.mkdir()
    from clarion.output.compressed import compress

    whole = compress(b'{"format": "clarion-digests-1", "started_ns": 0, "files": {}}')
    for junk in (b"not zstd", b"\x1f\x8b\x08\x00garbage", whole[:-3], b""):
        (cache / DIGESTS_FILE).write_bytes(junk)
        digests = FileDigests(cache, started_ns=time.time_ns() + LATER)
        assert [digests.digest(p) for p in paths] and digests.read == 3


def test_a_build_remembers_its_inputs_and_sees_an_edit_that_kept_size_and_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clarion.build import build
    from clarion.config import load_config
    from clarion.output.cache import CACHE_DIRNAME
    from tests.conftest import NOW, copy_example
    from tests.test_site_build import tree

    # every file was written before the build started: all trusted by their stat
    monkeypatch.setattr("clarion.output.file_digests.RACY_NS", 0)
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    sources = sorted(str(p) for p in (root / "updates").glob("*.md"))
    remembered = FileDigests(root / CACHE_DIRNAME)
    assert [remembered.digest(p) for p in sources] and remembered.read == 0

    edited = root / "updates/2026-11-27-email-delivery-delays.md"
    before = os.stat(edited)
    text = edited.read_text(encoding="utf-8")
    assert "reaching some" in text
    edited.write_text(text.replace("reaching some", "reaching SOME", 1), encoding="utf-8")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(edited).st_size == before.st_size
    result = build(load_config(root), now=NOW)
    assert result.report.changed
    clean = {"public_dir": tmp_path / "clean", "private_dir": tmp_path / "clean-private"}
    build(load_config(root), now=NOW, use_cache=False, **clean)
    assert tree(root / "public") == tree(tmp_path / "clean")
    assert tree(root / "private") == tree(tmp_path / "clean-private")
    assert any(b"reaching SOME" in data for data in tree(root / "public").values())


def test_a_build_that_computed_no_digest_leaves_the_memory_as_it_was(tmp_path: Path) -> None:
    cache, paths = _remembered(tmp_path)
    FileDigests(cache, started_ns=time.time_ns() + 2 * LATER).save()  # read nothing
    again = FileDigests(cache, started_ns=time.time_ns() + 2 * LATER)
    assert [again.digest(p) for p in paths] and again.read == 0
