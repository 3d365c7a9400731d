"""The private metrics page, reused while nothing it reads changes.

The page's render key holds what the metrics and the learning review read
of every incident (a digest each, kept with the incident's part of the
deadline report), ``now``, the runbooks, the settings and the theme. These
tests check that an edit that changes no metric reuses the page without
computing a metric, and that edits of what the metrics do read (an action
item in a postmortem, a time, a runbook) render it again, equal to a clean
build's.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from clarion.build import build
from clarion.config import load_config
from clarion.derive.incident_facts import NOT_READ_BY_METRICS
from clarion.model import Incident, Update
from tests.conftest import NOW, copy_example
from tests.test_deadline_parts import _private_equals_clean
from tests.test_incremental import EMAIL, _replace

POSTMORTEM = "updates/2026-10-14-api-and-dashboard-outage.md"
PAGE = "private/metrics/index.html"


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per build that computed the metrics (in this process)."""
    import clarion.derive.stats as stats

    calls: list[int] = []
    compute = stats.compute_stats
    monkeypatch.setattr(stats, "compute_stats", lambda *a, **k: calls.append(1) or compute(*a, **k))
    return calls


def test_a_reworded_update_reuses_the_metrics_page(tmp_path: Path, computed: list[int]) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    assert computed == [1]
    before = (root / PAGE).read_bytes()
    _replace(root, EMAIL, "reaching some", "reaching a few")
    build(load_config(root), now=NOW)
    assert computed == [1] and (root / PAGE).read_bytes() == before
    _private_equals_clean(root, tmp_path, NOW)


@pytest.mark.parametrize(
    ("what", "path", "old", "new"),
    [
        (
            "an action item done",
            POSTMORTEM,
            "- [ ] One-command rollback",
            "- [x] One-command rollback",
        ),
        ("an item's owner", POSTMORTEM, "@team-deploy, due 2026-12-15", "@sre, due 2026-12-15"),
        ("a time", EMAIL, "acknowledged: 2026-11-27T10:27", "acknowledged: 2026-11-27T10:29"),
    ],
)
def test_an_edit_of_what_the_metrics_read_renders_the_page(
    tmp_path: Path, computed: list[int], what: str, path: str, old: str, new: str
) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    text = (root / path).read_text(encoding="utf-8")
    if old not in text:
        pytest.fail(f"{what}: {old!r} is not in {path}")
    _replace(root, path, old, new)
    build(load_config(root), now=NOW)
    assert computed == [1, 1], what
    _private_equals_clean(root, tmp_path, NOW)


def test_a_new_time_renders_the_page(tmp_path: Path, computed: list[int]) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    build(load_config(root), now=NOW + timedelta(days=40))
    assert computed == [1, 1]
    _private_equals_clean(root, tmp_path, NOW + timedelta(days=40))


def test_every_field_of_an_incident_is_read_or_named_as_not_read() -> None:
    """A field added to the model must be in the metrics' digest of an
    incident (:func:`clarion.derive.incident_facts.metrics_text`), or be
    named as one the metrics do not read."""
    import inspect

    from clarion.derive import incident_facts

    source = inspect.getsource(incident_facts.metrics_text)
    for field in dataclasses.fields(Incident):
        read = f"i.{field.name}" in source
        assert read != (field.name in NOT_READ_BY_METRICS), field.name
    for field in dataclasses.fields(Update):
        assert f"u.{field.name}" in source, field.name
