"""The MkDocs plugin: a Clarion status site inside an MkDocs site, in its theme.

``plugins: [clarion]`` in ``mkdocs.yml``. A thin adapter over the core that
``clarion build`` runs, in the shape of MkDocs' own search plugin:

- ``on_config`` reads ``site_src/site.toml`` (a Clarion error becomes a
  ``PluginError`` with the file and line), picks the clock and adds the
  status pages' stylesheet to ``extra_css``;
- ``on_files`` runs load -> derive -> render and adds every *public* output
  under ``prefix`` with ``File.generated``: the pages as Markdown documents
  whose body is the page's ``main`` block (the HTML renderer's fragment mode),
  so the MkDocs theme wraps them; feeds, calendar, JSON API, badges and the
  site's static files as they are. Private outputs never reach MkDocs. The
  404 page, ``sitemap.xml`` and ``robots.txt`` are the MkDocs site's own;
- ``on_nav`` adds a "Status" section (``nav: false`` leaves the nav alone);
- ``on_page_content`` gives each status page a table of contents from its
  section headings (Markdown does not look inside the HTML block);
- ``on_serve`` watches the status site's folders, so ``mkdocs serve``
  rebuilds and reloads when an update changes.

This module is the only importer of MkDocs.
"""

from __future__ import annotations

import html
import os
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.toc import get_toc

from .config import SiteConfig, load_config
from .errors import ClarionError, ContentError, ContentErrors, SourceLocation
from .load.runbooks import runbooks_dir
from .render import Area, Output, RenderContext
from .render.html import FRAGMENT_CSS, HtmlRenderer

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.pages import Page

    from .render.writers import Writer

log = get_plugin_logger(__name__)


class ClarionPluginConfig(base.Config):  # type: ignore[no-untyped-call]
    #: The status site's root: the folder holding site_src/, updates/ and comms/
    #: (relative to mkdocs.yml).
    source = c.Dir(exists=True, default=".")
    #: Where the status section lives in the MkDocs site.
    prefix = c.Type(str, default="status/")
    #: Add a section with the status page, the history and the extra pages to the nav.
    nav = c.Type(bool, default=True)
    nav_title = c.Type(str, default="Status")
    #: Pretend it is this time (ISO 8601 with a zone): reproducible builds.
    #: Default: the site's pinned ``now`` if it is fictional, else the clock.
    #: YAML reads an unquoted time as a datetime; both are accepted.
    now = c.Optional(c.Type((str, datetime)))


