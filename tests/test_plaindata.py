"""Frozen model objects as plain JSON data and back (clarion.core.plaindata):
the round trip is exact, and data of the wrong shape is refused, never built."""

from __future__ import annotations

import copy
import dataclasses
import enum
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _at(kind: type, name: str) -> int:
    return [f.name for f in dataclasses.fields(kind)].index(name)


def _set(plain: list[Any], **fields: Any) -> list[Any]:
    changed = copy.deepcopy(plain)
    for name, value in fields.items():
        changed[_at(Incident, name)] = value
    return changed


def _update(plain: list[Any], **fields: Any) -> list[Any]:
    changed = copy.deepcopy(plain)
    for name, value in fields.items():
        changed[_at(Incident, "updates")][0][_at(Update, name)] = value
    return changed


WRONG = [
    ("a number for a string", lambda p: _set(p, title=5)),
    ("a string for a number", lambda p: _update(p, line="7")),
    ("true for a number", lambda p: _update(p, line=True)),
    ("a number for a flag", lambda p: _set(p, public=1)),
    ("an unknown stage", lambda p: _update(p, stage="pondering")),
    ("a list for a stage", lambda p: _update(p, stage=["resolved"])),
    ("a time without its zone", lambda p: _update(p, at=["2026-11-27T09:30:00", None])),
    ("a time as a string", lambda p: _update(p, at="2026-11-27T09:30:00+00:00")),
    ("an unknown impact", lambda p: _set(p, components=[["auth", "on_fire"]])),
    ("a number as a mapping key", lambda p: _set(p, lines=[[1, 2]])),
    ("a string as a mapping value", lambda p: _set(p, lines=[["title", "2"]])),
    ("a mapping pair of three", lambda p: _set(p, lines=[["title", 2, 3]])),
    ("a field missing", lambda p: p[:-1]),
    ("a field too many", lambda p: [*p, 1]),
    ("an object for a list", lambda p: dict(enumerate(p))),
    ("a list for an object", lambda p: _set(p, window=[1])),
    ("a string for an optional string", lambda p: _set(p, statuspage_id=3)),
]


@pytest.mark.parametrize("what,wrong", WRONG, ids=[w[0] for w in WRONG])
def test_data_of_the_wrong_shape_is_refused(what: str, wrong: Any) -> None:
    with pytest.raises(PlainDataError):
        from_plain(Incident, wrong(to_plain(_incident())))


class _Level(enum.IntEnum):
    LOW = 1


class _Mode(enum.Enum):
    ON = "on"


@dataclasses.dataclass(frozen=True)
class _Holder:
    level: _Level
    mode: _Mode
    items: tuple[object, ...]
    at: datetime | None = None
    notes: dict[str, object] = dataclasses.field(default_factory=dict)


def _by_the_rules(value: object) -> Any:
    """What to_plain makes of a value, as its docstring says, check by check."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise PlainDataError("naive")
        return [value.isoformat(), value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None]
    if isinstance(value, timedelta):
        return value.total_seconds()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [_by_the_rules(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, Mapping):
        return [[_by_the_rules(k), _by_the_rules(v)] for k, v in value.items()]
    if isinstance(value, tuple | list):
        return [_by_the_rules(item) for item in value]
    raise PlainDataError("other")


HOUR = timedelta(hours=1)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.sampled_from([_Level.LOW, _Mode.ON, Stage.RESOLVED, Impact.MAJOR_OUTAGE])
    | st.timedeltas()
    | st.datetimes(timezones=st.sampled_from([UTC, ZoneInfo("Europe/Berlin"), timezone(-HOUR)]))
)
VALUES: Any = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        | st.dictionaries(st.text(max_size=3), inner, max_size=2).map(MappingProxyType)
        | st.builds(_Holder, st.just(_Level.LOW), st.just(_Mode.ON), st.lists(inner).map(tuple))
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_every_value_is_made_plain_by_the_rules(value: Any) -> None:
    assert json.dumps(to_plain(value)) == json.dumps(_by_the_rules(value))
    assert to_plain(value) == _by_the_rules(value)


def test_what_cannot_be_stored_is_refused() -> None:
    for value in ({1, 2}, datetime(2026, 1, 1), object(), [b"bytes"]):
        with pytest.raises(PlainDataError):
            to_plain(value)
    incident = _incident()
    assert to_plain(incident) == _by_the_rules(incident)


@dataclasses.dataclass(frozen=True)
class _Node:
    """A type that refers to itself, through a tuple and an optional field."""

    name: str
    children: tuple[_Node, ...] = ()
    first: _Node | None = None


def test_a_type_that_refers_to_itself_round_trips() -> None:
    leaf = _Node("leaf")
    tree = _Node("root", (leaf, _Node("inner", (leaf,), first=leaf)), first=leaf)
    plain = json.loads(json.dumps(to_plain(tree)))
    assert from_plain(_Node, plain) == tree
    with pytest.raises(PlainDataError):
        from_plain(_Node, ["root", [["leaf", "not a list", None]], None])


def _traced(make: Any, count: int = 500) -> int:
    """The bytes still held by ``count`` objects ``make()`` returns."""
    import tracemalloc

    tracemalloc.start()
    try:
        made = [make() for _ in range(count)]
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(made) == count
    return held


@dataclasses.dataclass(frozen=True)
class _Wide:
    a: str
    b: str
    c: str
    d: str
    e: str
    f: str
    g: int
    h: int
    i: int
    j: int
    k: int | None
    m: bool


def test_a_dataclass_read_back_is_no_larger_than_one_made() -> None:
    # Read back, a model object is held as its constructor holds it: its
    # values in the instance, not in a dict of its own (twice the size: 30 MB
    # at 50,000 incidents in the build cache). The values are the same
    # objects either way: only the objects' own size is compared.
    values: list[Any] = ["slug", "title", "a", "b", "c", "d", 1, 2, 3, 4, None, True]
    made = _traced(lambda: _Wide(*values))
    read = _traced(lambda: from_plain(_Wide, values))
    assert to_plain(from_plain(_Wide, values)) == values
    assert read <= made * 1.1, (read, made)


def test_the_keys_of_mappings_read_back_are_held_once() -> None:
    # the front-matter keys of every incident, the names of its components:
    # each held once however many incidents use it
    plain = to_plain(_incident())
    first, second = (from_plain(Incident, json.loads(json.dumps(plain))) for _ in range(2))
    assert next(iter(first.lines)) is next(iter(second.lines))
    assert next(iter(first.components)) is next(iter(second.components))


def test_equal_read_only_mappings_read_back_are_one_object() -> None:
    # Incidents written from one template have equal front-matter lines, and
    # many have the same components' impact: 100,000 mappings of a few
    # thousand kinds at 50,000 incidents, each kind held once.
    plain = to_plain(_incident())
    first, second = (from_plain(Incident, json.loads(json.dumps(plain))) for _ in range(2))
    assert first.lines is second.lines and first.components is second.components
    other = from_plain(Incident, _set(plain, lines=[["title", 3]]))
    assert other.lines == {"title": 3} and other.lines is not first.lines


def test_a_mutable_mapping_read_back_is_its_own() -> None:
    # a field typed ``dict`` may be changed by whoever holds it: never shared
    plain = to_plain(_Holder(_Level.LOW, _Mode.ON, (), notes={"a": 1}))
    first, second = (from_plain(_Holder, copy.deepcopy(plain)) for _ in range(2))
    assert first.notes == second.notes == {"a": 1}
    assert first.notes is not second.notes
