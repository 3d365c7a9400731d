"""One build: load -> derive -> render -> write.

``build(config, now=...)`` is what ``clarion build``, ``clarion serve`` and
the MkDocs plugin call. Content errors raise before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .config import SiteConfig
from .derive import State, derive_state
from .load import load_site
from .model import Site
from .render import Area, Output, RenderContext
from .render.html import HtmlRenderer
from .render.markdown import MarkdownRenderer
from .render.report import write_deadlines
from .write import WriteReport, write_outputs

Writer = Callable[[RenderContext], Iterable[Output]]


def _html_pages(context: RenderContext) -> Iterable[Output]:
    return HtmlRenderer(context.config, context.site, context.state, context.markdown).outputs()


#: The writers of a build, in order. Each returns outputs; none touches the disk.
WRITERS: tuple[Writer, ...] = (
    _html_pages,
    write_deadlines,  # private: deadlines.html, .json, .ics
)


@dataclass(frozen=True)
class BuildResult:
    site: Site
    state: State
    report: WriteReport
    public_dir: Path
    private_dir: Path


def prepare(config: SiteConfig, now: datetime) -> RenderContext:
    """Load and derive: everything a writer needs, with no output yet."""
    site = load_site(config)
    state = derive_state(config, site.incidents, now)
    return RenderContext(config=config, site=site, state=state, markdown=MarkdownRenderer())


def render_all(context: RenderContext, writers: Iterable[Writer] = WRITERS) -> Iterator[Output]:
    for writer in writers:
        yield from writer(context)


def build(config: SiteConfig, *, now: datetime, public_dir: Path | None = None) -> BuildResult:
    """Build the public and private folders; raise ``ContentErrors`` on bad input."""
    context = prepare(config, now)
    public = public_dir or config.paths.public
    private = config.paths.private
    report = write_outputs(render_all(context), {Area.PUBLIC: public, Area.PRIVATE: private})
    return BuildResult(site=context.site, state=context.state, report=report, public_dir=public, private_dir=private)
