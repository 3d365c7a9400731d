"""Frozen model objects as plain JSON data and back, for the build cache.

The cache must never be able to run code when it is read (a cache folder can
be committed to a repository or restored from a shared CI cache), so it holds
JSON, not pickles. :func:`to_plain` turns a dataclass tree (enums, datetimes,
tuples, mappings) into JSON values; :func:`from_plain` rebuilds it from the
dataclass's own type hints, so nothing in the data chooses what is built. Data
that does not fit the hints raises :class:`PlainDataError`, and the cache
treats the entry as missing.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")


class PlainDataError(ValueError):
    """The data does not have the shape the type hints ask for."""


def to_plain(value: object) -> Any:
    """``value`` as JSON-compatible data (dicts, lists, strings, numbers)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is None:
            raise PlainDataError("naive datetimes are not stored")
        zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
        return [value.isoformat(), zone]
    if isinstance(value, timedelta):
        return value.total_seconds()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return [[to_plain(k), to_plain(v)] for k, v in value.items()]
    if isinstance(value, (tuple, list)):
        return [to_plain(item) for item in value]
    raise PlainDataError(f"cannot store a {type(value).__name__}")


def from_plain(kind: type[T], data: Any) -> T:
    """Rebuild a value of type ``kind`` from :func:`to_plain`'s output."""
    return typing.cast(T, _build(kind, data))


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(kind: Any, data: Any) -> Any:
    origin = typing.get_origin(kind)
    if kind is Any or kind is object:
        return data
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _build(option, data)
            except (PlainDataError, TypeError, ValueError, KeyError):
                continue
        raise PlainDataError(f"{data!r} fits none of {kind}")
    if origin is not None:
        args = typing.get_args(kind)
        if origin is tuple:
            _expect(data, list)
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(_build(args[0], item) for item in data)
            if len(args) != len(data):
                raise PlainDataError(f"expected {len(args)} items")
            return tuple(_build(a, item) for a, item in zip(args, data, strict=True))
        if origin in (list, Sequence):
            _expect(data, list)
            return [_build(args[0], item) for item in data]
        if origin in (dict, Mapping, typing.Mapping) or _is_mapping(origin):
            _expect(data, list)
            out = {}
            for pair in data:
                _expect(pair, list)
                if len(pair) != 2:
                    raise PlainDataError("expected a key and a value")
                out[_build(args[0], pair[0])] = _build(args[1], pair[1])
            return out
        raise PlainDataError(f"unsupported type {kind}")
    if isinstance(kind, type):
        if dataclasses.is_dataclass(kind):
            _expect(data, dict)
            hints = _hints(kind)
            fields = {f.name for f in dataclasses.fields(kind) if f.init}
            if set(data) != fields:
                raise PlainDataError(f"fields of {kind.__name__} differ")
            return kind(**{name: _build(hints[name], data[name]) for name in fields})
        if issubclass(kind, enum.Enum):
            return kind(data)
        if kind is datetime:
            _expect(data, list)
            text, zone = data
            moment = datetime.fromisoformat(text)
            if moment.utcoffset() is None:
                raise PlainDataError("expected an aware time")
            if zone is not None:
                return moment.astimezone(ZoneInfo(_expect(zone, str)))
            return moment
        if kind is timedelta:
            return timedelta(seconds=_number(data))
        if kind is bool:
            return _expect(data, bool)
        if kind is float:
            return float(_number(data))
        if kind in (int, str):
            if isinstance(data, bool) or not isinstance(data, kind):
                raise PlainDataError(f"expected {kind.__name__}")
            return data
    raise PlainDataError(f"unsupported type {kind!r}")


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
