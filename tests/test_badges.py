"""Status badges (SVG and shields.io endpoint JSON), sitemap.xml and robots.txt."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from clarion.model import Impact
from clarion.render.badges import IMPACT_TONES, INDICATOR_TONES, text_width
from tests.subscription_site import build_public, files

SVG = "{http://www.w3.org/2000/svg}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://status.test.example/"


@pytest.fixture
def public(site_factory) -> Path:
    return build_public(site_factory(files()))


def svg(public: Path, path: str) -> ET.Element:
    root = ET.fromstring((public / path).read_bytes())
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    return root


def shields(public: Path, path: str) -> dict:
    return json.loads((public / path).read_text(encoding="utf-8"))


def test_overall_badge(public):
    root = svg(public, "badge.svg")
    assert root.get("aria-label") == "status: partially degraded service"
    assert root.find(SVG + "title").text == "status: partially degraded service"
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "status" in texts and "partially degraded service" in texts
    fills = [r.get("fill") for r in root.iter(SVG + "rect")]
    assert INDICATOR_TONES["minor"].fill in fills
    assert shields(public, "badge.json") == {
        "schemaVersion": 1,
        "label": "status",
        "message": "partially degraded service",
        "color": "yellow",
        "cacheSeconds": 300,
    }


@pytest.mark.parametrize(
    "component, message, impact",
    [
        ("api", "under maintenance", Impact.UNDER_MAINTENANCE),
        ("web", "degraded performance", Impact.DEGRADED_PERFORMANCE),
    ],
)
def test_component_badges(public, component, message, impact):
    name = {"api": "API", "web": "Website"}[component]
    root = svg(public, f"components/{component}/badge.svg")
    assert root.get("aria-label") == f"{name}: {message}"
    assert IMPACT_TONES[impact].fill in [r.get("fill") for r in root.iter(SVG + "rect")]
    data = shields(public, f"components/{component}/badge.json")
    assert (data["schemaVersion"], data["label"], data["message"], data["color"]) == (
        1,
        name,
        message,
        IMPACT_TONES[impact].shields,
    )


def test_all_clear_badge_is_green(site_factory):
    public = build_public(site_factory())
    assert shields(public, "badge.json")["message"] == "all systems operational"
    assert shields(public, "badge.json")["color"] == "brightgreen"
    assert shields(public, "components/api/badge.json")["message"] == "operational"


def test_badge_width_fits_its_text(public):
    root = svg(public, "components/web/badge.svg")
    width = int(root.get("width"))
    assert width == text_width("Website") + text_width("degraded performance") + 24
    assert text_width("mmmm") > text_width("iiii")
    for text in root.iter(SVG + "text"):
        assert int(text.get("textLength")) == text_width(text.text)


def test_badge_text_is_escaped(site_factory):
    toml = (
        '[site]\ntitle = "T"\nbase_url = '
        '"https://t.example/"\n\n[components.api]\nname = "A&B <API>"\n'
    )
    public = build_public(site_factory(toml=toml))
    root = svg(public, "components/api/badge.svg")  # parses: the name is escaped
    assert root.get("aria-label") == "A&B <API>: operational"


def test_sitemap_lists_every_page_by_canonical_url(public):
    root = ET.fromstring((public / "sitemap.xml").read_bytes())
    entries = {
        u.find(SITEMAP + "loc").text: u.find(SITEMAP + "lastmod")
        for u in root.iter(SITEMAP + "url")
    }
    folders = [p.parent.relative_to(public).as_posix() for p in public.rglob("index.html")]
    pages = {BASE if folder == "." else f"{BASE}{folder}/" for folder in folders}
    assert set(entries) == pages
    assert entries[BASE + "incidents/2026-11-20-api-errors/"].text == "2026-11-21T11:00:00+01:00"
    assert entries[BASE].text == "2026-11-27T12:00:00+01:00"
    assert BASE + "incidents/2026-11-26-secret/" not in entries


def test_robots_points_at_the_sitemap(public):
    assert (
        public / "robots.txt"
    ).read_text() == f"User-agent: *\nAllow: /\nSitemap: {BASE}sitemap.xml\n"


def test_badges_and_sitemap_are_deterministic(site_factory):
    root = site_factory(files())
    one, two = build_public(root, out="one"), build_public(root, out="two")
    for path in (
        "badge.svg",
        "badge.json",
        "components/api/badge.svg",
        "sitemap.xml",
        "robots.txt",
    ):
        assert (one / path).read_bytes() == (two / path).read_bytes(), path


@pytest.mark.parametrize(
    "text",
    ["API", "a & b", "<script>", 'say "hi"', "it's", "both ' and \"", "tab\tnew\nline\rret", ""],
)
def test_badge_escaping_gives_the_standard_librarys_bytes(text: str) -> None:
    from xml.sax.saxutils import escape as sax_escape
    from xml.sax.saxutils import quoteattr as sax_quoteattr

    from clarion.render.xml_text import escape, quoteattr

    assert escape(text) == sax_escape(text)
    assert quoteattr(text) == sax_quoteattr(text)
