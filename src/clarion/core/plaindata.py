"""Frozen model objects as plain JSON data and back, for the build cache.

The cache must never be able to run code when it is read (a cache folder can
be committed to a repository or restored from a shared CI cache), so it holds
JSON, not pickles. :func:`to_plain` turns a dataclass tree (enums, datetimes,
tuples, mappings) into JSON values; :func:`from_plain` rebuilds it from the
dataclass's own type hints, so nothing in the data chooses what is built. Data
that does not fit the hints raises :class:`PlainDataError`, and the cache
treats the entry as missing.

A dataclass is a list of its fields' values in the order the class declares
them, not an object with their names: at 10,000 incidents the names would be
about a third of what the cache decodes. So plain data is read by the same
model that wrote it: a cache keys what it holds on the shape of the classes
(their fields' names and types, in order), as :mod:`clarion.output.cache` does.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from sys import intern
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")


class PlainDataError(ValueError):
    """The data does not have the shape the type hints ask for."""


def to_plain(value: object) -> Any:
    """``value`` as JSON-compatible data (dicts, lists, strings, numbers)."""
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool or kind is float:
        return value
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _converter(kind)
        if len(_CONVERTERS) < 1024:
            _CONVERTERS[kind] = convert
    return convert(value)


#: How :func:`to_plain` turns a value of each type into plain data: chosen once
#: per type (an incident is hundreds of values: no chain of type checks for each).
_CONVERTERS: dict[type, Callable[[Any], Any]] = {}


def _converter(kind: type) -> Callable[[Any], Any]:
    """What :func:`to_plain` does with a value of type ``kind``: a text or a
    number is itself (an enum of them too), an enum its value, a time its
    ISO text and zone, a duration its seconds, a dataclass the list of its
    fields' values in their order, a mapping its pairs, a sequence a list."""
    if issubclass(kind, (bool, int, float, str)) or kind is type(None):
        return _same
    if issubclass(kind, enum.Enum):
        return lambda value: value.value
    if issubclass(kind, datetime):
        return _plain_datetime
    if issubclass(kind, timedelta):
        return lambda value: value.total_seconds()
    if dataclasses.is_dataclass(kind):
        return _dataclass_converter(tuple(f.name for f in dataclasses.fields(kind)))
    if issubclass(kind, Mapping):
        return lambda value: [[to_plain(k), to_plain(v)] for k, v in value.items()]
    if issubclass(kind, (tuple, list)):
        return lambda value: [to_plain(item) for item in value]
    return _refused


def _dataclass_converter(names: tuple[str, ...]) -> Callable[[Any], Any]:
    def convert(value: Any) -> list[Any]:
        return [
            item
            if (kind := type(item)) is str or item is None or kind is int or kind is bool
            else to_plain(item)
            for item in (getattr(value, name) for name in names)
        ]

    return convert


def _plain_datetime(value: datetime) -> list[str | None]:
    if value.utcoffset() is None:
        raise PlainDataError("naive datetimes are not stored")
    zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
    return [value.isoformat(), zone]


def _refused(value: object) -> None:
    raise PlainDataError(f"cannot store a {type(value).__name__}")


def from_plain(kind: type[T], data: Any) -> T:
    """Rebuild a value of type ``kind`` from :func:`to_plain`'s output."""
    return typing.cast(T, _builder(typing.cast(Any, kind))(data))


Builder = Callable[[Any], Any]


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def _builder(kind: Any) -> Builder:
    """The function that rebuilds values of ``kind``, made once per type (the
    cache reads tens of thousands of incidents: no type dispatch per value)."""
    origin = typing.get_origin(kind)
    if kind is Any or kind is object:
        return _same
    if origin in (types.UnionType, typing.Union):
        return _union_builder(typing.get_args(kind))
    if origin is not None:
        return _generic_builder(kind, origin, typing.get_args(kind))
    if isinstance(kind, type):
        if dataclasses.is_dataclass(kind):
            return _dataclass_builder(kind)
        if issubclass(kind, enum.Enum):
            return _enum_builder(kind)
        if kind is datetime:
            return _datetime
        if kind is timedelta:
            return lambda data: timedelta(seconds=_number(data))
        if kind is bool:
            return lambda data: _expect(data, bool)
        if kind is float:
            return lambda data: float(_number(data))
        if kind is str:
            return _str
        if kind is int:
            return functools.partial(_exact, kind)
    raise PlainDataError(f"unsupported type {kind!r}")


