"""Output folders: never over sources, never through foreign links, never a
folder Clarion did not make; the swap of the public + private pair."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion.cli import main
from clarion.output.generations import store_for
from tests.conftest import build_leftovers
from tests.test_site_build import tree

SITES = Path(__file__).parent / "sites"


def run_build(root: Path, *extra: str):
    return CliRunner().invoke(
        main, ["build", "--source", str(root), "--now", "2026-11-27T12:00:00Z", *extra]
    )


def sources(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in ("updates", "site_src")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def basic(tmp_path: Path) -> Path:
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    return root


@pytest.mark.parametrize(
    "args",
    [
        ("--out", "{root}/updates"),
        ("--out", "{root}/site_src"),
        ("--out", "{root}/updates/public"),
        ("--out", "{root}"),
        ("--out", "{root}/.."),
        ("--private-out", "{root}/comms"),
        ("--private-out", "{root}/site_src/private"),
        ("--private-out", "{root}/templates"),
    ],
)
def test_an_output_folder_over_the_sources_is_refused(basic, args):
    before = sources(basic)
    option, value = args
    folder = value.format(root=basic)
    result = run_build(basic, option, folder)
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "error:" in message and "Traceback" not in message
    # both paths named: the output folder and the source it would replace
    assert str(Path(os.path.abspath(folder))) in message
    assert str(basic) in message
    assert sources(basic) == before


@pytest.mark.parametrize("key", ["public", "private"])
def test_paths_in_site_toml_over_the_sources_are_refused(basic, key):
    toml = basic / "site_src/site.toml"
    toml.write_text(toml.read_text() + f'\n[paths]\n{key} = "updates"\n')
    before = sources(basic)
    result = run_build(basic)
    assert result.exit_code == 2, result.output
    assert f"site_src/site.toml:{len(toml.read_text().splitlines())}: error: the {key}" in (
        result.output
    )
    assert "overlaps updates/" in " ".join(result.output.split())
    assert sources(basic) == before


def test_a_folder_clarion_did_not_make_is_not_replaced(basic, tmp_path):
    other = tmp_path / "some-existing-folder"
    other.mkdir()
    (other / "thesis.tex").write_text("years of work")
    result = run_build(basic, "--out", str(other))
    assert result.exit_code == 2
    assert "not empty and was not made by Clarion" in " ".join(result.output.split())
    assert (other / "thesis.tex").read_text() == "years of work"
    # an empty folder, or one Clarion made, is fine
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_build(basic, "--out", str(empty)).exit_code == 0
    assert (empty / "index.html").is_file() and empty.is_symlink()
    assert run_build(basic, "--out", str(empty), "--no-cache").exit_code == 0
    assert (store_for(empty) / "OWNER").is_file()


def test_output_of_an_older_clarion_is_adopted(basic):
    """An older Clarion wrote real folders and no marker: the build cache names them."""
    assert run_build(basic).exit_code == 0
    for name in ("public", "private"):
        real = Path(os.path.realpath(basic / name))
        (basic / name).unlink()
        shutil.copytree(real, basic / name)
    shutil.rmtree(store_for(basic / "public"))
    # a file the older Clarion did not write there: not its folder any more
    (basic / "public/thesis.tex").write_text("years of work")
    refused = run_build(basic, "--no-cache")
    assert refused.exit_code == 2 and "not made by Clarion" in " ".join(refused.output.split())
    (basic / "public/thesis.tex").unlink()
    assert run_build(basic, "--no-cache").exit_code == 0
    assert (basic / "public").is_symlink() and (basic / "public/index.html").is_file()
    assert build_leftovers(basic) == []


def test_an_output_folder_that_is_a_foreign_link_is_refused(basic, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "precious.txt").write_text("keep me")
    (basic / "public").symlink_to(target)
    result = run_build(basic)
    assert result.exit_code == 2
    assert "symbolic link" in result.output
    assert sorted(p.name for p in target.iterdir()) == ["precious.txt"]


def test_the_pair_moves_with_one_pointer(basic):
    assert run_build(basic).exit_code == 0
    store = store_for(basic / "public")
    first = os.readlink(store / "current")
    assert os.path.realpath(basic / "public") == str(store / first / "public")
    assert os.path.realpath(basic / "private") == str(store / first / "private")
    (basic / "updates/2026-11-20-api-errors.md").write_text(
        (basic / "updates/2026-11-20-api-errors.md").read_text() + "\nOne more line.\n"
    )
    assert run_build(basic).exit_code == 0
    second = os.readlink(store / "current")
    assert second != first
    # the generation the pointer left stays, complete, as the spare
    assert (store / first / "MANIFEST.json").is_file()
    (basic / "updates/2026-11-20-api-errors.md").write_text(
        (basic / "updates/2026-11-20-api-errors.md").read_text() + "\nAnother line.\n"
    )
    assert run_build(basic).exit_code == 0
    third = os.readlink(store / "current")
    # the spare was brought up to date and became current; the second is the spare now
    assert third not in (first, second) and not (store / first).exists()
    assert sorted(p.name for p in store.glob("g-*")) == sorted([second, third])
    assert (
        "Another line." in (basic / "public/incidents/2026-11-20-api-errors/index.html").read_text()
    )
    assert build_leftovers(basic) == []


def test_leftovers_of_a_killed_build_are_removed(basic):
    assert run_build(basic).exit_code == 0
    store = store_for(basic / "public")
    # what a build killed while writing, or right after the pointer moved, leaves
    (store / "g-99/public/incidents").mkdir(parents=True)
    (store / "g-99/public/incidents/x.html").write_text("half")
    os.symlink("g-99", store / "current.12345")
    (store / ".copy-4242/public").mkdir(parents=True)  # a spare being made
    (basic / ".public.new-4242").mkdir()  # staging of an older Clarion
    (basic / ".public.link-77").symlink_to("nowhere")
    assert build_leftovers(basic) != []
    assert run_build(basic).exit_code == 0
    assert build_leftovers(basic) == []


def _inodes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_ino
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "MANIFEST.json"
    }


def test_a_build_without_a_spare_makes_one_while_it_loads(basic):
    # the first build leaves one generation; the next build copies it by hard
    # links while it loads and renders (in a forked process), even when its
    # output turns out the same, so no later edit links a whole tree itself
    assert run_build(basic).exit_code == 0
    store = store_for(basic / "public")
    first = os.readlink(store / "current")
    source = basic / "updates/2026-11-20-api-errors.md"
    source.write_text(source.read_text() + "\n<!-- a note for the team -->\n")
    assert run_build(basic).exit_code == 0  # an input changed, no output did
    assert os.readlink(store / "current") == first
    spares = [g for g in store.glob("g-*") if g.name != first]
    assert len(spares) == 1 and (spares[0] / "MANIFEST.json").is_file()
    # the same files, linked (all of them, or those linked before the build
    # ended and stopped the copy: its manifest lists what it holds)
    linked, shown = _inodes(spares[0]), _inodes(store / first)
    assert linked and linked.items() <= shown.items()
    listed = json.loads((spares[0] / "MANIFEST.json").read_text())
    assert {f"{area}/{path}" for area, files in listed.items() for path in files} == set(linked)
    assert build_leftovers(basic) == []

    source.write_text(source.read_text() + "\nOne more line.\n")
    assert run_build(basic).exit_code == 0
    second = os.readlink(store / "current")
    # the spare became the new generation; the first is the spare now
    assert sorted(g.name for g in store.glob("g-*")) == sorted([first, second])
    page = "public/incidents/2026-11-20-api-errors/index.html"
    assert "One more line." in (store / second / page).read_text()
    assert "One more line." not in (store / first / page).read_text()
    assert build_leftovers(basic) == []


def test_a_spare_that_holds_part_of_the_files_is_completed_by_the_next_build(basic, tmp_path):
    # a copy stopped early (the build that started it needed no spare) is a
    # spare with the files linked so far, and a manifest that lists just those
    import json

    assert run_build(basic).exit_code == 0
    store = store_for(basic / "public")
    source = basic / "updates/2026-11-20-api-errors.md"
    source.write_text(source.read_text() + "\n<!-- a note for the team -->\n")
    assert run_build(basic).exit_code == 0
    current = os.readlink(store / "current")
    (spare,) = [g for g in store.glob("g-*") if g.name != current]
    manifest = json.loads((spare / "MANIFEST.json").read_text())
    for area, files in manifest.items():
        for path in sorted(files)[::2]:  # every other file never linked
            (spare / area / path).unlink()
            del files[path]
    (spare / "MANIFEST.json").write_text(json.dumps(manifest))

    source.write_text(source.read_text() + "\nOne more line.\n")
    assert run_build(basic).exit_code == 0
    clean = run_build(
        basic, "--no-cache", "--out", str(tmp_path / "p"), "--private-out", str(tmp_path / "q")
    )
    assert clean.exit_code == 0
    assert tree(basic / "public") == tree(tmp_path / "p")
    assert tree(basic / "private") == tree(tmp_path / "q")
    assert build_leftovers(basic) == []


def test_a_copy_stopped_early_is_a_generation_whose_manifest_lists_what_it_holds(tmp_path):
    import functools
    import json
    import time

    from clarion.core.parallel import Background
    from clarion.output.generations import _copy_generation

    current = tmp_path / "g-2"
    manifest = {"public": {}, "private": {}}
    for number in range(3000):
        path = f"incidents/i{number}/index.html"
        (current / "public" / path).parent.mkdir(parents=True)
        (current / "public" / path).write_text(str(number))
        manifest["public"][path] = (f"sha{number}", len(str(number)))
    (current / "private").mkdir()
    partial, final = tmp_path / ".copy-1", tmp_path / "g-1"
    copy = functools.partial(_copy_generation, current, manifest, partial, final, os.getpid())
    copying = Background(copy)
    time.sleep(0.05)
    copying.stop()  # most of the files are not linked yet
    made = copying.result()
    assert not partial.exists()
    if not made:  # stopped before it could handle the signal: no spare at all
        assert not final.exists()
        return
    held = json.loads((final / "MANIFEST.json").read_text())
    files = {
        p.relative_to(final / "public").as_posix()
        for p in (final / "public").rglob("*")
        if p.is_file()
    }
    assert set(held["public"]) == files and held["private"] == {}
    for path in files:
        assert (final / "public" / path).stat().st_ino == (current / "public" / path).stat().st_ino
        assert tuple(held["public"][path]) == manifest["public"][path]


def test_the_manifests_a_build_holds_share_their_paths_and_digests(basic):
    # a build holds the manifests of the current generation, of the spare and
    # of the cache, of the same files: each path and digest is held once
    from clarion.config import load_config
    from clarion.output.cache import BuildCache
    from clarion.output.generations import OutputStore

    assert run_build(basic).exit_code == 0
    cache = BuildCache.open(load_config(basic))
    store = OutputStore({"public": basic / "public", "private": basic / "private"}, {})
    held = store.manifest(store.current())
    assert held is not None and held.keys() == cache.manifest.keys()
    for area, files in cache.manifest.items():
        same = {path: path for path in held[area]}
        assert same.keys() == files.keys()
        for path, entry in files.items():
            assert same[path] is path and held[area][path][0] is entry.sha
