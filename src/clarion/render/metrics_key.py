"""The render key of the private metrics page: everything it shows.

While the key is unchanged, a build reuses the last build's page without
computing a metric (:func:`clarion.render.metrics.render_metrics`).
"""

from __future__ import annotations

import json

from .. import __version__
from ..output.cache import fingerprint_files, render_key
from . import THEME_DIR, RenderContext

#: The templates of the private page (a site that overrides one gets the page
#: rendered every time: its templates may show anything of the site).
PRIVATE_TEMPLATES = (
    "metrics_private.html.j2",
    "metrics_body.html.j2",
    "metrics_review.html.j2",
    "metrics_style.css.j2",
    "demo.html.j2",
)


def private_page_key(context: RenderContext) -> str | None:
    """Everything the private page shows: ``now`` (the window, the open
    incidents, the overdue items), what the metrics and the learning review
    read of every incident (a digest each, kept with the incident's part of
    the deadline report: :attr:`clarion.derive.deadline_report.ReportParts.metrics`),
    the runbooks, the site's settings (with the rulebook's postmortem
    period), Clarion's code and the theme. An edit that changes none (a
    reworded update) reuses the page without computing a metric. ``None``
    (always rendered) without kept parts, and when the site overrides one of
    the page's templates."""
    parts = context.private.deadline_parts
    config = context.config
    if parts is None or context.cache is None:
        return None
    if any((config.templates_dir / name).is_file() for name in PRIVATE_TEMPLATES):
        return None
    theme = [p for p in THEME_DIR.rglob("*") if p.is_file()]
    runbooks = [
        [b.id, b.title, b.trigger, b.severity, b.owner, b.last_updated, b.public, b.source_path]
        for b in context.site.runbooks
    ]
    return render_key(
        __version__,
        "metrics",
        parts.rules,
        config.digest,
        fingerprint_files(theme),
        context.private.now.isoformat(),
        json.dumps(runbooks, default=str, ensure_ascii=False),
        "".join(f"{slug}\0{digest}\0" for slug, digest in parts.metrics.items()),
    )
