"""RSS 2.0, Atom and JSON Feed 1.1: one site-wide set, one set per component.

Paths: ``feed.xml`` (RSS), ``atom.xml`` (Atom), ``feed.json`` (JSON Feed), and
the same three names under ``components/<id>/``.

One entry per published incident or maintenance, newest first by the time of
its last update, at most ``[feeds] entries`` (default 50). An entry's id (RSS
``guid``) is the canonical URL of its page and never changes; its ``updated``
time is its last update, so it moves when an update is added. The summary is
the latest update (stage, then text); the content is the whole timeline as
sanitised HTML, newest update first.

Untrusted text stays text: RSS titles and descriptions are HTML-escaped (RSS
readers render them as HTML), Atom titles and summaries are ``type="text"``,
JSON Feed titles and summaries are plain text by definition; the content is
HTML cleaned by the pages' sanitiser (:mod:`clarion.render.markdown`).

This is the only module that imports feedgen. feedgen stamps feeds and
entries with the wall clock and prepends entries by default, so every date is
set here from the content and entries are appended in sorted order.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedgen.version import version_str as _feedgen_version  # type: ignore[import-untyped]

from .. import __version__
from ..config import Component, SiteConfig
from ..output.cache import BuildCache, render_key
from . import Area, Output, RenderContext
from .items import Published, PublishedItem, absolute_url, dump_json, plain_text, published
from .markdown import MarkdownRenderer
from .reuse import previous_output

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_FEEDGEN_VERSION = str(_feedgen_version)  # its XML is part of each feed's render key
#: The ``updated`` time of a feed that has no entry (Atom requires one).
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
_TIME_FORMAT = "%d %b %Y, %H:%M %Z"


@dataclass(frozen=True)
class FeedSpec:
    """One set of feeds: its folder inside the site, its title and its page."""

    folder: str  # "" for the site, "components/<id>/" for a component
    title: str
    description: str
    page_url: str


def render_feeds(context: RenderContext) -> Iterator[Output]:
    """The site-wide feeds and the feeds of every component. Only the items
    the feeds list are looked at beyond their last update's time."""
    config = context.config
    shared = published(config, context.state)
    renderer = _EntryRenderer(config, context.markdown)
    site = FeedSpec(
        folder="",
        title=config.title,
        description=config.description
        or f"Incidents and scheduled maintenance from {config.title}.",
        page_url=absolute_url(config),
    )
    limit = config.feed_entries
    cache = context.cache
    newest = [shared.item(incident) for incident in shared.newest_first[:limit]]
    yield from _feed_set(site, newest, renderer, cache)
    by_component = _newest_by_component(shared, [c.id for c in config.components], limit)
    for component in config.components:
        spec = _component_spec(config, component)
        yield from _feed_set(spec, by_component[component.id], renderer, cache)


def _newest_by_component(
    shared: Published, ids: list[str], limit: int
) -> dict[str, list[PublishedItem]]:
    """The ``limit`` newest items of each component, newest first: the items
    are walked newest first until every component has its ``limit``."""
    chosen: dict[str, list[PublishedItem]] = {cid: [] for cid in ids}
    wanted = set(ids) if limit > 0 else set()
    for incident in shared.newest_first:
        if not wanted:
            break
        item = shared.item(incident)
        for cid in item.component_ids:
            if cid in wanted:
                chosen[cid].append(item)
                if len(chosen[cid]) == limit:
                    wanted.discard(cid)
    return chosen


def _component_spec(config: SiteConfig, component: Component) -> FeedSpec:
    uri = f"components/{component.id}/"
    return FeedSpec(
        folder=uri,
        title=f"{component.name} · {config.title}",
        description=(
            f"Incidents and scheduled maintenance affecting {component.name} on {config.title}."
        ),
        page_url=absolute_url(config, uri),
    )


class _EntryRenderer:
    """Entry text, rendered once per item and shared by every feed it is in."""

    def __init__(self, config: SiteConfig, markdown: MarkdownRenderer):
        self.config = config
        self.markdown = markdown
        self._content: dict[str, str] = {}
        self._summary: dict[str, str] = {}

    def names(self, item: PublishedItem) -> list[str]:
        return [self.config.component(cid).name for cid in item.component_ids]

    def summary(self, item: PublishedItem) -> str:
        """Plain text: the latest update first (its stage, then its words)."""
        cached = self._summary.get(item.slug)
        if cached is None:
            latest = item.latest
            if latest is None:
                cached = self._lead(item)
            else:
                text = plain_text(self.markdown, latest.body)
                cached = f"{latest.stage.label}: {text}" if text else latest.stage.label
            self._summary[item.slug] = cached
        return cached

    def content(self, item: PublishedItem) -> str:
        """Sanitised HTML: what is affected, the summary, every update newest first."""
        cached = self._content.get(item.slug)
        if cached is None:
            zone = self.config.timezone
            parts = [f"<p>{html.escape(self._lead(item))}</p>"]
            if item.incident.summary:
                parts.append(self.markdown.html(item.incident.summary))
            for update in reversed(item.updates):
                when = update.at.astimezone(zone)
                parts.append(
                    f'<h3>{html.escape(update.stage.label)} · <time datetime="{when.isoformat()}">'
                    f"{html.escape(when.strftime(_TIME_FORMAT))}</time></h3>"
                )
                if update.body:
                    parts.append(self.markdown.html(update.body))
            cached = "\n".join(parts)
            self._content[item.slug] = cached
        return cached

    def _lead(self, item: PublishedItem) -> str:
        names = ", ".join(self.names(item)) or "no listed component"
        if item.is_maintenance:
            window = item.incident.window
            assert window is not None
            zone = self.config.timezone
            start = window.start.astimezone(zone).strftime(_TIME_FORMAT)
            end = window.end.astimezone(zone).strftime(_TIME_FORMAT)
            return f"Scheduled maintenance from {start} to {end}. Affects {names}."
        return f"Affects {names}."


