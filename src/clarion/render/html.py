"""The status pages: index, one page per incident, maintenance and component,
the monthly history, extra pages and the 404 page.

In fragment mode (``HtmlRenderer(..., fragment=True)``, used by the MkDocs
plugin) each page is rendered for another site's theme to wrap: the same
templates, but ``base.html.j2`` resolves to ``fragment.html.j2``, which turns a
page into a Markdown document (front matter with its title, then its ``main``
block as HTML) at the page's usual path. The 404 page and the stand-alone
stylesheet are left out; ``assets/clarion-fragment.css`` styles the fragments.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

from markupsafe import Markup

from .. import __version__
from ..config import SiteConfig
from ..derive import State
from ..documents import Page, Runbook
from ..model import Incident, Site
from ..output.cache import BuildCache, fingerprint_files, render_key
from . import THEME_DIR, Area, Output
from .component_pages import ComponentPages
from .history import history_page, history_pages
from .item_pages import item_pages
from .markdown import MarkdownRenderer
from .reuse import previous_output
from .templates import FragmentLoader as _FragmentLoader
from .templates import make_environment, render_template
from .views import (
    ComponentView,
    GroupView,
    ItemView,
    day_of,
    day_summary,
    history_anchor,
    settled,
)

HISTORY_DAYS_ON_INDEX = 14
#: At most this many past items on the front page (the newest); the days of
#: the rest link to the history, so the page's size does not grow with the
#: incident rate.
MAX_RECENT_ON_INDEX = 20
#: The stylesheet of fragment mode (its wrapper: :data:`.templates.FRAGMENT_BASE`).
FRAGMENT_CSS = "assets/clarion-fragment.css"
STATIC_SUFFIXES = {
    ".css",
    ".svg",
    ".png",
    ".ico",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".txt",
    ".woff2",
    ".js",
}


class StateOnUse:
    """The public state as templates see it, derived when a template first
    reads it: the private metrics page shows it only on a demo site, and the
    process that renders the private files then never derives it."""

    def __init__(self, derive: Callable[[], State]) -> None:
        self._derive = derive

    def __getattr__(self, name: str) -> object:
        return getattr(self._derive(), name)


class HtmlRenderer:
    """Renders every HTML page of the public site from one environment."""

    def __init__(
        self,
        config: SiteConfig,
        site: Site,
        state: State | Callable[[], State],
        markdown: MarkdownRenderer,
        cache: BuildCache | None = None,
        *,
        fragment: bool = False,
        workers: int = 1,
    ):
        """``state``: the public state, or what derives it on first use (the
        templates then see a :class:`StateOnUse`)."""
        self.config = config
        self.workers = workers
        self.cache = cache
        self.site = site
        if callable(state):
            self._derive_state = state
            shown: State | StateOnUse = StateOnUse(lambda: self.state)
        else:
            self.__dict__["state"] = shown = state
        self.markdown = markdown
        self.fragment = fragment
        self.env = make_environment(config.templates_dir, config.timezone)
        if fragment:
            assert self.env.loader is not None
            self.env.loader = _FragmentLoader(self.env.loader)
        self.env.filters["markdown"] = lambda text: Markup(markdown.html(text))
        self._item_keys: dict[str, str] = {}  # slug -> render key of its page
        self.static_files = _site_static_files(config)
        self.env.globals.update(
            site=config,
            state=shown,
            static_files=self.static_files,
            logo=_first(self.static_files, ("logo.svg", "logo.png")),
            favicon=_first(self.static_files, ("favicon.svg", "favicon.ico", "favicon.png")),
            extra_css=[name for name in self.static_files if name.endswith(".css")],
            extra_pages=site.pages,
            item_view=lambda incident: self.items[incident.slug],
            history_anchor=lambda incident: history_anchor(incident, config),
            day_text=day_summary,
            self_contained=False,
        )

    @cached_property
    def state(self) -> State:
        """The public state at ``now``."""
        return self._derive_state()

    @cached_property
    def items(self) -> Mapping[str, ItemView]:
        """Every item's view by slug, each made when first looked up (an
        edit's build shows few: its pages, the front page's, the feeds')."""
        return _Views(self.state, self.config)

    @cached_property
    def fingerprint(self) -> str:
        """Everything every page depends on: templates, settings, extra pages,
        static file names, and ``now`` where the pages show it (demo sites)."""
        templates = [p for p in THEME_DIR.rglob("*") if p.is_file()]
        if self.config.templates_dir.is_dir():
            templates += [p for p in self.config.templates_dir.rglob("*") if p.is_file()]
        return render_key(
            __version__,
            fingerprint_files(templates),
            self.config.digest,
            [(p.name, p.title, p.body) for p in self.site.pages],
            [(b.id, b.title, b.sections) for b in self.site.runbooks if b.public],
            sorted(self.static_files),
            self.state.now if self.config.fictional else "",
        )

    @cached_property
    def own_templates(self) -> bool:
        """Whether the site overrides a template (it may then show anything
        of the state, which no render key holds: the front page and the
        history's index are rendered on every build, as they always were)."""
        folder = self.config.templates_dir
        return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))

    def render_cached(
        self,
        key: str,
        template: str,
        path: str,
        *,
        root: str | None = None,
        later: Callable[[], dict[str, object]] | None = None,
        **context: object,
    ) -> Output:
        """Reuse the previous build's page when its render key is unchanged
        (by reference to its file, :func:`~clarion.render.reuse.previous_output`;
        an empty key: always rendered); ``later``: more of the context, worked
        out only to render the page."""
        reused = previous_output(self.cache, Area.PUBLIC, path, key) if key else None
        if reused is not None:
            return reused
        if later is not None:
            context.update(later())
        output = self.render(template, path, root=root, **context)
        return Output(output.area, output.path, output.data, key or None)

    def item_key(self, view: ItemView) -> str:
        """The render key of an item's page (also part of its month's key)."""
        key = self._item_keys.get(view.incident.slug)
        return key if key is not None else self.item_keys([view.incident])[0]

    def item_keys(self, incidents: Iterable[Incident]) -> list[str]:
        """The :meth:`item_key` of each of ``incidents``, computed once per
        item: ``render_key(fingerprint, digest, now or "")``, hashed in one
        step (every item's key is needed on every build)."""
        known, fingerprint, now = self._item_keys, self.fingerprint, self.state.now
        keys = []
        for incident in incidents:
            key = known.get(incident.slug)
            if key is None:
                shown = "" if settled(incident, now) else now
                text = f"{fingerprint}\0{incident.digest}\0{shown}\0"
                key = known[incident.slug] = hashlib.sha256(text.encode()).hexdigest()[:32]
            keys.append(key)
        return keys

    def render(
        self, template: str, path: str, *, root: str | None = None, **context: object
    ) -> Output:
        """Render ``template`` to ``path``; links are relative to ``root``."""
        if root is None:
            root = "../" * path.count("/")
        canonical = self.config.base_url + (
            path[: -len("index.html")] if path.endswith("index.html") else path
        )
        html = render_template(
            self.env,
            template,
            self.config.root,
            self.config.templates_dir,
            root=root,
            path=path,
            canonical=canonical,
            **context,
        )
        return Output(Area.PUBLIC, path, html.encode("utf-8"))

    def outputs(self) -> Iterator[Output]:
        yield self.index()
        yield from self.item_pages()
        for group in self.groups():
            for component in group.components:
                yield self.component_page(component)
        yield from self.history()
        for page in self.site.pages:
            yield self.extra_page(page)
        for book in self.site.runbooks:
            if book.public:
                yield self.runbook_page(book)
        if not self.fragment:
            yield self.not_found()
        yield from self.assets()

    def extra_page(self, page: Page) -> Output:
        return self.render(
            "page.html.j2", f"pages/{page.name}/index.html", page=page, title=page.title
        )

    def runbook_page(self, book: Runbook) -> Output:
        return self.render(
            "runbook.html.j2", f"runbooks/{book.id}/index.html", runbook=book, title=book.title
        )

    def page(self, path: str) -> Output | None:
        """The page at ``path`` alone, the same as :meth:`outputs` makes it
        (``clarion serve`` renders the page a browser shows first); ``None``
        when ``path`` is none of its pages (a file, or a page the site no
        longer has)."""
        if path == "index.html":
            return self.index()
        folder, _, slug = path.removesuffix("/index.html").partition("/")
        view = self.items.get(slug) if folder in ("incidents", "maintenance") else None
        if view is not None and view.uri + "index.html" == path:
            return Output(Area.PUBLIC, path, self.render_item(view), self.item_key(view))
        for group in self.groups():
            for component in group.components:
                if component.uri + "index.html" == path:
                    return self.component_page(component)
        if path.startswith("history/"):
            return history_page(self, path)
        for extra in self.site.pages:
            if path == f"pages/{extra.name}/index.html":
                return self.extra_page(extra)
        for book in self.site.runbooks:
            if book.public and path == f"runbooks/{book.id}/index.html":
                return self.runbook_page(book)
        if path == "404.html" and not self.fragment:
            return self.not_found()
        return None

    def render_item(self, view: ItemView) -> bytes:
        return self.render(
            "incident.html.j2", view.uri + "index.html", item=view, title=view.title
        ).data

    def item_pages(self) -> Iterator[Output]:
        """One page per incident and maintenance (:mod:`.item_pages`)."""
        return item_pages(self)

    def groups(self) -> list[GroupView]:
        by_group: dict[str | None, list[ComponentView]] = defaultdict(list)
        for component in self.config.components:
            by_group[component.group].append(
                ComponentView(
                    component,
                    self.state.component_status[component.id],
                    self.state.uptime[component.id],
                )
            )
        groups = [
            GroupView(g, tuple(by_group[g.id])) for g in self.config.groups if by_group.get(g.id)
        ]
        if by_group.get(None):
            groups.insert(0, GroupView(None, tuple(by_group[None])))
        return groups

    def index(self) -> Output:
        """The front page, reused when its render key is unchanged: the overall
        status, each component's status and uptime bars, and the render keys
        of the items it shows (an edit to an older item leaves it as it was)."""
        today = day_of(self.state.now, self.config)
        days = [today - timedelta(days=n) for n in range(HISTORY_DAYS_ON_INDEX)]
        by_day = self._items_by_day(days[-1])
        recent, more_on_day, budget = [], {}, MAX_RECENT_ON_INDEX
        for day in days:
            items = by_day.get(day, [])
            recent.append((day, items[:budget]))
            if len(items) > budget:
                more_on_day[day] = (
                    len(items) - budget,
                    f"history/{day:%Y/%m}/#d-{day.isoformat()}",
                )
            budget = max(0, budget - len(items))
        groups = self.groups()
        active, active_maintenance, upcoming = (
            [self.items[i.slug] for i in incidents]
            for incidents in (
                self.state.active_incidents,
                self.state.active_maintenance,
                self.state.upcoming_maintenance,
            )
        )
        overall = self.state.overall
        key = render_key(
            self.fingerprint,
            "index",
            overall.indicator,
            overall.description,
            [
                (c.id, self.component_pages.uptime_key(c))
                for group in groups
                for c in group.components
            ],
            [[self.item_key(view) for view in views] for views in (active, active_maintenance)],
            [self.item_key(view) for view in upcoming],
            [(day, [self.item_key(view) for view in views]) for day, views in recent],
            sorted(more_on_day.items()),
        )
        return self.render_cached(
            "" if self.own_templates else key,
            "index.html.j2",
            "index.html",
            title=self.config.title,
            groups=groups,
            recent_days=recent,
            more_on_day=more_on_day,
            active=active,
            active_maintenance=active_maintenance,
            upcoming_maintenance=upcoming,
        )

    def _items_by_day(self, since: date) -> dict[date, list[ItemView]]:
        by_day: dict[date, list[ItemView]] = defaultdict(list)
        for incident in reversed(self.state.incidents):
            if incident.started_at > self.state.now:
                continue
            day = day_of(incident.started_at, self.config)
            if day < since:
                break
            by_day[day].append(self.items[incident.slug])
        return by_day

    def component_page(self, component: ComponentView) -> Output:
        return self.component_pages.page(component)

    @cached_property
    def component_pages(self) -> ComponentPages:
        return ComponentPages(self)

    def history(self) -> Iterator[Output]:
        return history_pages(self)

    def not_found(self) -> Output:
        # The 404 page is served at any depth and, on project pages, under a
        # path the site cannot know: it inlines its styles and links to the
        # site's absolute address.
        sheets = [THEME_DIR / "static" / "clarion.css"]
        sheets += [self.static_files[name] for name in self.static_files if name.endswith(".css")]
        css = [sheet.read_text(encoding="utf-8") for sheet in sheets]
        return self.render(
            "404.html.j2",
            "404.html",
            root=self.config.base_url,
            title="Page not found",
            self_contained=True,
            inline_css=Markup("\n".join(css).replace("</", "<\\/")),
        )

    def assets(self) -> Iterator[Output]:
        if self.fragment:
            yield Output(Area.PUBLIC, FRAGMENT_CSS, (THEME_DIR / "fragment.css").read_bytes())
        else:
            static = THEME_DIR / "static"
            for path in sorted(static.iterdir()):
                if path.is_file():
                    yield Output(Area.PUBLIC, f"assets/{path.name}", path.read_bytes())
        for name, path in self.static_files.items():
            yield Output(Area.PUBLIC, f"static/{name}", path.read_bytes())


def _site_static_files(config: SiteConfig) -> dict[str, Path]:
    folder = config.source_dir / "static"
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _first(files: dict[str, Path], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in files:
            return name
    return None


class _Views(Mapping[str, ItemView]):
    """The view of every item of ``state``, by slug, each made when first
    looked up and then kept."""

    def __init__(self, state: State, config: SiteConfig) -> None:
        self._state, self._config = state, config
        self._incidents = {incident.slug: incident for incident in state.incidents}
        self._made: dict[str, ItemView] = {}

    def __getitem__(self, slug: str) -> ItemView:
        view = self._made.get(slug)
        if view is None:
            view = self._made[slug] = ItemView(self._incidents[slug], self._state, self._config)
        return view

    def __contains__(self, slug: object) -> bool:
        return slug in self._incidents

    def __iter__(self) -> Iterator[str]:
        return iter(self._incidents)

    def __len__(self) -> int:
        return len(self._incidents)
