"""``announced.json``: what ``clarion announce`` delivered where.

It sits in the public folder next to the API and is published with the page,
so the next run reads it back from ``--previous``. It holds change keys and
channel names only, never an address: a change delivered to only some of an
email channel's subscribers keeps opaque tokens of the rest (an HMAC of each
address keyed with the channel's secret SMTP URL), so a retry reaches exactly
them and nobody can tell from the file who subscribes.

Shape (sorted keys, Clarion's one JSON encoding)::

    {"format": 1,
     "changes": {"<change key>": {"delivered": ["slack"], "pending": ["email"],
                                  "pending_recipients": {"email": ["3f1c…"]}}}}

A change is listed while it is new or still pending; once every channel has
it and the next run's previous state shows it, it drops out, so the file
stays small.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..errors import ClarionError

RECORD_PATH = "announced.json"
FORMAT = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    delivered: frozenset[str] = frozenset()
    pending: frozenset[str] = frozenset()
    pending_recipients: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Record:
    changes: Mapping[str, Entry] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: bytes, where: str) -> Record:
        try:
            raw = json.loads(data.decode("utf-8"))
            changes = {
                str(key): Entry(
                    delivered=frozenset(map(str, value.get("delivered", []))),
                    pending=frozenset(map(str, value.get("pending", []))),
                    pending_recipients={
                        str(ch): frozenset(map(str, tokens))
                        for ch, tokens in (value.get("pending_recipients") or {}).items()
                    },
                )
                for key, value in raw["changes"].items()
            }
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ClarionError(f"{where}: not an announce record ({exc})") from None
        return cls(changes)

    def delivered(self, key: str, channel: str) -> bool:
        entry = self.changes.get(key)
        return entry is not None and channel in entry.delivered

    def pending(self) -> dict[str, frozenset[str]]:
        return {k: e.pending for k, e in self.changes.items() if e.pending}

    def pending_recipients(self, key: str, channel: str) -> frozenset[str] | None:
        """Tokens of the recipients still owed ``key`` on ``channel``; None: all."""
        entry = self.changes.get(key)
        if entry is None or channel not in entry.pending_recipients:
            return None
        return entry.pending_recipients[channel]

    def merged(self, other: Record) -> Record:
        """Both records: delivered anywhere counts as delivered."""
        out: dict[str, Entry] = dict(self.changes)
        for key, entry in other.changes.items():
            mine = out.get(key)
            if mine is None:
                out[key] = entry
                continue
            delivered = mine.delivered | entry.delivered
            recipients = {**mine.pending_recipients, **entry.pending_recipients}
            out[key] = Entry(
                delivered=delivered,
                pending=(mine.pending | entry.pending) - delivered,
                pending_recipients={k: v for k, v in recipients.items() if k not in delivered},
            )
        return Record(out)

    def to_bytes(self) -> bytes:
        changes = {
            key: {
                "delivered": sorted(entry.delivered),
                "pending": sorted(entry.pending),
                **(
                    {
                        "pending_recipients": {
                            k: sorted(v) for k, v in sorted(entry.pending_recipients.items())
                        }
                    }
                    if entry.pending_recipients
                    else {}
                ),
            }
            for key, entry in sorted(self.changes.items())
        }
        text = json.dumps({"changes": changes, "format": FORMAT}, indent=2, sort_keys=True)
        return (text + "\n").encode("utf-8")


def build_record(
    keys: Iterable[str],
    delivered: Mapping[str, Iterable[str]],
    pending: Mapping[str, Iterable[str]],
    pending_recipients: Mapping[tuple[str, str], Iterable[str]],
) -> Record:
    """A record of ``keys`` from this run's outcome."""
    out = {}
    for key in keys:
        done = frozenset(delivered.get(key, ()))
        owed = frozenset(pending.get(key, ())) - done
        out[key] = Entry(
            delivered=done,
            pending=owed,
            pending_recipients={
                ch: frozenset(tokens)
                for (k, ch), tokens in pending_recipients.items()
                if k == key and ch in owed
            },
        )
    return Record(out)
