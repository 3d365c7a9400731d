"""The writers of a build, in order: each turns a :class:`RenderContext` into
outputs and none touches the disk.

Kept apart from :mod:`clarion.build` so that a build whose inputs are
unchanged (it renders nothing) never imports the renderers and their
libraries (Jinja2, Python-Markdown, feedgen, icalendar, nh3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import Output, RenderContext
from .api import render_api
from .badges import render_badges
from .discovery import render_discovery
from .feeds import render_feeds
from .html import HtmlRenderer
from .ical import render_calendar

Writer = Callable[[RenderContext], Iterable[Output]]

# The private writers' modules (the deadline report, the metrics page, the
# email drafts, with what derives the private state and icalendar) are
# imported when one first runs: with workers, in the process that renders the
# private files, once it is forked. The main process, which renders the
# pages, never imports them (about 75 ms at every build).


def render_deadlines(context: RenderContext) -> Iterable[Output]:
    """The deadline report's files: :func:`clarion.render.report.render_deadlines`."""
    from .report import render_deadlines as render

    return render(context)


def render_metrics(context: RenderContext) -> Iterable[Output]:
    """The metrics page: :func:`clarion.render.metrics.render_metrics`."""
    from .metrics import render_metrics as render

    return render(context)


def render_emails(context: RenderContext) -> Iterable[Output]:
    """The email drafts and their index: :func:`clarion.render.email.render_emails`."""
    from .email import render_emails as render

    return render(context)


def html_pages(context: RenderContext) -> Iterable[Output]:
    return HtmlRenderer(
        context.config,
        context.site,
        context.state,
        context.markdown,
        context.cache,
        workers=context.workers,
    ).outputs()


#: The writers of a build, in order.
WRITERS: tuple[Writer, ...] = (
    html_pages,
    render_feeds,
    render_calendar,
    render_api,
    render_badges,
    render_discovery,
    render_deadlines,  # private: deadlines.html, .json, .ics
    render_metrics,  # metrics/index.html: private, or public when [metrics] public = true
    render_emails,  # private: comms/<slug>/<name>.eml drafts, comms/index.html
)

#: Writers that make only private files and take a while on large sites: with
#: workers, they run in a forked process while the public pages render.
BACKGROUND_WRITERS = frozenset({render_deadlines, render_metrics, render_emails})
