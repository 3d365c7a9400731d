"""``clarion serve``'s builds: the public site rendered into memory.

The same ``prepare``/``render_all`` steps as ``clarion build``, minus the
writers that only make private files, into ``{path: bytes}``; a memory cache
keeps parsed sources, pages and Markdown conversions between rebuilds. After
an edit to one update file, :func:`render_first` renders the pages the
browsers show before the rest of the site (:func:`render_in_memory`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import SiteConfig
from ..load import Sources


def memory_cache_class() -> type | None:
    """A :class:`clarion.output.cache.BuildCache` that lives in memory between
    rebuilds: parsed sources are reused when a file's bytes are unchanged, and
    a page whose render key is unchanged is taken from the previous build."""
    try:
        from ..output.cache import BuildCache
    except ImportError:  # pragma: no cover - the cache ships with Clarion
        return None

    @dataclass
    class MemoryCache(BuildCache):
        pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
        #: Markdown conversions of earlier rebuilds (converter settings, text digest -> HTML)
        conversions: tuple[str, dict[str, str]] = ("", {})

        def markdown_html(self, settings: str) -> dict[str, str]:
            return dict(self.conversions[1]) if self.conversions[0] == settings else {}

        def previous_page(self, area: str, path: str, key: str) -> bytes | None:
            entry = self.pages.get(path) if area == "public" else None
            return entry[1] if entry is not None and entry[0] == key else None

        def save(self, *args: object, **kwargs: object) -> None:
            return  # nothing on disk: serve never touches the site's folders

    return MemoryCache


def public_writers(config: SiteConfig | None = None) -> tuple[Any, ...]:
    """The build's writers minus those that only make private files (the
    deadline report, the email drafts, and the metrics page unless
    ``config`` makes it public): serve shows the public site, so it skips
    their cost."""
    from ..render.writers import WRITERS, render_deadlines, render_emails, render_metrics

    private = {render_deadlines, render_emails}
    if config is not None and not config.metrics.public:
        private.add(render_metrics)
    return tuple(w for w in WRITERS if w not in private)


def build_in_memory(
    config: SiteConfig, now: datetime, cache: Any = None, sources: Sources | None = None
) -> tuple[dict[str, bytes], Any]:
    """Load, derive and render the public site into ``{path: bytes}``.

    Returns the files and the render context (site and state). With a memory
    ``cache`` only changed sources are parsed and only changed pages rendered;
    ``sources``: the site already loaded."""
    from ..build import prepare

    context = prepare(config, now, cache, sources=sources)
    return render_in_memory(context), context


def render_in_memory(context: Any) -> dict[str, bytes]:
    """Every public file of a prepared site (``clarion.build.prepare``); the
    pages and Markdown conversions are kept in its memory cache, if any."""
    from ..build import render_all
    from ..render import Area

    files: dict[str, bytes] = {}
    pages: dict[str, tuple[str, bytes]] = {}
    for output in render_all(context, public_writers(context.config)):
        if output.area is Area.PUBLIC:
            files[output.path] = data = output.whole()
            if output.key is not None:
                pages[output.path] = (output.key, data)
    cache = context.cache
    if cache is not None:
        cache.pages = pages
        cache.conversions = (context.markdown.settings, _conversions(context))
    return files


def render_first(context: Any, paths: Iterable[str]) -> dict[str, bytes]:
    """The HTML pages at ``paths`` alone, as :func:`render_in_memory` makes
    them; a path that is no page of the site (any more) is left out."""
    from ..render.html import HtmlRenderer

    renderer = HtmlRenderer(
        context.config, context.site, context.state, context.markdown, context.cache
    )
    pages: dict[str, bytes] = {}
    for path in paths:
        output = renderer.page(path)
        if output is not None:
            pages[path] = output.whole()
    return pages


def _conversions(context: Any) -> dict[str, str]:
    """The Markdown conversions to keep for the next rebuild: all so far, or,
    once they are many more than the site's texts, those the site still has."""
    from ..render.markdown import text_digest

    markdown = context.markdown
    kept = {**markdown.stored, **markdown.converted}
    incidents = context.site.incidents
    if len(kept) > 2 * sum(1 + len(i.updates) for i in incidents) + 100:
        live = {
            text_digest(text)
            for incident in incidents
            for text in (incident.summary, *(update.body for update in incident.updates))
        }
        kept = {name: html for name, html in kept.items() if name in live}
    return kept
