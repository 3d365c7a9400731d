"""RSS, Atom and JSON Feed: parsed back with feedparser, entry by entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from tests.conftest import MINIMAL_TOML, NOW
from tests.subscription_site import FEED_ORDER, append_update, build_public, files, source

BASE = "https://status.test.example/"
FEED_FOLDERS = ["", "components/api/", "components/web/"]


def parse(public: Path, path: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse((public / path).read_bytes())
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def json_feed(public: Path, path: str) -> dict:
    return json.loads((public / path).read_text(encoding="utf-8"))


@pytest.fixture
def site(site_factory) -> Path:
    return site_factory(files())


@pytest.fixture
def public(site) -> Path:
    return build_public(site)


@pytest.mark.parametrize("folder", FEED_FOLDERS)
def test_every_feed_parses_without_errors(public, folder):
    rss = parse(public, folder + "feed.xml")
    atom = parse(public, folder + "atom.xml")
    assert rss.version == "rss20" and atom.version == "atom10"
    data = json_feed(public, folder + "feed.json")
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["feed_url"] == BASE + folder + "feed.json"
    assert data["home_page_url"] == BASE + folder
    assert len(rss.entries) == len(atom.entries) == len(data["items"]) > 0
    assert (
        [e.link for e in rss.entries]
        == [e.link for e in atom.entries]
        == [i["url"] for i in data["items"]]
    )


def test_site_feed_holds_every_published_item_newest_first(public):
    for parsed in (parse(public, "feed.xml"), parse(public, "atom.xml")):
        assert [e.title for e in parsed.entries] == FEED_ORDER
    assert [i["title"] for i in json_feed(public, "feed.json")["items"]] == FEED_ORDER
    updated = [e.updated_parsed for e in parse(public, "atom.xml").entries]
    assert updated == sorted(updated, reverse=True)


def test_feed_metadata_comes_from_the_content(public):
    atom = parse(public, "atom.xml")
    assert atom.feed.title == "Test Status"
    assert atom.feed.id == BASE
    # The feed's updated time is its newest entry's, never the build's clock.
    assert atom.feed.updated == "2026-11-27T11:00:00+00:00"
    rss = parse(public, "feed.xml")
    assert rss.feed.link == BASE
    assert rss.feed.updated_parsed[:6] == (2026, 11, 27, 11, 0, 0)


def test_component_feeds_hold_only_that_component(public):
    api = [e.title for e in parse(public, "components/api/atom.xml").entries]
    web = [e.title for e in parse(public, "components/web/feed.xml").entries]
    assert api == [
        "Load balancer replacement",
        "Database upgrade",
        "Slow API and website",
        "Elevated error rates on the API",
    ]
    assert web == ["Website loads slowly", "Slow API and website", "Certificate rotation"]
    assert [i["title"] for i in json_feed(public, "components/web/feed.json")["items"]] == web
    assert parse(public, "components/api/atom.xml").feed.title == "API · Test Status"


def test_entry_id_is_the_canonical_page_and_content_is_the_whole_timeline(public):
    atom = parse(public, "atom.xml")
    entry = next(e for e in atom.entries if e.title == "Elevated error rates on the API")
    url = BASE + "incidents/2026-11-20-api-errors/"
    assert entry.id == entry.link == url
    rss_entry = next(e for e in parse(public, "feed.xml").entries if e.link == url)
    assert rss_entry.id == url
    assert f'<guid isPermaLink="true">{url}</guid>' in (public / "feed.xml").read_text(
        encoding="utf-8"
    )
    content = entry.content[0].value
    # Every update, newest first; the Impact: line and the summary paragraph.
    order = [
        content.index(text)
        for text in ("What happened", "back to normal", "faulty deploy", "investigating elevated")
    ]
    assert order == sorted(order)
    assert "Some requests to the API failed." in content and "Impact:" not in content
    assert entry.published == "2026-11-20T14:05:00+00:00"
    assert entry.updated == "2026-11-21T10:00:00+00:00"
    assert [t.term for t in entry.tags] == ["api"]
    maintenance = next(e for e in atom.entries if e.title == "Database upgrade")
    assert (
        "Scheduled maintenance from 03 Dec 2026, 03:00 CET to 03 Dec 2026, 05:00 CET"
        in maintenance.content[0].value
    )


def test_summary_starts_with_the_latest_update(public):
    entries = {e.title: e for e in parse(public, "atom.xml").entries}
    assert entries["Slow API and website"].summary == "Resolved: Response times are back to normal."
    assert entries["Certificate rotation"].summary.startswith("Cancelled: We have cancelled")
    rss = {e.title: e for e in parse(public, "feed.xml").entries}
    assert (
        rss["Website loads slowly"].summary == "Investigating: Pages take several seconds to load."
    )
    items = {i["title"]: i for i in json_feed(public, "feed.json")["items"]}
    assert (
        items["Slow API and website"]["summary"] == "Resolved: Response times are back to normal."
    )
    assert items["Slow API and website"]["date_modified"] == "2026-11-24T17:00:00+01:00"
    assert items["Slow API and website"]["date_published"] == "2026-11-24T16:05:00+01:00"


def test_an_added_update_moves_updated_but_not_the_id(site, tmp_path):
    before = build_public(site, out="one")
    append_update(site, "2026-11-24-both", "## 2026-11-27 11:30 UTC · Investigating\nSlow again.")
    after = build_public(site, out="two")
    slug_url = BASE + "incidents/2026-11-24-both/"
    for path in ("atom.xml", "components/web/atom.xml"):
        old = next(e for e in parse(before, path).entries if e.link == slug_url)
        new = next(e for e in parse(after, path).entries if e.link == slug_url)
        assert old.id == new.id == slug_url
        assert old.published == new.published
        assert (old.updated, new.updated) == (
            "2026-11-24T16:00:00+00:00",
            "2026-11-27T11:30:00+00:00",
        )
        assert parse(after, path).entries[0].link == slug_url  # now the newest
        assert new.summary == "Investigating: Slow again."
    old_rss = next(e for e in parse(before, "feed.xml").entries if e.link == slug_url)
    new_rss = next(e for e in parse(after, "feed.xml").entries if e.link == slug_url)
    assert old_rss.id == new_rss.id
    old_json = next(i for i in json_feed(before, "feed.json")["items"] if i["url"] == slug_url)
    new_json = next(i for i in json_feed(after, "feed.json")["items"] if i["url"] == slug_url)
    assert (
        old_json["id"] == new_json["id"] and old_json["date_modified"] < new_json["date_modified"]
    )


def test_entry_count_follows_the_feeds_setting(site_factory):
    root = site_factory(files(), toml=MINIMAL_TOML + "\n[feeds]\nentries = 2\n")
    public = build_public(root)
    for folder in ("", "components/api/"):
        assert len(parse(public, folder + "feed.xml").entries) == 2
        assert len(parse(public, folder + "atom.xml").entries) == 2
        assert len(json_feed(public, folder + "feed.json")["items"]) == 2
    assert [e.title for e in parse(public, "atom.xml").entries] == FEED_ORDER[:2]


def test_default_is_fifty_entries(site_factory):
    extra = {
        f"updates/2026-10-{day:02d}-n{n}.md": f"---\ntitle: Incident {day}-{n}\nseverity: "
        f"SEV3\ncomponents: {{web: degraded_performance}}\n---\n"
        f"## 2026-10-{day:02d} {n + 10}:00 UTC · Resolved\nDone.\n"
        for day in range(1, 29)
        for n in range(2)
    }
    public = build_public(site_factory(files(extra)))
    assert len(parse(public, "atom.xml").entries) == 50
    assert len(json_feed(public, "components/web/feed.json")["items"]) == 50


def test_private_and_future_content_stays_out(site_factory):
    extra = {
        "updates/2026-11-27-web-slow.md": source("updates/2026-11-27-web-slow.md")
        + "\n## 2026-11-27 13:00 UTC · Resolved\nWritten ahead of time.\n"
    }
    public = build_public(site_factory(files(extra)))
    for folder in FEED_FOLDERS:
        for name in ("feed.xml", "atom.xml", "feed.json"):
            data = (public / folder / name).read_bytes()
            assert b"Secret hush" not in data and b"classified" not in data, folder + name
            assert b"Written ahead" not in data, folder + name
    entry = next(e for e in parse(public, "atom.xml").entries if e.title == "Website loads slowly")
    assert entry.updated == "2026-11-27T10:30:00+00:00"


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        ("<script>alert('x')</script>", "<script"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
    ],
)
def test_entry_html_is_sanitised(site_factory, payload, forbidden):
    path = "updates/2026-11-27-web-slow.md"
    public = build_public(site_factory(files({path: source(path) + "\n" + payload + "\n"})))
    entry = next(e for e in parse(public, "atom.xml").entries if e.title == "Website loads slowly")
    assert forbidden not in entry.content[0].value
    item = next(
        i for i in json_feed(public, "feed.json")["items"] if i["title"] == "Website loads slowly"
    )
    assert forbidden not in item["content_html"]
    rss = next(e for e in parse(public, "feed.xml").entries if e.title == "Website loads slowly")
    assert forbidden not in rss.content[0].value


def test_empty_site_still_gives_valid_feeds(site_factory):
    public = build_public(site_factory())
    atom = parse(public, "atom.xml")
    assert atom.entries == [] and atom.feed.updated == "1970-01-01T00:00:00+00:00"
    assert parse(public, "feed.xml").entries == []
    assert json_feed(public, "feed.json")["items"] == []


def test_feeds_never_read_the_wall_clock(site_factory, monkeypatch):
    """feedgen stamps feeds and entries with now() unless told otherwise."""
    import feedgen.entry
    import feedgen.feed

    class AnyDatetime(type):
        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, datetime)

    class FrozenDatetime(datetime, metaclass=AnyDatetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime(2001, 2, 3, 4, 5, 6, tzinfo=tz or UTC)

    monkeypatch.setattr(feedgen.feed, "datetime", FrozenDatetime)
    monkeypatch.setattr(feedgen.entry, "datetime", FrozenDatetime)
    public = build_public(site_factory(files()))
    for folder in FEED_FOLDERS:
        for name in ("feed.xml", "atom.xml"):
            text = (public / folder / name).read_text(encoding="utf-8")
            assert "2001" not in text and "Feb 2001" not in text, folder + name


def test_pages_advertise_and_link_the_feeds(public):
    index = (public / "index.html").read_text(encoding="utf-8")
    assert (
        '<link rel="alternate" type="application/rss+xml" '
        'title="Test Status (RSS)" href="feed.xml">' in index
    )
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Test Status (Atom)" href="atom.xml">' in index
    )
    assert (
        '<link rel="alternate" type="application/feed+json" '
        'title="Test Status (JSON Feed)" href="feed.json">' in index
    )
    footer = index[index.index("<footer") :]
    for href in ("feed.xml", "atom.xml", "feed.json", "maintenance.ics", "api/v2/summary.json"):
        assert f'href="{href}"' in footer, href
    component = (public / "components/api/index.html").read_text(encoding="utf-8")
    assert (
        'type="application/atom+xml" title="API · Test '
        'Status (Atom)" href="../../components/api/atom.xml"' in component
    )
    assert 'href="../../atom.xml"' in component and 'href="../../maintenance.ics"' in component
    incident = (public / "incidents/2026-11-20-api-errors/index.html").read_text(encoding="utf-8")
    assert 'href="../../feed.xml"' in incident
    assert f'<link rel="canonical" href="{BASE}incidents/2026-11-20-api-errors/">' in incident


def test_now_is_the_only_clock(site, tmp_path):
    """Same content, same now: the same bytes for every feed."""
    one, two = build_public(site, out="one"), build_public(site, out="two")
    for folder in FEED_FOLDERS:
        for name in ("feed.xml", "atom.xml", "feed.json"):
            assert (one / folder / name).read_bytes() == (two / folder / name).read_bytes()
    later = build_public(site, now=NOW.replace(hour=12, minute=30), out="three")
    assert (later / "atom.xml").read_bytes() == (one / "atom.xml").read_bytes()
