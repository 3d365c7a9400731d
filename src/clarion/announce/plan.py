"""Which message goes to which channel: the new changes for every channel
whose components they concern, plus what the record says is still owed,
minus what a record says was delivered."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import SiteConfig
from ..render.items import stable_id
from .changes import Change, all_changes, new_changes, order
from .config import Channel
from .record import Record
from .state import SiteState


@dataclass(frozen=True, slots=True, kw_only=True)
class Planned:
    """A change and the channels that still owe it (``delivered``: those
    that already had it, per the records)."""

    change: Change
    channels: tuple[Channel, ...]
    delivered: frozenset[str]


def component_codes(component_ids: tuple[str, ...]) -> frozenset[str]:
    """The API's component ids of site.toml component ids."""
    return frozenset(stable_id("component", cid) for cid in component_ids)


def concerns(channel_components: tuple[str, ...], change: Change) -> bool:
    """A change concerns a filter when its item affects one of its components
    (no filter: every change)."""
    if not channel_components:
        return True
    return bool(component_codes(channel_components) & set(change.item.component_codes))


def plan(config: SiteConfig, previous: SiteState, new: SiteState, done: Record) -> list[Planned]:
    """Oldest change first."""
    fresh = new_changes(previous, new)
    fresh_keys = {c.key for c in fresh}
    known = all_changes(new)
    wanted: list[tuple[Change, tuple[Channel, ...]]] = [
        (c, tuple(ch for ch in config.announce if concerns(ch.components, c))) for c in fresh
    ]
    by_name = {ch.name: ch for ch in config.announce}
    for key, names in sorted(done.pending().items()):
        change = known.get(key)
        if change is None or key in fresh_keys:
            continue
        channels = tuple(
            by_name[n]
            for n in sorted(names)
            if n in by_name and concerns(by_name[n].components, change)
        )
        wanted.append((change, channels))
    out = []
    for change, channels in sorted(wanted, key=lambda pair: order(pair[0])):
        delivered = frozenset(ch.name for ch in channels if done.delivered(change.key, ch.name))
        entry = done.changes.get(change.key)
        earlier = entry.delivered if entry is not None else frozenset()
        out.append(
            Planned(
                change=change,
                channels=tuple(ch for ch in channels if ch.name not in delivered),
                delivered=delivered | earlier,
            )
        )
    return out