def _feed_set(
    spec: FeedSpec,
    items: Sequence[PublishedItem],
    renderer: _EntryRenderer,
    cache: BuildCache | None = None,
) -> Iterator[Output]:
    """The three feeds of ``spec``; each reused from the previous build when
    its render key (the site's settings, the converter's, and each entry's
    source and visible updates) is unchanged, as most component feeds are
    after an edit."""
    base = renderer.config.base_url + spec.folder
    updated = max((i.updated_at for i in items), default=EMPTY_FEED_UPDATED)
    key = _feed_key(spec, items, renderer, updated)
    for kind, name in (("rss", "feed.xml"), ("atom", "atom.xml"), ("json", "feed.json")):
        path = spec.folder + name
        reused = previous_output(cache, Area.PUBLIC, path, key)
        if reused is not None:
            yield reused
        elif kind == "json":
            yield Output(Area.PUBLIC, path, _json_feed(spec, items, renderer, base + name), key)
        else:
            feed = _generator(spec, items, renderer, base + name, updated, rss=kind == "rss")
            data = feed.rss_str(pretty=True) if kind == "rss" else feed.atom_str(pretty=True)
            yield Output(Area.PUBLIC, path, data, key)


def _feed_key(
    spec: FeedSpec, items: Sequence[PublishedItem], renderer: _EntryRenderer, updated: datetime
) -> str:
    return render_key(
        "feeds",
        __version__,
        _FEEDGEN_VERSION,
        renderer.config.digest,
        renderer.markdown.settings,
        spec,
        updated.isoformat(),
        [(i.slug, i.incident.digest, len(i.updates), i.component_ids) for i in items],
    )


def _generator(
    spec: FeedSpec,
    items: Sequence[PublishedItem],
    renderer: _EntryRenderer,
    self_url: str,
    updated: datetime,
    *,
    rss: bool,
) -> Any:  # a feedgen.feed.FeedGenerator (the library has no types)
    # RSS readers read titles and descriptions as HTML: text is escaped for
    # HTML once more, so that a reader shows it as written. Atom marks text
    # as text (type="text") and HTML as HTML (type="html").
    # (imported here: an edit whose feeds are reused does not load feedgen's
    # XML libraries, lxml and dateutil)
    from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

    text = html.escape if rss else _same
    feed = FeedGenerator()
    feed.id(spec.page_url)
    feed.title(text(spec.title))
    feed.description(text(spec.description))
    feed.link(href=self_url, rel="self")
    feed.link(href=spec.page_url, rel="alternate")  # the last link is RSS's <link>
    feed.language("en")
    feed.generator("Clarion")
    feed.updated(updated)  # also rss lastBuildDate; never the wall clock
    for item in items:
        entry = feed.add_entry(order="append")
        entry.id(item.url)
        entry.guid(item.url, permalink=True)
        entry.title(text(item.incident.title))
        entry.link(href=item.url, rel="alternate")
        entry.published(item.published_at)
        entry.updated(item.updated_at)
        if rss:
            entry.summary(html.escape(renderer.summary(item)), type="html")
        else:
            entry.summary(renderer.summary(item))
        entry.content(renderer.content(item), type="html")
        for cid, name in zip(item.component_ids, renderer.names(item), strict=False):
            entry.category(term=cid, label=name)
    return feed


def _same(text: str) -> str:
    return text


def _json_feed(
    spec: FeedSpec, items: Sequence[PublishedItem], renderer: _EntryRenderer, feed_url: str
) -> bytes:
    zone = renderer.config.timezone
    return dump_json(
        {
            "version": JSON_FEED_VERSION,
            "title": spec.title,
            "home_page_url": spec.page_url,
            "feed_url": feed_url,
            "description": spec.description,
            "language": "en",
            "authors": [{"name": renderer.config.title, "url": renderer.config.base_url}],
            "items": [
                {
                    "id": item.url,
                    "url": item.url,
                    "title": item.incident.title,
                    "summary": renderer.summary(item),
                    "content_html": renderer.content(item),
                    "date_published": item.published_at.astimezone(zone).isoformat(),
                    "date_modified": item.updated_at.astimezone(zone).isoformat(),
                    "tags": renderer.names(item),
                }
                for item in items
            ],
        }
    )
