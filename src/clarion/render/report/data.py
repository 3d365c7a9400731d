"""The deadline report as JSON, for machines."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from ...derive.deadlines import DeadlineReport, Obligation, ObligationState
from ...derive.incident_deadlines import incident_fields
from ...errors import ContentError
from ...rules.duration import Duration
from ..times import iso_utc
from .common import _shown

# -- JSON -----------------------------------------------------------------------------


def obligation_data(
    report: DeadlineReport, o: Obligation, *, stable: bool = False
) -> dict[str, object]:
    """One item as JSON; ``stable`` leaves out what changes with ``now`` alone
    (time left), so a build's report changes only when a state does."""
    left = o.left(report.now)
    data: dict[str, object] = {
        "key": o.key,
        **rule_fields(o),
        **incident_fields(o.incident),
        "state": o.state.value,
        "due_at": iso_utc(o.due_at),
        "due_at_local": o.due_at.astimezone(report.zone).isoformat() if o.due_at else None,
        "outer_limit": iso_utc(o.outer_limit),
        "seconds_left": int(left.total_seconds()) if left is not None else None,
        "due_soon": report.is_due_soon(o),
        "clock": o.clock or None,
        "clock_at": iso_utc(o.clock_at),
        "satisfied_at": iso_utc(o.satisfied_at),
        "satisfied_by": o.satisfied_by,
        "detail": o.describe(None if stable else report.now),
        "file": o.location.path,
        "line": o.location.line,
    }
    if stable:
        del data["seconds_left"], data["due_soon"]
    return data


def rule_fields(o: Obligation) -> dict[str, object]:
    """What an item shows of its rule (the same for every item of the rule)."""
    return {
        "rule": o.rule.id,
        "rule_title": o.rule.title,
        "rule_kind": o.rule.kind.value,
        "rule_status": o.rule.status,
        "rule_verified": o.rule.verified,
        "regime": o.rule.regime,
        "recipient": o.recipient,
    }


def _error_data(error: ContentError) -> dict[str, object]:
    return {
        "severity": error.severity,
        "file": error.location.path,
        "line": error.location.line,
        "message": error.message,
        "expected": error.expected,
        "hint": error.hint,
    }


class Written(str):
    """JSON text already written, at the indentation of its place: an item of
    the build's ``deadlines.json`` (:func:`item_text`) put in as it is."""

    __slots__ = ()


#: The indentation of an item in ``report_data``'s list of obligations.
ITEM_NEWLINE = "\n    "


def item_text(report: DeadlineReport, o: Obligation) -> Written | None:
    """One item of the build's ``deadlines.json`` (``stable``) as JSON text,
    as :func:`render_json` writes it inside the list (``None``: data that only
    the standard library's encoder writes, see :func:`_dumps`)."""
    try:
        return Written(_dict_text(obligation_data(report, o, stable=True), ITEM_NEWLINE))
    except _OtherKey:
        return None


def _error_text(error: ContentError) -> Written:
    """:func:`_error_data` as :func:`_indented` writes it in the report's
    list of lint (its keys sorted), a few times faster."""
    inner = ITEM_NEWLINE + "  "
    fields = (
        ("expected", error.expected),
        ("file", error.location.path),
        ("hint", error.hint),
        ("line", error.location.line),
        ("message", error.message),
        ("severity", error.severity),
    )
    body = ",".join(f'{inner}"{name}": {_plain(value)}' for name, value in fields)
    return Written("{" + body + ITEM_NEWLINE + "}")


def report_data(
    report: DeadlineReport,
    *,
    only_open: bool = False,
    stable: bool = False,
    items: Sequence[Written] | None = None,
) -> dict[str, object]:
    """The report as plain data; ``items``: its obligations already written
    (:func:`item_text`, in the report's order), and then its lint written
    too, for :func:`_dumps` only."""
    data: dict[str, object] = {
        "now": iso_utc(report.now),
        "timezone": report.zone.key,
        "warn_within": Duration(seconds=int(report.warn_within.total_seconds())).text
        if report.warn_within is not None
        else None,
        "summary": {state.value: count for state, count in report.counts.items()},
        "overdue": report.counts[ObligationState.OVERDUE],
        "due_soon": len(report.due_soon),
        "obligations": [
            obligation_data(report, o, stable=stable) for o in _shown(report, only_open)
        ]
        if items is None
        else items,
        "lint": [_error_data(e) for e in report.lint]
        if items is None
        else [_error_text(e) for e in report.lint],
        "errors": [],
    }
    if stable:
        del data["now"], data["warn_within"], data["due_soon"]
    return data


