"""Files edited by hand in the output folders, and the pages a build carries
over from the previous one as they are.

The output folders are Clarion's: a file edited there by hand (its size no
longer what the manifest says) is written again by the next build, and the
generation that held it never brings it back as the next build's spare.
Each build here is compared with a ``--no-cache`` build of the same sources.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from clarion.build import build
from clarion.config import load_config
from clarion.output.generations import store_for
from clarion.output.write import OutputPathError, write_outputs
from clarion.render import Area, Carried, Output
from tests.conftest import NOW, build_clean, build_leftovers
from tests.test_site_build import SITES, tree

PAGE = "incidents/2026-11-20-api-errors/index.html"
OTHER = "updates/2026-11-27-web-slow.md"


def _append_in_place(page: Path) -> None:
    with page.open("ab") as handle:  # the same file: every hard link to it sees this
        handle.write(b"<!-- edited by hand -->")


def _replace_by_rename(page: Path) -> None:
    edited = page.with_name("index.html.tmp")  # how editors save: a new file renamed over
    edited.write_bytes(page.read_bytes() + b"<!-- edited by hand -->")
    os.replace(edited, page)


HAND_EDITS: dict[str, Callable[[Path], None]] = {
    "appended in place": _append_in_place,
    "replaced by rename": _replace_by_rename,
    "removed": lambda page: page.unlink(),
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    build(load_config(root), now=NOW)
    _edit_other(root, 1)  # a spare generation exists from here on
    build(load_config(root), now=NOW)
    return root


def _edit_other(root: Path, number: int) -> None:
    source = root / OTHER
    source.write_text(source.read_text() + f"\nEdit number {number}.\n")


def _assert_as_clean(root: Path, tmp_path: Path, what: str) -> None:
    clean = tmp_path / f"clean-{what}"
    build_clean(root, clean)
    for area in ("public", "private"):
        assert tree(root / area) == tree(clean / area), f"{what}: {area} differs"


@pytest.mark.parametrize("hand_edit", HAND_EDITS.values(), ids=list(HAND_EDITS))
@pytest.mark.parametrize("inputs_changed", [False, True], ids=["same inputs", "an edit"])
def test_a_page_edited_by_hand_is_written_again(
    site: Path, tmp_path: Path, hand_edit: Callable[[Path], None], inputs_changed: bool
) -> None:
    hand_edit(site / "public" / PAGE)
    if inputs_changed:
        _edit_other(site, 2)
    report = build(load_config(site), now=NOW).report
    assert report.changed
    assert ("public", PAGE, "changed") in report.changes
    _assert_as_clean(site, tmp_path, "after")


@pytest.mark.parametrize("hand_edit", HAND_EDITS.values(), ids=list(HAND_EDITS))
def test_a_generation_with_a_page_edited_by_hand_never_brings_it_back_as_the_spare(
    site: Path, tmp_path: Path, hand_edit: Callable[[Path], None]
) -> None:
    # the build after the edit writes the page again in the other generation;
    # the generation that held the edited page is the spare of the build after
    # that, which must not take the page from it as it is
    hand_edit(site / "public" / PAGE)
    for number in range(2, 6):
        _edit_other(site, number)
        build(load_config(site), now=NOW)
        _assert_as_clean(site, tmp_path, f"edit {number}")
    assert len(list(store_for(site / "public").glob("g-*"))) == 2
    assert build_leftovers(site) == []


@pytest.mark.parametrize("entry", [["abc", "12"], [1, 2], ["abc"], "abc", None])
def test_a_generation_manifest_entry_of_other_types_is_not_trusted(
    site: Path, tmp_path: Path, entry: object
) -> None:
    import json

    store = store_for(site / "public")
    for generation in store.glob("g-*"):  # the current one and the spare
        manifest = json.loads((generation / "MANIFEST.json").read_text())
        manifest["public"][PAGE] = entry
        (generation / "MANIFEST.json").write_text(json.dumps(manifest))
    for number in range(2, 4):
        _edit_other(site, number)
        build(load_config(site), now=NOW)
        _assert_as_clean(site, tmp_path, f"edit {number}")
    assert build_leftovers(site) == []


def test_pages_carried_from_other_folders_are_copied(site: Path, tmp_path: Path) -> None:
    # the cache describes public/; a build into other folders reads the
    # carried pages from there
    _edit_other(site, 2)
    result = build(
        load_config(site),
        now=NOW,
        public_dir=tmp_path / "elsewhere" / "public",
        private_dir=tmp_path / "elsewhere" / "private",
    )
    clean = tmp_path / "clean"
    build_clean(site, clean)
    assert tree(result.public_dir) == tree(clean / "public")
    assert tree(result.private_dir) == tree(clean / "private")


def _carried(folder: Path, *paths: str) -> Output:
    from clarion.output.cache import ManifestEntry

    files = {path: ManifestEntry("0" * 64, 1, "key") for path in paths}
    return Output(Area.PUBLIC, "", b"", carried=Carried(str(folder), files))


@pytest.mark.parametrize("path", ["../evil.html", "/etc/passwd", "a/../../b", "a\\..\\b", ""])
def test_carried_pages_cannot_escape_their_folder(tmp_path: Path, path: str) -> None:
    with pytest.raises(OutputPathError):
        write_outputs([_carried(tmp_path, "a.html", path)], {Area.PUBLIC: tmp_path / "out"})
    assert not (tmp_path / "out").exists()


def test_a_carried_page_is_not_written_twice(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/b.html").write_bytes(b"x")
    (tmp_path / "c.html").write_bytes(b"x")
    twice = [
        [Output(Area.PUBLIC, "a/b.html", b"x"), _carried(tmp_path, "a/b.html")],
        [_carried(tmp_path, "a/b.html"), Output(Area.PUBLIC, "a/b.html", b"x")],
        [_carried(tmp_path, "c.html", "a/b.html"), _carried(tmp_path, "a/b.html")],
    ]
    for outputs in twice:
        with pytest.raises(OutputPathError, match="a/b.html"):
            write_outputs(outputs, {Area.PUBLIC: tmp_path / "out"})
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "path",
    [
        "a.html",
        "incidents/x/index.html",
        "...",
        "a/.../b",
        ".hidden/a",
        "a/..b",
        "",
        ".",
        "..",
        "./a",
        "a/.",
        "a/..",
        "../a",
        "a/../b",
        "/a",
        "a/",
        "a//b",
        "a\\b",
        "a/./b",
    ],
)
def test_the_check_of_many_paths_at_once_agrees_with_the_check_of_one(path: str) -> None:
    from clarion.output.write import _all_clean, _clean

    for paths in ([path], ["a.html", path], [path, "b/c.html"], ["x", path, "y/z"]):
        assert _all_clean(paths) == all(_clean(p) for p in paths), paths


def test_an_output_in_pieces_is_written_joined(tmp_path: Path) -> None:
    """An output given as pieces (runs of a mapped file and bytes) is written
    as their concatenation, and the manifest holds the digest and size of
    the joined bytes, new and over a file of the last generation."""
    import hashlib
    import mmap

    source = tmp_path / "last.json"
    source.write_bytes(b'[{"a": 1}, {"b": 2}]')
    with open(source, "rb") as handle:
        mapped = memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
        for body in (b'{"c": 3}', b'{"d": 4}'):
            pieces = (mapped[:10], b" ", body, mapped[-1:])
            joined = b'[{"a": 1}, ' + body + b"]"
            output = Output(Area.PRIVATE, "deadlines.json", b"", pieces=pieces)
            assert output.whole() == joined and output.size == len(joined)
            report = write_outputs([output], {Area.PRIVATE: tmp_path / "private"})
            assert (tmp_path / "private/deadlines.json").read_bytes() == joined
            entry = report.manifest["private"]["deadlines.json"]
            assert (entry.sha, entry.size) == (hashlib.sha256(joined).hexdigest(), len(joined))
        del pieces, output, mapped