def _enum_builder(kind: type[enum.Enum]) -> Builder:
    members = {member.value: member for member in kind}

    def build(data: Any) -> Any:
        try:
            return members[data]
        except (KeyError, TypeError):
            raise PlainDataError(f"{data!r} is not a {kind.__name__}") from None

    return build


def _same(data: Any) -> Any:
    return data


def _str(data: Any) -> str:
    if type(data) is not str:
        raise PlainDataError("expected str")
    return data


def _exact(kind: type, data: Any) -> Any:
    if isinstance(data, bool) or not isinstance(data, kind):
        raise PlainDataError(f"expected {kind.__name__}")
    return data


def _union_builder(options: tuple[Any, ...]) -> Builder:
    optional = type(None) in options
    kinds = [option for option in options if option is not type(None)]

    def build(data: Any) -> Any:
        if data is None and optional:
            return None
        for option in kinds:
            try:
                return _builder(option)(data)
            except (PlainDataError, TypeError, ValueError, KeyError):
                continue
        raise PlainDataError(f"{data!r} fits none of {options}")

    return build


def _generic_builder(kind: Any, origin: Any, args: tuple[Any, ...]) -> Builder:
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _builder(args[0])

            def build_items(data: Any) -> Any:
                return tuple(map(item, data if type(data) is list else _expect(data, list)))

            return build_items

        def build_fixed(data: Any) -> Any:
            if len(_expect(data, list)) != len(args):
                raise PlainDataError(f"expected {len(args)} items")
            return tuple(_builder(a)(value) for a, value in zip(args, data, strict=True))

        return build_fixed
    if origin in (list, Sequence):
        each = _builder(args[0])
        return lambda data: list(map(each, _expect(data, list)))
    if origin in (dict, Mapping, typing.Mapping) or _is_mapping(origin):
        # a key or value of exactly the plain kind asked for is taken as it is
        # (a key of text interned: the few keys of many mappings, the
        # front-matter keys of every incident, are then held once)
        plain_key, plain_value = (_INLINE.get(a, _NeverPlain) for a in args)
        textual = plain_key is str

        found: list[Builder] = []  # the key's and the value's builders, on first use

        def build_mapping(data: Any) -> Any:
            if not found:
                found.extend((_builder(args[0]), _builder(args[1])))
            keys, values = found
            out = {}
            for pair in data if type(data) is list else _expect(data, list):
                if type(pair) is not list or len(pair) != 2:
                    raise PlainDataError("expected a key and a value")
                key, value = pair
                if type(key) is not plain_key:
                    key = keys(key)
                elif textual:
                    key = intern(typing.cast(str, key))
                out[key] = value if type(value) is plain_value else values(value)
            return out

        return _shared(build_mapping) if origin is Mapping else build_mapping
    raise PlainDataError(f"unsupported type {kind}")


#: How many mappings read back each builder of read-only mappings remembers,
#: to give equal ones as one object (:func:`_shared`); it forgets them all
#: when it holds this many.
SHARED = 16384


def _shared(build: Builder) -> Builder:
    """``build`` for a read-only mapping (``Mapping``, not ``dict``: the
    model is frozen and never changes one), giving equal mappings as one
    object: the front-matter lines of incidents written from one template,
    the components of incidents with the same impact (at 50,000 incidents,
    100,000 mappings of a few thousand kinds)."""
    made: dict[tuple[tuple[Any, Any], ...], Any] = {}

    def build_shared(data: Any) -> Any:
        out = build(data)  # (checked and built first: building costs less than a key of the data)
        try:
            whole = tuple(out.items())
            found = made.get(whole)
        except TypeError:  # a value that is not hashable: built on its own
            return out
        if found is not None:
            return found
        if len(made) >= SHARED:
            made.clear()
        made[whole] = out
        return out

    return build_shared


#: The dataclasses whose builders are being generated.
_GENERATING: set[type] = set()