def _dumps(data: object) -> str:
    """``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)`` and a
    newline, byte for byte, several times faster on a large report (the
    standard library's indenting encoder is pure Python; here each scalar goes
    through its C encoder)."""
    parts: list[str] = []
    try:
        _indented(data, "\n", parts)
    except _OtherKey:
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    parts.append("\n")
    return "".join(parts)


class _OtherKey(Exception):
    """A key that is not a string (the standard library's encoder converts it)."""


_scalar = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
#: What :data:`_scalar` does with text, without its checks of the type: the
#: standard library's (C) function, which refuses what is not text itself.
_string: Callable[[object], str] = json.encoder.encode_basestring  # type: ignore[assignment]


def _plain(value: str | int | None) -> str:
    """:func:`_scalar` of text, a line number or nothing, without its
    encoder's slow path for what is not text."""
    if value is None:
        return "null"
    return str(value) if type(value) is int else _scalar(value)


def _dict_text(data: dict[str, object], newline: str) -> str:
    """What :func:`_indented` writes of ``data`` (not empty) at the
    indentation ``newline`` holds, a dict of the same keys as many before it
    (the report's items) written faster: the text before each value is made
    once for those keys."""
    names = tuple(sorted(data))
    before = _BEFORE.get((newline, names))
    if before is None:
        if not all(type(name) is str for name in names):
            raise _OtherKey
        inner = newline + "  "
        before = tuple(f"{',' if n else '{'}{inner}{_key(name)}: " for n, name in enumerate(names))
        if len(_BEFORE) < 64:
            _BEFORE[newline, names] = before
    texts: list[str] = []
    for name, ahead in zip(names, before, strict=True):
        value = data[name]
        text = _string(value) if type(value) is str else _simple(value)
        if text is None:
            nested: list[str] = []
            _indented(value, newline + "  ", nested)
            text = "".join(nested)
        texts.append(ahead + text)
    texts.append(newline + "}")
    return "".join(texts)


#: The text before each value of a dict :func:`_dict_text` writes, by its
#: indentation and sorted keys.
_BEFORE: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}


def _indented(value: object, newline: str, parts: list[str]) -> None:
    """Append the indented JSON of ``value`` at the indentation ``newline`` holds.
    A key's or item's value that is a plain scalar (or an empty container,
    or :class:`Written` text) goes in with its key, without a call of its own:
    an item of the report holds a few dozen of them."""
    if isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        inner = newline + "  "
        separator = "{"
        for name in sorted(value):
            if not isinstance(name, str):
                raise _OtherKey
            item = value[name]
            text = _simple(item)
            if text is None:
                parts.append(f"{separator}{inner}{_key(name)}: ")
                _indented(item, inner, parts)
            else:
                parts.append(f"{separator}{inner}{_key(name)}: {text}")
            separator = ","
        parts.append(newline + "}")
    elif isinstance(value, list | tuple):
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        separator = "["
        joined = len(parts)
        for item in value:
            text = _simple(item)
            if text is None:
                parts.append(separator + inner)
                _indented(item, inner, parts)
            else:
                parts.append(f"{separator}{inner}{text}")
            separator = ","
            if len(parts) - joined > 4096:  # a long list: its small parts joined as it goes
                parts[joined:] = ["".join(parts[joined:])]
                joined += 1
        parts.append(newline + "]")
    elif type(value) is Written:
        parts.append(value)
    else:
        parts.append(_scalar(value))


def _simple(value: object) -> str | None:
    """The JSON text of a value of exactly a plain type (text, a whole number,
    a flag, nothing, a float, an empty dict or list, :class:`Written` text);
    ``None`` for anything else, which :func:`_indented` writes."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is float:
        return _scalar(value)
    if value is None:
        return "null"
    if kind is int:
        return str(value)
    if kind is Written:
        return value  # type: ignore[return-value]
    if kind is bool:
        return "true" if value else "false"
    if (kind is dict or kind is list or kind is tuple) and not value:
        return "{}" if kind is dict else "[]"
    return None


#: The JSON text of the keys met so far (the report's few dozen field names,
#: jurisdictions and rule ids), each encoded once; bounded for long-lived
#: processes.
_KEYS: dict[str, str] = {}


def _key(name: str) -> str:
    text = _KEYS.get(name)
    if text is None:
        text = _scalar(name)
        if len(_KEYS) < 4096:
            _KEYS[name] = text
    return text


def render_json(report: DeadlineReport, *, only_open: bool = False, stable: bool = False) -> str:
    return _dumps(report_data(report, only_open=only_open, stable=stable))


def render_errors_json(errors: Sequence[ContentError]) -> str:
    """``--format json`` when the content is invalid: no report, the errors."""
    return _dumps({"errors": [_error_data(e) for e in errors if e.severity == "error"],
                   "lint": [_error_data(e) for e in errors if e.severity != "error"],
                   "obligations": [], "summary": {}})  # fmt: skip
