"""The JSON API under ``api/v2/``, in the shapes of Atlassian Statuspage's
public API v2, so that clients and widgets written for Statuspage read a
Clarion site unchanged.

Endpoints (each carries ``page``):

- ``summary.json``: ``status``, ``components``, unresolved ``incidents`` and
  upcoming or in-progress ``scheduled_maintenances``;
- ``status.json``: ``status {indicator, description}``;
- ``components.json``: every component, groups included;
- ``incidents.json``: the 50 most recent incidents, resolved or not;
- ``incidents/unresolved.json``: incidents investigating, identified or monitoring;
- ``scheduled-maintenances.json``: the 50 most recent maintenance windows;
- ``scheduled-maintenances/upcoming.json``: status ``scheduled``;
- ``scheduled-maintenances/active.json``: status ``in_progress`` or ``verifying``.

Ids are stable: 12 characters of a hash of the page's ``base_url``, of a
component or group id, of an incident's slug, or of an update's slug, time,
stage and rank among updates with the same time and stage. An incident or a
component imported from Statuspage with ``--keep-ids`` keeps its Statuspage id
(``statuspage_id`` in its front matter or its ``site.toml`` table), so links
and clients that stored ids keep working. Times are ISO
8601 in the site's zone with its offset (``2026-11-20T15:05:00.000+01:00``).
Only what is published at ``now`` appears: public items, updates dated at or
before ``now``.

What Clarion cannot know, and what it puts there instead:

- ``page.updated_at``: the latest published update of any item (``null`` on a
  site that has published none).
- component ``created_at``: Clarion does not record when a component was
  added; it gives the start of the site's first published item (``null`` when
  there is none). ``updated_at`` is the component's last status change at or
  before ``now`` (else ``created_at``). ``start_date`` is ``null``;
  ``showcase`` is ``true`` (every component shows its uptime bars);
  ``only_show_if_degraded`` is ``false``.
- incident ``created_at``: the first update (Clarion keeps no record of when a
  file was committed); ``started_at`` is ``declared`` (the window start for
  maintenance); ``shortlink`` is the canonical URL of the item's page (there is
  no URL shortener).
- update ``created_at``, ``updated_at`` and ``display_at``: all the update's
  heading time (Clarion keeps no edit history); ``body`` is the update's text
  without Markdown markup; ``deliver_notifications`` is ``true``;
  ``custom_tweet`` and ``tweet_id`` are ``null``.
- A ``Postmortem`` update is not an ``incident_update``: it fills
  ``postmortem_body`` and ``postmortem_published_at``, and a resolved incident
  with a published postmortem has status ``postmortem``, as on Statuspage.
- Maintenance: Statuspage has no ``cancelled`` status, so a cancelled
  maintenance is ``completed`` (its updates keep their text, and the calendar
  marks it ``STATUS:CANCELLED``); a window that has opened without an
  ``In progress`` update is ``in_progress`` and one that has ended without a
  ``Completed`` update is ``completed``, like Statuspage's automatic
  transitions; ``resolved_at`` is then the window's end.
  ``reminder_intervals`` and the ``auto_transition_*`` settings are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from .. import __version__
from ..config import Component, SiteConfig
from ..derive import State
from ..derive.timeline import impact_snapshots
from ..model import Impact, Stage, worst_impact
from ..output.cache import render_key
from . import Area, Output, RenderContext
from .items import PublishedItem, dump_json, iso_time, plain_text, published, stable_id
from .markdown import MarkdownRenderer
from .reuse import previous_output

API_DIR = "api/v2/"
#: How many incidents ``incidents.json`` (and maintenance windows
#: ``scheduled-maintenances.json``) hold, as on Statuspage.
RECENT_LIMIT = 50

Json = dict[str, Any]


def render_api(context: RenderContext) -> Iterator[Output]:
    """Every ``api/v2/*.json`` file; each reused from the previous build when
    its render key is unchanged (an edit to an incident no file lists
    leaves them all as they were)."""
    api = StatuspageApi(context.config, context.state, context.markdown)
    for path, key, document in api.files():
        reused = previous_output(context.cache, Area.PUBLIC, API_DIR + path, key)
        if reused is not None:
            yield reused
        else:
            yield Output(Area.PUBLIC, API_DIR + path, dump_json(document()), key)


class StatuspageApi:
    """Builds the API documents from the published state."""

    def __init__(self, config: SiteConfig, state: State, markdown: MarkdownRenderer):
        self.config = config
        self.state = state
        self.markdown = markdown
        self.zone = config.timezone
        self.published = published(config, state)
        self.page_id = stable_id("page", config.base_url)
        self.page: Json = {
            "id": self.page_id,
            "name": config.title,
            "url": config.base_url,
            "time_zone": self.zone.key,
            "updated_at": self._time(self.published.updated_at),
        }
        self.components = self._components()
        self.component_by_id = {c["_clarion_id"]: c for c in self.components if "_clarion_id" in c}
        self._documents: dict[str, Json] = {}  # by slug: an item appears in several files

    @cached_property
    def items(self) -> tuple[PublishedItem, ...]:
        """Every published item, in the state's order."""
        return tuple(self.published.item(i) for i in self.published.incidents)

    # -- documents -------------------------------------------------------

    def files(self) -> list[tuple[str, str, Callable[[], Json]]]:
        """Each file's path, render key and document (made when called).
        The key holds what the file shows: the page, the components where
        the file (or an incident in it, which lists its components) shows
        them, and each listed item's source as published and its status
        (a maintenance's moves with ``now``)."""
        shared = self.published
        incidents = self._recent_incidents()
        unresolved = [shared.item(i) for i in self.state.active_incidents]
        upcoming: list[PublishedItem] = []
        active: list[PublishedItem] = []
        maintenance = [shared.item(i) for i in shared.maintenance]
        for item in sorted(maintenance, key=lambda i: (_window_start(i), i.slug)):
            status = self._maintenance_status(item)
            if status == "scheduled":
                upcoming.append(item)
            elif status != "completed":
                active.append(item)
        recent_maintenance = [shared.item(i) for i in reversed(shared.maintenance[-RECENT_LIMIT:])]
        page = {"page": self.page}
        components = [self._public(c) for c in self.components]
        overall = {
            "indicator": self.state.overall.indicator,
            "description": self.state.overall.description,
        }
        settings = (__version__, self.config.digest, self.markdown.settings, self.page)

        def key(*parts: object) -> str:
            return render_key("api", *settings, *parts)

        def listed(items: list[PublishedItem]) -> list[tuple[str, str, str]]:
            return [(i.slug, i.incident.digest, self._status(i)) for i in items]

        def summary() -> Json:
            return page | {
                "status": overall,
                "components": components,
                "incidents": self._incidents(unresolved),
                "scheduled_maintenances": self._maintenances(active + upcoming),
            }

        return [
            (
                "summary.json",
                key(components, overall, listed(unresolved), listed(active + upcoming)),
                summary,
            ),
            ("status.json", key(overall), lambda: page | {"status": overall}),
            ("components.json", key(components), lambda: page | {"components": components}),
            (
                "incidents.json",
                key(components, listed(incidents)),
                lambda: page | {"incidents": self._incidents(incidents)},
            ),
            (
                "incidents/unresolved.json",
                key(components, listed(unresolved)),
                lambda: page | {"incidents": self._incidents(unresolved)},
            ),
            (
                "scheduled-maintenances.json",
                key(components, listed(recent_maintenance)),
                lambda: page | {"scheduled_maintenances": self._maintenances(recent_maintenance)},
            ),
            (
                "scheduled-maintenances/upcoming.json",
                key(components, listed(upcoming)),
                lambda: page | {"scheduled_maintenances": self._maintenances(upcoming)},
            ),
            (
                "scheduled-maintenances/active.json",
                key(components, listed(active)),
                lambda: page | {"scheduled_maintenances": self._maintenances(active)},
            ),
        ]

    def _recent_incidents(self) -> list[PublishedItem]:
        """The :data:`RECENT_LIMIT` most recent incidents, newest first (the
        state's order reversed: by start, then slug)."""
        chosen: list[PublishedItem] = []
        for incident in reversed(self.published.incidents):
            if len(chosen) == RECENT_LIMIT:
                break
            if not incident.is_maintenance:
                chosen.append(self.published.item(incident))
        return chosen

    def _incidents(self, items: list[PublishedItem]) -> list[Json]:
        return [self.incident(i) for i in items]

    def _maintenances(self, items: list[PublishedItem]) -> list[Json]:
        return [self.maintenance(i) for i in items]

    def _status(self, item: PublishedItem) -> str:
        if item.is_maintenance:
            return self._maintenance_status(item)
        return self._incident_status(item)

    # -- components ------------------------------------------------------

    def _components(self) -> list[Json]:
        """Groups and components in page order: ungrouped components first,
        then each group followed by its members (as the status page shows them)."""
        # the start of the first published item (the items are in order of start)
        first = self.published.incidents[:1]
        created = first[0].started_at if first and first[0].started_at <= self.state.now else None
        changed = self._last_changes()
        members: dict[str | None, list[Component]] = defaultdict(list)
        for component in self.config.components:
            members[component.group].append(component)
        result: list[Json] = []
        top = 0
        for component in members.get(None, []):
            top += 1
            result.append(self._component(component, top, None, created, changed))
        for group in self.config.groups:
            if not members.get(group.id):
                continue
            top += 1
            group_id = stable_id("group", group.id)
            children = [
                self._component(c, n, group_id, created, changed)
                for n, c in enumerate(members[group.id], start=1)
            ]
            child_changes = [changed[c.id] for c in members[group.id] if c.id in changed]
            statuses = [Impact(c["status"]) for c in children]
            result.append(
                {
                    "id": group_id,
                    "name": group.name,
                    "status": worst_impact(statuses).value,
                    "created_at": self._time(created),
                    "updated_at": self._time(max(child_changes, default=created)),
                    "position": top,
                    "description": group.description,
                    "showcase": False,
                    "start_date": None,
                    "group_id": None,
                    "page_id": self.page_id,
                    "group": True,
                    "only_show_if_degraded": False,
                    "components": [c["id"] for c in children],
                }
            )
            result.extend(children)
        return result

    def _component(
        self,
        component: Component,
        position: int,
        group_id: str | None,
        created: datetime | None,
        changed: Mapping[str, datetime],
    ) -> Json:
        return {
            "_clarion_id": component.id,
            "id": component.statuspage_id or stable_id("component", component.id),
            "name": component.name,
            "status": self.state.component_status[component.id].value,
            "created_at": self._time(created),
            "updated_at": self._time(changed.get(component.id, created)),
            "position": position,
            "description": component.description,
            "showcase": True,
            "start_date": None,
            "group_id": group_id,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def _last_changes(self) -> dict[str, datetime]:
        """Each component's last status change at or before ``now``."""
        last = {}
        for component in self.config.components:
            moment = self.state.last_change_at(component.id)
            if moment is not None:
                last[component.id] = moment
        return last

    @staticmethod
    def _public(component: Json) -> Json:
        return {k: v for k, v in component.items() if not k.startswith("_")}

    def _component_refs(self, item: PublishedItem) -> list[Json]:
        return [
            self._public(self.component_by_id[cid])
            for cid in item.component_ids
            if cid in self.component_by_id
        ]

    # -- incidents and maintenance ----------------------------------------

    def incident(self, item: PublishedItem) -> Json:
        cached = self._documents.get(item.slug)
        if cached is not None:
            return cached
        data = self._common(item, self._incident_status(item))
        postmortem = item.postmortem
        data["postmortem_body"] = plain_text(self.markdown, postmortem.body) if postmortem else None
        data["postmortem_published_at"] = self._time(postmortem.at) if postmortem else None
        self._documents[item.slug] = data
        return data

    def maintenance(self, item: PublishedItem) -> Json:
        cached = self._documents.get(item.slug)
        if cached is not None:
            return cached
        status = self._maintenance_status(item)
        data = self._common(item, status)
        window = item.incident.window
        assert window is not None
        data["scheduled_for"] = self._time(window.start)
        data["scheduled_until"] = self._time(window.end)
        if status == "completed" and item.closed_at is None:
            data["resolved_at"] = self._time(window.end)
        self._documents[item.slug] = data
        return data

    def _common(self, item: PublishedItem, status: str) -> Json:
        incident_id = item.incident.statuspage_id or stable_id("incident", item.slug)
        monitoring = [u.at for u in item.updates if u.stage is Stage.MONITORING]
        return {
            "id": incident_id,
            "name": item.incident.title,
            "status": status,
            "impact": self.state.impact_of(item.incident),
            "created_at": self._time(item.published_at),
            "updated_at": self._time(item.updated_at),
            "started_at": self._time(item.incident.started_at),
            "monitoring_at": self._time(monitoring[-1]) if monitoring else None,
            "resolved_at": self._time(item.closed_at),
            "shortlink": item.url,
            "page_id": self.page_id,
            "incident_updates": self._updates(item, incident_id),
            "components": self._component_refs(item),
        }

    def _incident_status(self, item: PublishedItem) -> str:
        stage = item.stage
        if stage is Stage.RESOLVED and item.postmortem is not None:
            return "postmortem"
        return stage.value

    def _maintenance_status(self, item: PublishedItem) -> str:
        window = item.incident.window
        assert window is not None
        stage = item.stage
        now = self.state.now
        if stage in (Stage.COMPLETED, Stage.CANCELLED) or now >= window.end:
            return "completed"
        if stage in (Stage.IN_PROGRESS, Stage.VERIFYING):
            return str(stage.value)
        return "in_progress" if now >= window.start else "scheduled"

    def _updates(self, item: PublishedItem, incident_id: str) -> list[Json]:
        """Newest first; each with the component statuses it changed."""
        affected = self._affected_components(item)
        ranks: dict[tuple[datetime, Stage], int] = defaultdict(int)
        result: list[Json] = []
        for update in item.updates:
            if update.stage is Stage.POSTMORTEM:
                continue
            rank = ranks[(update.at, update.stage)]
            ranks[(update.at, update.stage)] += 1
            at = self._time(update.at)
            status = update.stage.value
            if item.is_maintenance and update.stage is Stage.CANCELLED:
                status = "completed"
            result.append(
                {
                    "id": stable_id(
                        "update", f"{item.slug}|{update.at.isoformat()}|{update.stage.value}|{rank}"
                    ),
                    "status": status,
                    "body": plain_text(self.markdown, update.body),
                    "incident_id": incident_id,
                    "created_at": at,
                    "updated_at": at,
                    "display_at": at,
                    "affected_components": affected.get(update.position),
                    "deliver_notifications": True,
                    "custom_tweet": None,
                    "tweet_id": None,
                }
            )
        result.reverse()
        return result

    def _affected_components(self, item: PublishedItem) -> dict[int, list[Json] | None]:
        """``{update position: [{code, name, old_status, new_status}]}``.

        Incidents: the first update carries the impact the incident started
        with, and each update the changes its ``Impact:`` line or stage made.
        Maintenance: each update carries the change between the statuses in
        force at the previous update and at its own time (the window opening
        or closing)."""
        snapshots = impact_snapshots(item.incident)
        result: dict[int, list[Json] | None] = {}
        before: Mapping[str, Impact] = {}
        if item.is_maintenance:
            for update in item.updates:
                after: Mapping[str, Impact] = {}
                for snapshot in snapshots:
                    if snapshot.at <= update.at:
                        after = snapshot.impacts
                result[update.position] = self._changes(before, after)
                before = after
            return result
        by_position = {
            s.update_position: s.impacts for s in snapshots if s.update_position is not None
        }
        current: Mapping[str, Impact] = snapshots[0].impacts
        for update in item.updates:
            current = by_position.get(update.position, current)
            result[update.position] = self._changes(before, current)
            before = current
        return result

    def _changes(
        self, before: Mapping[str, Impact], after: Mapping[str, Impact]
    ) -> list[Json] | None:
        changes = []
        for cid in dict.fromkeys([*before, *after]):
            old = before.get(cid, Impact.OPERATIONAL)
            new = after.get(cid, Impact.OPERATIONAL)
            if old is new:
                continue
            component = self.component_by_id.get(cid)
            changes.append(
                {
                    "code": component["id"] if component else stable_id("component", cid),
                    "name": component["name"] if component else cid,
                    "old_status": old.value,
                    "new_status": new.value,
                }
            )
        return changes or None

    def _time(self, moment: datetime | None) -> str | None:
        return None if moment is None else iso_time(moment, self.zone)


def _window_start(item: PublishedItem) -> datetime:
    window = item.incident.window
    assert window is not None
    return window.start
