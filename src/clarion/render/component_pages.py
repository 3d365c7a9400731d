"""The component pages (``components/<id>/index.html``) of an
:class:`~clarion.render.html.HtmlRenderer`: a component's status, its uptime
bars and the items of the last 90 days (older ones are in the history), so
a page does not grow with the length of the history.

Each page is reused from the previous build under a render key: the
component's status, its uptime day by day (with the render keys of the
incidents each day names, as its text names them) and the render keys of
the items it lists. The items of the last 90 days are found in one walk back
from the newest for every component, and each component's uptime key is made
once for its page and the front page's bars.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ..model import Incident
from ..output.cache import render_key
from . import Output
from .views import ComponentView, ItemView, day_of

if TYPE_CHECKING:
    from .html import HtmlRenderer


class ComponentPages:
    def __init__(self, renderer: HtmlRenderer):
        self.renderer = renderer
        self._recent: dict[date, list[tuple[ItemView, tuple[str, ...]]]] = {}
        self._uptime_keys: dict[str, str] = {}  # component id -> uptime_key

    def page(self, component: ComponentView) -> Output:
        items = [
            view
            for view, ids in self.recent_items(component.uptime.days[0].day)
            if component.id in ids
        ]
        return self.renderer.render_cached(
            self.key(component, items),
            "component.html.j2",
            component.uri + "index.html",
            component=component,
            title=component.name,
            items=items,
        )

    def recent_items(self, since: date) -> list[tuple[ItemView, tuple[str, ...]]]:
        """The items newest first, each with the components it affected, back
        to the first that started before ``since`` and has ended."""
        found = self._recent.get(since)
        if found is not None:
            return found
        found = []
        renderer = self.renderer
        state = renderer.state
        now = state.now
        for incident in reversed(state.incidents):
            if incident.started_at > now and not incident.is_maintenance:
                continue
            view = renderer.items[incident.slug]
            if (
                day_of(incident.started_at, renderer.config) < since
                and (view.ended_at or now) < now
            ):
                break
            found.append((view, state.components_of(incident)))
        self._recent[since] = found
        return found

    def key(self, component: ComponentView, items: list[ItemView]) -> str:
        """The render key of a component's page."""
        return render_key(
            self.renderer.fingerprint,
            "component",
            component.id,
            self.uptime_key(component),
            [self.renderer.item_key(view) for view in items],
        )

    def uptime_key(self, component: ComponentView) -> str:
        """A component's status and uptime bars, day by day, with the render
        keys of the incidents each day names (its text names the first)."""
        known = self._uptime_keys.get(component.id)
        if known is None:
            known = self._uptime_keys[component.id] = self._uptime_key(component)
        return known

    def _uptime_key(self, component: ComponentView) -> str:
        renderer, views = self.renderer, self.renderer.items

        def key_of(incident: Incident) -> str:
            slug = incident.slug
            return renderer.item_key(views[slug]) if slug in views else incident.digest

        uptime = component.uptime
        days = [
            (day.day, day.up_ratio, day.down_minutes, day.worst.value, day.today)
            + tuple(key_of(incident) for incident in day.incidents)
            for day in uptime.days
        ]
        return render_key(component.status.value, uptime.up_ratio, days)