def _dataclass_builder(kind: type) -> Builder:
    """A dataclass's builder, generated as one function: a field whose type is
    ``str``, ``int`` or ``bool`` (or ``None`` or one of them) is checked in
    line, the others go to their own builders, so a value costs no call per
    plain field. A type that refers to itself finds its own builder when it
    first builds a value (while it is generated, it is not made yet)."""
    if kind in _GENERATING:
        return lambda data: _builder(kind)(data)
    _GENERATING.add(kind)
    try:
        return _generate_dataclass_builder(kind)
    finally:
        _GENERATING.discard(kind)


#: Kinds whose values are checked by ``type(value) is kind``, without a call.
_INLINE: dict[Any, type] = {str: str, int: int, bool: bool}


class _NeverPlain:
    """The type of no JSON value (a kind that is never taken as it is)."""


def _field_expression(index: int, hint: Any, names: dict[str, Any]) -> str:
    """Python source for the value of the field at ``index`` (of type ``hint``),
    read from ``data``."""
    union = typing.get_origin(hint) in (types.UnionType, typing.Union)
    args = typing.get_args(hint) if union else ()
    optional = type(None) in args
    inner = [a for a in args if a is not type(None)] if args else [hint]
    if len(inner) == 1 and inner[0] in _INLINE:
        if optional:
            test = f"(v := data[{index}]) is None or type(v) is {_INLINE[inner[0]].__name__}"
        else:
            test = f"type(v := data[{index}]) is {_INLINE[inner[0]].__name__}"
        return f"(v if {test} else _bad({index}))"
    builder = f"_b_{len(names)}"
    if len(inner) == 1 and optional:
        names[builder] = _builder(inner[0])
        return f"(None if (v := data[{index}]) is None else {builder}(v))"
    names[builder] = _builder(hint)
    return f"{builder}(data[{index}])"


def _generate_dataclass_builder(kind: type) -> Builder:
    fields = dataclasses.fields(kind)
    hints = _hints(kind)
    # A plain frozen dataclass (every field set by ``__init__``, nothing after
    # it, instances with a ``__dict__``) is filled in directly, as its
    # ``__init__`` does: one ``object.__setattr__`` per field, which keeps the
    # values in the instance, keyed by the class's shared keys (an instance's
    # ``__dict__`` filled with ``update`` is a dict of its own, twice the size:
    # 30 MB more at 50,000 incidents).
    direct = (
        all(f.init for f in fields)
        and not hasattr(kind, "__post_init__")
        and "__slots__" not in vars(kind)
    )
    names: dict[str, Any] = {
        "_kind": kind,
        "_names": tuple(f.name for f in fields),
        "_error": PlainDataError,
        "_new": object.__new__,
    }
    expressions = {
        f.name: _field_expression(index, hints[f.name], names)
        for index, f in enumerate(fields)
        if f.init
    }
    if direct:
        names["_set"] = object.__setattr__
        made = "".join(f"_set(made, {n!r}, {e})\n    " for n, e in expressions.items())
        body = f"made = _new(_kind)\n    {made}return made"
    else:
        values = ", ".join(f"{n!r}: {e}" for n, e in expressions.items())
        body = f"return _kind(**{{{values}}})"
    source = f"""
def _bad(index):
    raise _error(f"field {{_names[index]}} of {kind.__name__} has the wrong type")

def build(data):
    if type(data) is not list:
        raise _error(f"expected a list, got {{type(data).__name__}}")
    if len(data) != {len(fields)}:
        raise _error("fields of {kind.__name__} differ")
    {body}
"""
    exec(compile(source, f"<plain data builder of {kind.__name__}>", "exec"), names)  # noqa: S102
    return typing.cast(Builder, names["build"])


def _datetime(data: Any) -> datetime:
    if type(data) is not list or len(data) != 2:
        raise PlainDataError("expected a time and its zone")
    text, zone = data
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:  # (from ``fromisoformat``, a zone is a fixed offset)
        raise PlainDataError("expected an aware time")
    if zone is not None:
        return moment.astimezone(ZoneInfo(_expect(zone, str)))
    return moment


def _is_mapping(origin: Any) -> bool:
    return isinstance(origin, type) and issubclass(origin, Mapping)


def _number(data: Any) -> float:
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        raise PlainDataError("expected a number")
    return data


def _expect(data: Any, kind: type) -> Any:
    if not isinstance(data, kind):
        raise PlainDataError(f"expected {kind.__name__}, got {type(data).__name__}")
    return data
