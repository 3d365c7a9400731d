"""How search engines find the site: ``sitemap.xml`` and ``robots.txt``.

The sitemap lists every HTML page the build writes (the 404 page aside) by
its canonical URL, ``base_url`` plus the page's folder, which is also what
each page's ``<link rel="canonical">`` says. An incident's or maintenance's
``lastmod`` is its last published update; the home page's is the latest
update on the site. Canonical and sitemap URLs are only absolute when
``base_url`` is, so a public site should set it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..config import SiteConfig
from ..derive import State
from ..model import Site
from . import Area, Output, RenderContext
from .items import absolute_url, page_updated_at, published_items
from .views import day_of, item_uri
from .xml_text import escape

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def render_discovery(context: RenderContext) -> Iterator[Output]:
    config = context.config
    yield Output(
        Area.PUBLIC, "sitemap.xml", sitemap(config, context.site, context.state).encode("utf-8")
    )
    lines = ["User-agent: *", "Allow: /", f"Sitemap: {absolute_url(config, 'sitemap.xml')}"]
    yield Output(Area.PUBLIC, "robots.txt", ("\n".join(lines) + "\n").encode("utf-8"))


def page_uris(config: SiteConfig, site: Site, state: State) -> Iterator[str]:
    """The folder of every HTML page the build writes, in a stable order."""
    yield ""
    for incident in state.incidents:
        yield item_uri(incident)
    for component in config.components:
        yield f"components/{component.id}/"
    yield "history/"
    months = set()
    for incident in state.incidents:
        if incident.started_at > state.now and not incident.is_maintenance:
            continue
        day = day_of(incident.started_at, config)
        months.add((day.year, day.month))
    for year, month in sorted(months, reverse=True):
        yield f"history/{year:04d}/{month:02d}/"
    for page in site.pages:
        yield f"pages/{page.name}/"
    for book in site.runbooks:
        if book.public:
            yield f"runbooks/{book.id}/"
    if config.metrics.public:
        yield "metrics/"


def sitemap(config: SiteConfig, site: Site, state: State) -> str:
    items = published_items(config, state)
    zone = config.timezone
    lastmod = {
        item.url: item.updated_at.astimezone(zone).isoformat(timespec="seconds") for item in items
    }
    home = page_updated_at(items)
    if home is not None:
        lastmod[absolute_url(config)] = home.astimezone(zone).isoformat(timespec="seconds")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for uri in page_uris(config, site, state):
        url = absolute_url(config, uri)
        modified = lastmod.get(url)
        tail = f"<lastmod>{modified}</lastmod>" if modified else ""
        lines.append(f"<url><loc>{escape(url)}</loc>{tail}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
