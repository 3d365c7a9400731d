"""Frozen model objects as plain JSON data and back (clarion.core.plaindata):
the round trip is exact, and data of the wrong shape is refused, never built."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from clarion.core.plaindata import PlainDataError, from_plain, to_plain
from clarion.model import Impact, Incident, Kind, Severity, Stage, Update, Window

AT = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def _incident() -> Incident:
    update = Update(
        at=AT, stage=Stage.INVESTIGATING, body="Slow **logins**.", impact=None, line=7, position=0
    )
    return Incident(
        slug="2026-11-27-logins",
        kind=Kind.INCIDENT,
        title="Slow logins",
        severity=Severity.SEV2,
        components={"auth": Impact.DEGRADED_PERFORMANCE},
        updates=(update,),
        window=Window(start=AT, end=AT),
        lines={"title": 2},
        statuspage_id=None,
    )


def test_the_round_trip_is_exact() -> None:
    incident = _incident()
    plain = to_plain(incident)
    again = from_plain(Incident, plain)
    assert to_plain(again) == plain
    assert again.components == {"auth": Impact.DEGRADED_PERFORMANCE} and again.updates[0].at == AT
    assert type(again.updates) is tuple and again.updates[0].stage is Stage.INVESTIGATING


def _update(plain: dict[str, Any], **fields: Any) -> dict[str, Any]:
    changed = copy.deepcopy(plain)
    changed["updates"][0].update(fields)
    return changed


WRONG = [
    ("a number for a string", lambda p: {**p, "title": 5}),
    ("a string for a number", lambda p: _update(p, line="7")),
    ("true for a number", lambda p: _update(p, line=True)),
    ("a number for a flag", lambda p: {**p, "public": 1}),
    ("an unknown stage", lambda p: _update(p, stage="pondering")),
    ("a list for a stage", lambda p: _update(p, stage=["resolved"])),
    ("a time without its zone", lambda p: _update(p, at=["2026-11-27T09:30:00", None])),
    ("a time as a string", lambda p: _update(p, at="2026-11-27T09:30:00+00:00")),
    ("an unknown impact", lambda p: {**p, "components": [["auth", "on_fire"]]}),
    ("a number as a mapping key", lambda p: {**p, "lines": [[1, 2]]}),
    ("a string as a mapping value", lambda p: {**p, "lines": [["title", "2"]]}),
    ("a mapping pair of three", lambda p: {**p, "lines": [["title", 2, 3]]}),
    ("a field missing", lambda p: {k: v for k, v in p.items() if k != "slug"}),
    ("a field too many", lambda p: {**p, "extra": 1}),
    ("a list for an object", lambda p: {**p, "window": [1, 2]}),
    ("a string for an optional string", lambda p: {**p, "statuspage_id": 3}),
]


@pytest.mark.parametrize("what,wrong", WRONG, ids=[w[0] for w in WRONG])
def test_data_of_the_wrong_shape_is_refused(what: str, wrong: Any) -> None:
    with pytest.raises(PlainDataError):
        from_plain(Incident, wrong(to_plain(_incident())))
