"""The public files that look at every incident are reused at an edit that
changes none of their bytes: an old incident's reworded update renders its
page and its month again, and no feed, calendar, API file, sitemap, front
page, history index or component page. That the reused files equal a clean
build's is tests/test_incremental.py's; here, that they are reused at all,
and that the months they group by are the zone's months."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.build import build, prepare
from clarion.config import load_config
from clarion.load import load_site
from clarion.output.cache import BuildCache
from clarion.render import Output, RenderContext, html
from clarion.render.api import render_api
from clarion.render.discovery import render_discovery
from clarion.render.feeds import render_feeds
from clarion.render.html import HtmlRenderer
from clarion.render.ical import render_calendar
from clarion.render.item_pages import item_pages
from clarion.render.items import by_month
from tests.conftest import NOW, copy_example

OLD = "updates/2026-02-11-api-latency-eu-west.md"  # the example site's oldest incident
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import generate  # noqa: E402


def _public_files(context: RenderContext) -> list[Output]:
    """The files of the writers that look at every incident (item pages aside)."""
    pages = HtmlRenderer(
        context.config, context.site, context.state, context.markdown, context.cache
    )
    outputs = [pages.index(), *pages.history()]
    outputs += [pages.component_page(c) for group in pages.groups() for c in group.components]
    for writer in (render_feeds, render_calendar, render_api, render_discovery):
        outputs += writer(context)
    return outputs


def _rendered(root: Path) -> set[str]:
    """The files of :func:`_public_files` that were rendered, not reused."""
    config = load_config(root)
    context = prepare(config, NOW, BuildCache.open(config))
    keyed = [o for o in _public_files(context) if o.key is not None]
    assert {"index.html", "feed.xml", "maintenance.ics", "sitemap.xml"} <= {o.path for o in keyed}
    return {o.path for o in keyed if o.reused is None}


def test_an_old_incidents_reworded_update_renders_only_its_month(tmp_path: Path) -> None:
    """300 incidents over three years: the oldest is in no feed, no API file
    and on no page but its own and its month's."""
    generate(300, tmp_path)
    config = load_config(tmp_path)
    (source,) = tmp_path.glob("updates/*-synthetic-000299.md")
    start = next(i for i in load_site(config).incidents if i.slug == source.stem).started_at
    month = f"history/{start.astimezone(config.timezone):%Y/%m}/index.html"
    build(config, now=NOW)
    assert _rendered(tmp_path) == set()  # nothing changed: every file is the last build's
    source.write_text(source.read_text() + " Reworded.\n")
    assert _rendered(tmp_path) == {month}
    build(load_config(tmp_path), now=NOW)
    # a new update to the same incident puts it first in the feeds and
    # changes its last update in the sitemap
    source.write_text(source.read_text() + "\n## 2026-11-27 11:55 UTC · Postmortem\nLearned.\n")
    rendered = _rendered(tmp_path)
    assert {"feed.xml", "sitemap.xml", month} <= rendered
    assert "maintenance.ics" not in rendered and "history/index.html" not in rendered


def test_an_edit_makes_the_views_only_of_the_items_its_pages_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item's view (what pages show of it) is made when a page shows it:
    an old incident's reworded update renders its page and its month, and
    the front page and the component pages look at the recent items; every
    other item's page is reused by its key, without a view (at 50,000
    incidents, 50,000 views made for 5,000 shown)."""
    generate(300, tmp_path)
    build(load_config(tmp_path), now=NOW)
    (source,) = tmp_path.glob("updates/*-synthetic-000299.md")
    source.write_text(source.read_text() + " Reworded.\n")
    made: list[str] = []
    view = html.ItemView
    monkeypatch.setattr(html, "ItemView", lambda i, *rest: made.append(i.slug) or view(i, *rest))
    config = load_config(tmp_path)
    context = prepare(config, NOW, BuildCache.open(config))
    pages = HtmlRenderer(
        context.config, context.site, context.state, context.markdown, context.cache
    )
    rendered = [o for o in item_pages(pages) if o.reused is None and o.carried is None]
    assert [o.path for o in rendered] == [f"incidents/{source.stem}/index.html"]
    _public_files(context)
    assert source.stem in made and len(made) < 100  # (two renderers: each makes its own)


def test_a_site_with_its_own_templates_gets_its_front_page_rendered_on_each_build(
    tmp_path: Path,
) -> None:
    """Its templates may show anything of the state, which no key holds."""
    root = copy_example(tmp_path / "site")
    (root / "templates").mkdir()
    (root / "templates/index.html.j2").write_text(
        '{% extends "default/index.html.j2" %}'
        "{% block main %}<p>First: {{ state.incidents[0].title }}</p>{{ super() }}{% endblock %}",
        encoding="utf-8",
    )
    build(load_config(root), now=NOW)
    source = root / OLD
    source.write_text(source.read_text().replace("Slow API responses", "Slow API answers"))
    build(load_config(root), now=NOW)
    assert "First: Slow API answers in eu-west" in (root / "public/index.html").read_text()


ZONES = ["UTC", "Europe/Berlin", "America/Sao_Paulo", "Pacific/Apia", "Australia/Lord_Howe"]
ZONES += ["Asia/Kolkata", "America/Santiago", "Pacific/Kiritimati", "America/Sitka"]


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(datetime(1860, 1, 1), datetime(2040, 1, 1)),
    offsets=st.lists(st.integers(min_value=-3 * 1440, max_value=400 * 1440), max_size=60),
    near=st.lists(st.integers(min_value=-1500, max_value=1500), max_size=20),
)
def test_months_are_those_of_each_start_in_the_zone(
    zone: str, start: datetime, offsets: list[int], near: list[int]
) -> None:
    """Grouping by bisection equals converting every start to the zone,
    including zones whose clock went back over midnight (Sao Paulo's did)
    or skipped a day (Apia), and starts close to a month's first minute."""
    tz = ZoneInfo(zone)
    first = start.replace(tzinfo=UTC)
    month_start = datetime(start.year, start.month, 1, tzinfo=tz).astimezone(UTC)
    starts = sorted(
        [first + timedelta(minutes=m) for m in offsets]
        + [month_start + timedelta(minutes=m) for m in near]
    )
    items = list(range(len(starts)))
    expected: dict[tuple[int, int], list[int]] = {}
    for k in reversed(items):
        local = starts[k].astimezone(tz)
        expected.setdefault((local.year, local.month), []).append(k)
    assert list(by_month(items, starts, tz).items()) == list(expected.items())
