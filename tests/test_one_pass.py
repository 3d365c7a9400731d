"""One pass: a build reads the rulebook and site.toml once and derives the private
state once; the renderers only render what the derive pass made."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import clarion.rules.settings
from clarion.build import build, prepare, render_all
from clarion.config import load_config
from clarion.derive.deadline_report import evaluate
from clarion.derive.metric_targets import headline_targets
from clarion.derive.private import PrivateState
from tests.conftest import NOW, copy_example

RENDER = Path(__file__).resolve().parent.parent / "src" / "clarion" / "render"

#: The derive pass's entry points: a renderer that calls one derives again.
DERIVING = {
    "load_rules",
    "apply_settings",
    "evaluate",
    "owed_emails",
    "obligation_for",
    "obligations",
    "notice_obligations",
    "content_lint",
    "compute_stats",
    "site_stats",
    "review",
    "evaluate_targets",
    "headline_targets",
    "mtbf_target_summary",
    "metrics_report",
    "derive_state",
    "load_config",
    "load_site",
    "load_sources",
}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "site")


def test_a_build_applies_the_site_rules_once(example, monkeypatch):
    calls = []
    original = clarion.rules.settings.apply_settings

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(clarion.rules.settings, "apply_settings", counting)
    config = load_config(example)
    build(config, now=NOW, use_cache=False, workers=1)
    assert len(calls) == 1


def test_the_rulebook_does_not_read_site_toml_again(example, monkeypatch):
    config = load_config(example)
    reads = []
    original = Path.read_text

    def watching(self, *args, **kwargs):
        if self.name == "site.toml":
            reads.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", watching)
    context = prepare(config, NOW)
    list(render_all(context))
    assert reads == []


def test_the_deadline_report_is_derived_once_and_shared(example):
    config = load_config(example)
    context = prepare(config, NOW)
    private = context.private
    assert isinstance(private, PrivateState)
    assert private.deadlines is private.deadlines
    fresh = evaluate(context.site, context.rulebook, NOW, config.timezone)
    assert private.deadlines == fresh
    assert private.metrics is private.metrics


def renderer_imports(render: Path) -> list[str]:
    """The derive entry points each module under ``render`` (its subpackages
    included) imports, as ``"path imports name"``."""
    found = []
    for path in sorted(render.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = {a.name for a in node.names} & DERIVING
                where = path.relative_to(render).as_posix()
                found.extend(f"{where} imports {n}" for n in sorted(names))
    return found


def test_renderers_call_no_derive_entry_point():
    assert renderer_imports(RENDER) == []


def test_the_import_check_reaches_into_subpackages(tmp_path):
    nested = tmp_path / "report"
    nested.mkdir()
    (nested / "shape.py").write_text("from ...derive.metric_targets import headline_targets\n")
    assert renderer_imports(tmp_path) == ["report/shape.py imports headline_targets"]


def test_a_build_evaluates_the_metric_targets_once(example):
    config = load_config(example)
    private = prepare(config, NOW).private
    report = private.metrics_report
    assert report is private.metrics_report and report.stats is private.metrics
    assert report.headline == headline_targets(private.metrics, config.metrics.targets)
