"""The metrics put together from each month's part, kept between builds.

A build keeps what the incidents of each month of the window contribute to
the metrics (:mod:`clarion.derive.metric_parts`) and reuses a month's part
while its incidents read the same, at any ``now``. These tests check that an
edit computes the parts of the months it touches only, that a ``now`` in the
same month computes none (what depends on ``now`` is decided when the parts
are put together), and that every build equals a clean build byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from clarion.build import BuildResult, build
from clarion.config import load_config
from clarion.derive.action_items import ActionItem
from clarion.output.kept import METRIC_PARTS_FILE, kept_metric_parts
from clarion.reports.metrics import run_stats
from tests.conftest import NOW, build_clean, copy_example
from tests.test_incremental import EMAIL, OLD, SSO, _replace
from tests.test_site_build import tree

NOVEMBER = date(2026, 11, 1)
DELETED = "updates/2026-09-15-dashboard-slow-loading.md"
PAGE = "metrics/index.html"


def _computed(result: BuildResult) -> list[date | None]:
    """The months whose parts the build computed (``None``: the part of the
    incidents from before the window)."""
    kept = result.context.private.kept_months
    assert kept is not None
    return kept.computed


def _equals_clean(root: Path, tmp_path: Path, now: datetime, area: str = "private") -> None:
    clean = tmp_path / f"clean-{now:%Y%m%d%H%M}"
    build_clean(root, clean, now)
    assert tree(root / area) == tree(clean / area)


def _item(item: ActionItem) -> tuple[object, ...]:
    return (item.slug, item.update.position, item.body_line, item.text, item.done, item.due)


def _append(root: Path, name: str, text: str) -> None:
    with (root / name).open("a", encoding="utf-8") as handle:
        handle.write(text)


EDITS: list[tuple[str, Callable[[Path], None], list[date | None]]] = [
    (
        "a new update on the newest incident",
        lambda root: _append(
            root,
            EMAIL,
            "\n## 2026-11-27 11:40 UTC · Identified\nImpact: email=major_outage\n"
            "Delivery has **stopped** for these providers.\n",
        ),
        [NOVEMBER],
    ),
    (
        "an open incident resolved",
        lambda root: _append(
            root, EMAIL, "\n## 2026-11-27 11:50 UTC · Resolved\nEvery email is delivered.\n"
        ),
        [NOVEMBER],
    ),
    (
        "a severity changed",
        lambda root: _replace(root, OLD, "severity: SEV2", "severity: SEV1"),
        [date(2026, 2, 1)],
    ),
    (
        "the components changed",
        lambda root: _replace(root, SSO, "  auth: partial_outage", "  database: major_outage"),
        [NOVEMBER],
    ),
    ("an incident deleted", lambda root: (root / DELETED).unlink(), [date(2026, 9, 1)]),
]


@pytest.mark.parametrize(("what", "edit", "months"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edit_computes_the_months_it_touches_only(
    tmp_path: Path,
    what: str,
    edit: Callable[[Path], None],
    months: list[date | None],
) -> None:
    root = copy_example(tmp_path / "site")
    first = build(load_config(root), now=NOW)
    assert NOVEMBER in _computed(first) and None in _computed(first)
    page = (root / "private" / PAGE).read_bytes()
    edit(root)
    result = build(load_config(root), now=NOW)
    assert _computed(result) == months, what
    assert (root / "private" / PAGE).read_bytes() != page, what  # a figure changed
    _equals_clean(root, tmp_path, NOW)
    # `clarion stats` over the page's window computes the page's figures afresh
    page_stats = result.context.private.metrics
    fresh = run_stats(load_config(root), NOW, since="2025-12").stats
    assert page_stats.start == fresh.start
    assert (page_stats.overall, page_stats.components) == (fresh.overall, fresh.components)
    assert page_stats.months == fresh.months
    assert [_item(i) for i in page_stats.action_items] == [_item(i) for i in fresh.action_items]


def test_a_later_now_reuses_every_part_and_decides_what_depends_on_it(tmp_path: Path) -> None:
    """Two days on, a postmortem still owed is missing, no longer pending;
    past the end of the month (in the site's zone), three items are
    overdue. Each build equals a clean build at its ``now``."""
    root = copy_example(tmp_path / "site")
    first = build(load_config(root), now=NOW).context.private.metrics.overall
    assert (first.postmortems.pending, first.overdue_action_items) == (1, 1)
    later = build(load_config(root), now=NOW + timedelta(days=2))
    assert _computed(later) == []
    overall = later.context.private.metrics.overall
    assert (overall.postmortems.pending, overall.postmortems.total) == (0, 5)
    _equals_clean(root, tmp_path, NOW + timedelta(days=2))
    # December in Berlin: the window starts a month later, every part is computed again
    december = NOW + timedelta(days=3, hours=11)
    result = build(load_config(root), now=december)
    assert _computed(result)[-1] is None and NOVEMBER in _computed(result)
    assert result.context.private.metrics.overall.overdue_action_items == 3
    _equals_clean(root, tmp_path, december)
    again = build(load_config(root), now=december + timedelta(days=1))
    assert _computed(again) == []
    _equals_clean(root, tmp_path, december + timedelta(days=1))


def test_the_public_metrics_page_is_put_together_from_parts(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    _replace(root, "site_src/site.toml", "[metrics]\npublic = false", "[metrics]\npublic = true")
    build(load_config(root), now=NOW)
    _append(root, EMAIL, "\n## 2026-11-27 11:50 UTC · Resolved\nEvery email is delivered.\n")
    result = build(load_config(root), now=NOW)
    assert _computed(result) == [NOVEMBER]
    _equals_clean(root, tmp_path, NOW, area="public")


@pytest.mark.parametrize("damage", ["garbage", "cut short", "parts that are not parts"])
def test_a_damaged_or_foreign_parts_file_is_ignored(tmp_path: Path, damage: str) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    path = root / ".clarion-cache" / METRIC_PARTS_FILE
    if damage == "garbage":
        path.write_bytes(b"not zstandard at all\n")
    elif damage == "cut short":
        path.write_bytes(path.read_bytes()[:-20])
    else:  # well-formed lines under the right keys, that are not parts
        kept = kept_metric_parts(path.parent)
        keys = list(kept.previous)
        assert keys
        kept.save({key: '{"s":{"":{"n":"x"}},"up":{"api":[[1]]}}' for key in keys})
    _append(root, EMAIL, "\n## 2026-11-27 11:50 UTC · Resolved\nEvery email is delivered.\n")
    build(load_config(root), now=NOW)
    _equals_clean(root, tmp_path, NOW)
