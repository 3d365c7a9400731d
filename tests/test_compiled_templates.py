"""Compiled templates kept in the build cache: reused by the next build,
signed with the user's own key so that a cache written elsewhere never runs
code, never kept by ``--no-cache``; the output is the same either way."""

from __future__ import annotations

import pickle
import shutil
from datetime import timedelta
from pathlib import Path

import jinja2
import pytest

import clarion.render.compiled as compiled
import clarion.render.email_templates as email_templates
import clarion.render.templates as templates
from clarion.build import build
from clarion.config import load_config
from tests.conftest import NOW
from tests.test_site_build import SITES, tree


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """A new process's compiled templates (nothing in memory), a user cache
    folder of the test's own; returns the names Jinja compiles."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    _restart(monkeypatch)
    compiles: list[str] = []
    compile_source = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        compiles.append(str(name))
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return compiles


def _restart(monkeypatch: pytest.MonkeyPatch) -> None:
    again = compiled.CompiledTemplates()
    monkeypatch.setattr(compiled, "COMPILED", again)
    monkeypatch.setattr(templates, "COMPILED", again)
    monkeypatch.setattr(email_templates, "COMPILED", again)


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    return root


def test_the_next_build_compiles_no_template(
    tmp_path: Path, fresh: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _site(tmp_path)
    build(load_config(root), now=NOW)
    assert "base.html.j2" in fresh and "index.html.j2" in fresh
    kept = sorted((root / ".clarion-cache" / "templates").iterdir())
    assert kept and all(p.suffix == ".jinja" for p in kept)
    key = tmp_path / "user-cache" / "clarion" / "template-signing-key"
    assert key.stat().st_mode & 0o077 == 0  # the user's own
    fresh.clear()
    _restart(monkeypatch)  # as a new process: nothing in memory
    later = build(load_config(root), now=NOW + timedelta(minutes=1))
    assert later.report.changed and fresh == []
    clean = build(load_config(root), now=NOW + timedelta(minutes=1), use_cache=False)
    assert tree(later.public_dir) == tree(clean.public_dir)


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.marker, "code ran"))


def test_compiled_templates_written_elsewhere_never_run(
    tmp_path: Path, fresh: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _site(tmp_path)
    first = build(load_config(root), now=NOW)
    expected = tree(first.public_dir)
    marker = tmp_path / "marker"
    folder = root / ".clarion-cache" / "templates"
    # what Jinja's loader would unpickle after its header, signed by no one
    crafted = bytes(32) + jinja2.bccache.bc_magic + pickle.dumps(_Payload(marker))
    kept = list(folder.iterdir())
    for path in kept:
        path.write_bytes(crafted)
    # the same files copied from another user's cache: their key is not ours
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    fresh.clear()
    _restart(monkeypatch)
    shutil.rmtree(first.public_dir.parent / ".public.clarion", ignore_errors=True)
    again = build(load_config(root), now=NOW + timedelta(minutes=1))
    assert not marker.exists()
    assert "base.html.j2" in fresh  # compiled afresh
    assert all(path.read_bytes() != crafted for path in kept)  # and kept, signed
    clean = build(load_config(root), now=NOW + timedelta(minutes=1), use_cache=False)
    assert tree(again.public_dir) == tree(clean.public_dir)
    assert tree(again.public_dir).keys() == expected.keys()


def test_no_cache_keeps_no_compiled_template(tmp_path: Path, fresh: list[str]) -> None:
    root = _site(tmp_path)
    build(load_config(root), now=NOW, use_cache=False)
    assert "base.html.j2" in fresh
    assert not (root / ".clarion-cache" / "templates").exists()


def test_without_a_key_folder_templates_are_kept_in_memory_only(
    tmp_path: Path, fresh: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the user's cache folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    _restart(monkeypatch)
    root = _site(tmp_path)
    result = build(load_config(root), now=NOW)
    assert result.report.changed and "base.html.j2" in fresh
    assert not (root / ".clarion-cache" / "templates").exists()
