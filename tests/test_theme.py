"""The default theme's markup: what a browser needs without asking for more.

(The pages in a real browser, with axe-core and the Nu HTML checker, are in
tests/test_browser.py.)"""

from __future__ import annotations

import re
from datetime import date

from clarion.derive.uptime import DayUptime
from clarion.model import Impact
from clarion.render.views import day_summary
from tests.conftest import MINIMAL_TOML
from tests.subscription_site import build_public, files


def html_pages(public):
    return {p.relative_to(public).as_posix(): p.read_text() for p in public.rglob("*.html")}


def test_every_page_has_a_description_and_an_icon_without_asking_for_favicon_ico(site_factory):
    public = build_public(site_factory(files()))
    for path, html in html_pages(public).items():
        assert re.search(r'<meta name="description" content="[^"]*Test Status[^"]*">', html), path
        assert '<link rel="icon" href="data:,">' in html, path  # no favicon in static/


def test_a_site_favicon_and_description_win(site_factory):
    toml = MINIMAL_TOML.replace(
        'timezone = "Europe/Berlin"\n', 'timezone = "Europe/Berlin"\ndescription = "Acme & co."\n'
    )
    root = site_factory({**files(), "site_src/static/favicon.svg": "<svg/>"}, toml=toml)
    index = (build_public(root) / "index.html").read_text()
    assert '<meta name="description" content="Acme &amp; co.">' in index
    assert '<link rel="icon" href="static/favicon.svg">' in index


def test_the_404_page_works_under_any_path(site_factory):
    """Inlined styles and absolute links: served at /project/x/y/ it still
    finds nothing relative to load."""
    root = site_factory({**files(), "site_src/static/brand.css": ":root{--link:#7a2ea0}"})
    page = (build_public(root) / "404.html").read_text()
    assert "<style>" in page and "--link:#7a2ea0" in page and ".bars{" in page
    assert 'rel="stylesheet"' not in page and "<img" not in page
    links = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert links and all(
        link.startswith(("https://status.test.example/", "data:", "#")) for link in links
    )


def test_month_pages_group_items_under_day_anchors(site_factory):
    public = build_public(site_factory(files()))
    month = (public / "history/2026/11/index.html").read_text()
    days = re.findall(r'<section class="day" id="d-(\d{4}-\d\d-\d\d)"', month)
    assert days == sorted(set(days), reverse=True) and "2026-11-20" in days
    index = (public / "index.html").read_text()
    assert 'href="history/2026/11/#d-2026-11-20"' in index  # the bar of that day links there


def test_day_text_names_one_incident_and_counts_the_rest():
    class Incident:
        def __init__(self, title):
            self.title = title

    quiet = DayUptime(date(2026, 11, 20), 1.0, 0.0, Impact.OPERATIONAL, ())
    busy = DayUptime(
        date(2026, 11, 21),
        0.9931,
        10.0,
        Impact.PARTIAL_OUTAGE,
        (Incident("API errors"), Incident("B")),
    )
    maintenance = DayUptime(date(2026, 11, 22), 1.0, 0.0, Impact.UNDER_MAINTENANCE, ())
    assert day_summary(quiet) == "20 Nov 2026: 100% uptime, no incidents"
    assert day_summary(busy) == "21 Nov 2026: 99.31% uptime; API errors and 1 more"
    assert day_summary(maintenance) == "22 Nov 2026: 100% uptime, maintenance, no incidents"


def test_the_fragment_stylesheet_is_confined_to_clarion_blocks():
    """Inside an MkDocs theme every rule is scoped to ``.clarion``, so the host
    page's own elements keep their look."""
    from clarion.render import THEME_DIR

    css = re.sub(r"/\*.*?\*/", "", (THEME_DIR / "fragment.css").read_text(), flags=re.S)
    selectors = [rule.split("{")[0] for rule in re.findall(r"[^{}]+\{[^{}]*\}", css)]
    assert len(selectors) > 40 and len(css) < 20_000
    for selector in selectors:
        for part in re.split(r",(?![^(]*\))", selector):  # commas outside :is(...)
            assert part.strip().startswith(".clarion"), part


def test_the_front_page_lists_a_bounded_number_of_past_incidents(tmp_path):
    """A busy fortnight (300 incidents) does not grow the front page: the
    newest are listed, the other days link to their place in the history."""
    import gzip
    import shutil
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from clarion.build import build
    from clarion.config import load_config
    from clarion.render.html import MAX_RECENT_ON_INDEX

    root = tmp_path / "site"
    shutil.copytree(Path(__file__).parent / "sites/basic/site_src", root / "site_src")
    (root / "updates").mkdir()
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    for n in range(300):
        start = now - timedelta(hours=1 + n)
        (root / f"updates/{start:%Y-%m-%d}-busy-{n:03d}.md").write_text(
            f"---\ntitle: Busy incident {n}\nseverity: SEV3\ncomponents:\n  api: partial_outage\n"
            f"declared: {start:%Y-%m-%dT%H:%M:%SZ}\n---\n"
            f"## {start + timedelta(minutes=20):%Y-%m-%d %H:%M} UTC · Resolved\nFixed **it**.\n"
        )
    result = build(load_config(root), now=now, use_cache=False, workers=1)
    index = (result.public_dir / "index.html").read_text()
    past = index[index.index('id="past-h"') :]
    assert past.count("Busy incident") == MAX_RECENT_ON_INDEX
    assert "Busy incident 0<" in past and f"Busy incident {MAX_RECENT_ON_INDEX}<" not in past
    day = (now - timedelta(days=5)).date()
    assert f'history/{day:%Y/%m}/#d-{day.isoformat()}">24 incidents in the history' in index
    assert len(gzip.compress(index.encode(), 9)) <= 15_000
