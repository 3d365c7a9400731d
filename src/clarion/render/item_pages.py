"""The page of each incident and maintenance, most of them reused.

At an edit, nearly every item's page is the previous build's: its render key
(:meth:`HtmlRenderer.item_key <clarion.render.html.HtmlRenderer.item_key>`)
is unchanged and its file is still there with its size. With the on-disk
cache those pages are one output, :class:`~clarion.render.Carried`, which
the writer takes over in one step: no output per page, no bytes read. The
rest are reused from another cache (``clarion serve`` keeps pages in memory)
or rendered, over worker processes for large sites.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..core.parallel import fork_imap, in_worker
from . import Area, Carried, Output
from .reuse import previous_output
from .templates import load_template
from .views import item_uri

if TYPE_CHECKING:
    from .html import HtmlRenderer


def item_pages(renderer: HtmlRenderer) -> Iterator[Output]:
    """One page per incident and maintenance: first the pages carried over
    as they are (one output), then the others in order, each reused where
    the render key is unchanged or rendered and yielded as it comes: no more
    than a few rendered pages are held at once."""
    incidents = renderer.state.incidents
    paths = [item_uri(incident) + "index.html" for incident in incidents]
    keys = renderer.item_keys(incidents)
    cache = renderer.cache
    folder, carried = (
        cache.previous_files(Area.PUBLIC.value, zip(paths, keys, strict=True))
        if cache is not None
        else ("", {})
    )
    if carried:
        yield Output(Area.PUBLIC, "", b"", carried=Carried(folder, carried))
    pages: list[tuple[str, str, Output | None]] = []  # None: rendered below
    missing = []
    for incident, path, key in zip(incidents, paths, keys, strict=True):
        if path not in carried:
            page = previous_output(cache, Area.PUBLIC, path, key)
            if page is None:
                missing.append(incident.slug)
            pages.append((path, key, page))
    del paths, keys, carried
    rendered: Iterator[tuple[bytes, dict[str, str]]] = iter(())
    if missing:
        # compile once, before any fork (a syntax error is reported here)
        config = renderer.config
        load_template(renderer.env, "incident.html.j2", config.root, config.templates_dir)
        rendered = fork_imap(_render_items, renderer, missing, renderer.workers)
    for index, (path, key, page) in enumerate(pages):
        pages[index] = (path, key, None)
        if page is None:
            data, converted = next(rendered)
            page = Output(Area.PUBLIC, path, data, key)
            renderer.markdown.converted.update(converted)  # kept for the next build
        yield page


def _render_items(
    renderer: HtmlRenderer, slugs: Sequence[str]
) -> list[tuple[bytes, dict[str, str]]]:
    """Each page, with the Markdown conversions it made (for the build cache)."""
    markdown = renderer.markdown
    pages = []
    start = len(markdown.order)
    for slug in slugs:
        before = len(markdown.order)
        data = renderer.render_item(renderer.items[slug])
        made = markdown.order[before:] if renderer.cache is not None else ()
        pages.append((data, {name: markdown.converted[name] for name in made}))
    if in_worker():  # sent to the build with the pages: a worker need not keep them
        markdown.forget_since(start)
    return pages