class ClarionPlugin(BasePlugin[ClarionPluginConfig]):  # type: ignore[no-untyped-call]
    """Add a Clarion status site to an MkDocs site."""

    site_config: SiteConfig
    now: datetime
    prefix: str
    extra_pages: tuple[str, ...] = ()
    page_uris: frozenset[str] = frozenset()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.prefix = _normalise_prefix(self.config.prefix)
        self.root = Path(self.config.source)
        self.shown_root = _shown_root(self.root, config.config_file_path)
        try:
            site_config = load_config(self.root)
            from .cli import resolve_now

            now = self.config.now
            self.now = resolve_now(
                site_config,
                now.isoformat() if isinstance(now, datetime) else str(now) if now else None,
            )
        except ClarionError as exc:
            raise PluginError(self._message(exc)) from None
        if config.site_url:
            # Feeds, the calendar and the API link to where the pages are: this site.
            site_config = replace(
                site_config, base_url=config.site_url.rstrip("/") + "/" + self.prefix
            )
        self.site_config = site_config
        stylesheet = self.prefix + FRAGMENT_CSS
        if stylesheet not in config.extra_css:
            config.extra_css.append(stylesheet)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        from .build import prepare, render_all

        try:
            context = prepare(self.site_config, self.now)
            outputs = [o for o in render_all(context, self.writers()) if o.area is Area.PUBLIC]
        except ClarionError as exc:
            raise PluginError(self._message(exc)) from None
        for warning in context.site.warnings:
            log.warning(
                self._relocate(warning).format()
                if isinstance(warning, ContentError)
                else str(warning)
            )
        self.extra_pages = tuple(page.name for page in context.site.pages)
        added = [self._file(output, files, config) for output in outputs]
        for file in added:
            files.append(file)
        self.page_uris = frozenset(f.src_uri for f in added if f.is_documentation_page())
        return files

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        if not self.config.nav:
            return nav
        pages = []
        for uri, title in self.nav_entries():
            file = files.get_file_from_path(self.prefix + uri)
            if file is not None and file.page is not None:
                if title is not None:
                    file.page.title = title
                pages.append(file.page)
        section = Section(self.config.nav_title, pages)  # type: ignore[arg-type]
        for page in pages:
            page.parent = section
        nav.items.append(section)
        nav.pages.extend(pages)
        _link_pages(nav.pages)
        return nav

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.src_uri in self.page_uris:
            page.toc = get_toc(_section_headings(html))
        return html

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        for folder in self.watched_dirs():
            server.watch(str(folder))
        return server

    # -- the adapter ------------------------------------------------------------------

    def writers(self) -> tuple[Writer, ...]:
        """The writers of ``clarion build``, with the pages in fragment mode and
        without sitemap.xml and robots.txt (the MkDocs site has its own)."""
        from .render.discovery import render_discovery
        from .render.writers import WRITERS, html_pages

        return tuple(
            _fragment_pages if w is html_pages else w for w in WRITERS if w is not render_discovery
        )

    def nav_entries(self) -> Iterable[tuple[str, str | None]]:
        yield "index.md", None
        yield "history/index.md", "History"
        for name in self.extra_pages:
            yield f"pages/{name}/index.md", None

    def watched_dirs(self) -> list[Path]:
        """The folders a status page is made from (never the root itself, which
        may hold the MkDocs output folder)."""
        config = self.site_config
        folders = [
            config.source_dir,
            config.updates_dir,
            config.paths.comms,
            config.templates_dir,
            runbooks_dir(config.root),
        ]
        return [folder for folder in dict.fromkeys(folders) if folder.is_dir()]

    def _file(self, output: Output, files: Files, config: MkDocsConfig) -> File:
        uri = self.prefix + output.path
        clash = files.get_file_from_path(uri)
        if clash is not None:
            owner = (
                f"made by {clash.generated_by}"
                if clash.generated_by
                else f"{Path(config.docs_dir).name}/{uri}"
            )
            raise PluginError(
                f"clarion: the status section needs {uri}, but "
                f"the MkDocs site already has it ({owner}); "
                "move that file or give the clarion plugin another 'prefix'"
            )
        inclusion = InclusionLevel.NOT_IN_NAV if uri.endswith(".md") else InclusionLevel.UNDEFINED
        return File.generated(config, uri, content=output.whole(), inclusion=inclusion)

    def _relocate(self, error: ContentError) -> ContentError:
        """A content error with its path as seen from mkdocs.yml."""
        path = error.location.path
        if self.shown_root and not os.path.isabs(path):
            return replace(
                error, location=SourceLocation(f"{self.shown_root}/{path}", error.location.line)
            )
        return error

    def _message(self, exc: ClarionError) -> str:
        if isinstance(exc, ContentErrors):
            count = len(exc.errors)
            head = f"clarion: {count} error{'s' if count != 1 else ''} in the status site"
            return "\n".join([head + ":", *(self._relocate(e).format() for e in exc.errors)])
        return f"clarion: {exc}"


def _fragment_pages(context: RenderContext) -> Iterator[Output]:
    """The HTML writer in fragment mode: each page ``<folder>/index.html``
    becomes the Markdown document ``<folder>/index.md`` that MkDocs renders."""
    renderer = HtmlRenderer(
        context.config, context.site, context.state, context.markdown, fragment=True
    )
    for output in renderer.outputs():
        if output.path.endswith(".html"):
            yield Output(output.area, output.path.removesuffix(".html") + ".md", output.data)
        else:
            yield output


def _normalise_prefix(prefix: str) -> str:
    """``status``, ``/status/`` -> ``status/``; empty: the top of the site."""
    parts = [part for part in prefix.replace("\\", "/").split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise PluginError(
            f"clarion: prefix {prefix!r} must be a folder inside the site, such as 'status/'"
        )
    return "".join(part + "/" for part in parts)


def _shown_root(root: Path, config_file_path: str | None) -> str:
    """The site root relative to mkdocs.yml, for messages (``""``: the same folder)."""
    base_dir = Path(config_file_path).parent if config_file_path else Path.cwd()
    try:
        relative = root.resolve().relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return root.as_posix()
    return "" if relative == "." else relative


_VOID = frozenset(
    {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


class _Headings(HTMLParser):
    """The ``<h2 id=...>`` of a page, with their own text (not that of nested
    elements such as the muted "· past 90 days")."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, Any]] = []
        self.depth = 0  # > 0 inside a heading; 1: its own text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag not in _VOID
        elif tag == "h2" and dict(attrs).get("id"):
            self.found.append({"level": 2, "id": dict(attrs)["id"], "name": "", "children": []})
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth == 1:
            self.found[-1]["name"] += data


def _section_headings(page_html: str) -> list[Any]:
    parser = _Headings()
    parser.feed(page_html)
    return [dict(h, name=html.escape(" ".join(h["name"].split()))) for h in parser.found]


def _link_pages(pages: list[Page]) -> None:
    """Previous and next links along the nav, after pages were added to it."""
    for before, after in zip([None, *pages], [*pages, None], strict=False):
        if before is not None:
            before.next_page = after
        if after is not None:
            after.previous_page = before
