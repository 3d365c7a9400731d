"""How search engines find the site: ``sitemap.xml`` and ``robots.txt``.

The sitemap lists every HTML page the build writes (the 404 page aside) by
its canonical URL, ``base_url`` plus the page's folder, which is also what
each page's ``<link rel="canonical">`` says. An incident's or maintenance's
``lastmod`` is its last published update; the home page's is the latest
update on the site. Canonical and sitemap URLs are only absolute when
``base_url`` is, so a public site should set it.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator
from datetime import datetime

from .. import __version__
from ..config import SiteConfig
from ..derive import State
from ..model import Site
from ..output.cache import render_key
from . import Area, Output, RenderContext
from .items import absolute_url, published
from .reuse import previous_output
from .views import item_uri
from .xml_text import escape

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def render_discovery(context: RenderContext) -> Iterator[Output]:
    config = context.config
    key = sitemap_key(config, context.site, context.state)
    reused = previous_output(context.cache, Area.PUBLIC, "sitemap.xml", key)
    if reused is not None:
        yield reused
    else:
        data = sitemap(config, context.site, context.state).encode("utf-8")
        yield Output(Area.PUBLIC, "sitemap.xml", data, key)
    lines = ["User-agent: *", "Allow: /", f"Sitemap: {absolute_url(config, 'sitemap.xml')}"]
    yield Output(Area.PUBLIC, "robots.txt", ("\n".join(lines) + "\n").encode("utf-8"))


def page_uris(config: SiteConfig, site: Site, state: State) -> Iterator[str]:
    """The folder of every HTML page the build writes, in a stable order."""
    yield ""
    for incident in state.incidents:
        yield item_uri(incident)
    yield from _other_uris(config, site, state)


def _other_uris(config: SiteConfig, site: Site, state: State) -> Iterator[str]:
    """The pages after the home page and the items' pages."""
    for component in config.components:
        yield f"components/{component.id}/"
    yield "history/"
    for year, month in sorted(published(config, state).months, reverse=True):
        yield f"history/{year:04d}/{month:02d}/"
    for page in site.pages:
        yield f"pages/{page.name}/"
    for book in site.runbooks:
        if book.public:
            yield f"runbooks/{book.id}/"
    if config.metrics.public:
        yield "metrics/"


def sitemap_key(config: SiteConfig, site: Site, state: State) -> str:
    """The render key of ``sitemap.xml``: its pages' folders and the time of
    each item's last update (an edit that moves neither keeps the file),
    from the items' slugs, kinds (which slugs are maintenance) and times,
    not from their text."""
    shared = published(config, state)
    slugs = "\0".join(shared.slugs) + "\n" + "\0".join([i.slug for i in shared.maintenance])
    if len(shared.incidents) != len(state.incidents):  # the state's have pages, too
        slugs += "\n" + "\0".join([i.slug for i in state.incidents])
    times = array("d", [moment.timestamp() for moment in shared.updated_times]).tobytes()
    return render_key(
        "sitemap",
        __version__,
        config.digest,
        [page.name for page in site.pages],
        [book.id for book in site.runbooks if book.public],
        config.metrics.public,
        hashlib.sha256(slugs.encode("utf-8") + b"\n" + times).hexdigest(),
        shared.updated_at,
        list(shared.months),
    )


def sitemap(config: SiteConfig, site: Site, state: State) -> str:
    """The pages of :func:`page_uris`; the home page's ``lastmod`` is the
    latest update, an item's its last published update."""
    shared = published(config, state)
    zone = config.timezone
    base = escape(config.base_url)  # (escaping is character by character)
    updated = dict(zip(map(id, shared.incidents), shared.updated_times, strict=True))
    home = shared.updated_at
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    lines.append(_url(base, None if home is None else home.astimezone(zone)))
    for incident in state.incidents:
        moment = updated.get(id(incident))
        loc = base + escape(item_uri(incident))
        lines.append(_url(loc, None if moment is None else moment.astimezone(zone)))
    lines.extend(_url(base + escape(uri), None) for uri in _other_uris(config, site, state))
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _url(loc: str, modified: datetime | None) -> str:
    if modified is None:
        return f"<url><loc>{loc}</loc></url>"
    return f"<url><loc>{loc}</loc><lastmod>{modified.isoformat(timespec='seconds')}</lastmod></url>"
