"""The history: ``history/index.html`` (the months, with how many items
each) and one page per month (its items, newest first, by the day they
started), for :class:`~clarion.render.html.HtmlRenderer`.

Each page is reused from the previous build under a render key: a month's
holds the render keys of its items (their source as published, and ``now``
while an item is open), so an edit to one item renders its month again and
no other; the index's holds the months and their counts. The items are
grouped by month once per build (:attr:`clarion.render.items.Published.months`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from ..model import Incident
from ..output.cache import render_key
from . import Output
from .items import published
from .views import ItemView, day_of

if TYPE_CHECKING:
    from ..config import SiteConfig
    from .html import HtmlRenderer

Months = dict[tuple[int, int], list[Incident]]


def history_pages(renderer: HtmlRenderer) -> Iterator[Output]:
    """Every month's page, newest first, then the history's index."""
    months = published(renderer.config, renderer.state).months
    for year, month in sorted(months, reverse=True):
        yield month_page(renderer, year, month, months[(year, month)])
    yield history_index(renderer, months)


def history_page(renderer: HtmlRenderer, path: str) -> Output | None:
    """The history's page at ``path`` alone (``None``: no such page)."""
    months = published(renderer.config, renderer.state).months
    if path == "history/index.html":
        return history_index(renderer, months)
    for (year, month), items in months.items():
        if path == f"history/{year:04d}/{month:02d}/index.html":
            return month_page(renderer, year, month, items)
    return None


def month_page(renderer: HtmlRenderer, year: int, month: int, items: list[Incident]) -> Output:
    def context() -> dict[str, object]:
        views = [renderer.items[incident.slug] for incident in items]
        return {"items": views, "days": _by_day(views, renderer.config)}

    return renderer.render_cached(
        render_key(renderer.fingerprint, year, month, renderer.item_keys(items)),
        "month.html.j2",
        f"history/{year:04d}/{month:02d}/index.html",
        title=f"{date(year, month, 1):%B %Y}",
        month=date(year, month, 1),
        later=context,
    )


def history_index(renderer: HtmlRenderer, months: Months) -> Output:
    listed = [(date(y, m, 1), len(months[(y, m)])) for y, m in sorted(months, reverse=True)]
    return renderer.render_cached(
        "" if renderer.own_templates else render_key(renderer.fingerprint, "history", listed),
        "history.html.j2",
        "history/index.html",
        title="History",
        months=listed,
    )


def _by_day(items: list[ItemView], config: SiteConfig) -> list[tuple[date, list[ItemView]]]:
    """Items grouped by the local day they started, in their given order."""
    days: dict[date, list[ItemView]] = {}
    for view in items:
        days.setdefault(day_of(view.started_at, config), []).append(view)
    return list(days.items())
