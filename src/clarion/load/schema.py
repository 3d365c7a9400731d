"""Small declarative checks shared by the site.toml and front-matter readers:
unknown keys with "did you mean", types, choices and times."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ..errors import ErrorCollector, SourceLocation, did_you_mean

TYPE_NAMES = {
    str: "text",
    bool: "true or false",
    int: "a whole number",
    dict: "a table/mapping",
    list: "a list",
}


def check_keys(
    data: Mapping[str, object],
    allowed: Iterable[str],
    *,
    where: str,
    locate: Callable[[str], SourceLocation],
    errors: ErrorCollector,
) -> None:
    """Report every key of ``data`` not in ``allowed``, with a did-you-mean hint."""
    allowed = tuple(allowed)
    for key in data:
        if key not in allowed:
            errors.error(
                locate(key),
                f"unknown key '{key}' in {where}",
                expected="one of: " + ", ".join(allowed),
                hint=did_you_mean(key, allowed) or f"remove '{key}' or check its spelling",
            )


def expect_type(
    value: object,
    kind: type | tuple[type, ...],
    *,
    name: str,
    location: SourceLocation,
    errors: ErrorCollector,
) -> bool:
    """True when ``value`` has the type; otherwise report and return False."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    ok = isinstance(value, kinds) and not (bool not in kinds and isinstance(value, bool))
    if not ok:
        wanted = " or ".join(TYPE_NAMES.get(k, k.__name__) for k in kinds)
        errors.error(location, f"{name}: got {value!r}", expected=wanted)
    return ok


_TIME_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2}|[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)+)?$"
)


class TimeError(ValueError):
    """A time that cannot be read; the message says why."""


def parse_time(value: object, default_zone: ZoneInfo | None) -> datetime:
    """Read a YAML/TOML/heading time into an aware UTC datetime.

    Accepts datetimes (from YAML/TOML) and strings like ``2026-11-20 14:05 UTC``,
    ``2026-11-20T14:05:00+01:00`` or ``2026-11-20 15:05 Europe/Berlin``. A naive
    time is read in ``default_zone``; without one it is an error.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise TimeError(f"got a date without a time: {value.isoformat()}")
    elif isinstance(value, str):
        match = _TIME_RE.match(value.strip())
        if not match:
            raise TimeError(f"cannot read {value!r} as a time")
        try:
            moment = datetime.fromisoformat(f"{match['date']}T{match['time'].zfill(5)}")
        except ValueError as exc:
            raise TimeError(f"cannot read {value!r} as a time: {exc}") from None
        zone = match["zone"]
        if zone in ("Z", "UTC", "GMT"):
            moment = moment.replace(tzinfo=UTC)
        elif zone and zone[0] in "+-":
            try:
                moment = datetime.fromisoformat(moment.isoformat() + zone[:3] + ":" + zone[-2:])
            except ValueError:
                raise TimeError(f"impossible offset {zone!r} in {value!r}") from None
        elif zone:
            try:
                moment = moment.replace(tzinfo=ZoneInfo(zone))
            except (KeyError, ValueError, OSError):
                raise TimeError(f"unknown time zone {zone!r}") from None
    else:
        raise TimeError(f"expected a time, got {value!r}")
    if moment.tzinfo is None:
        if default_zone is None:
            raise TimeError(f"the time {value!s} has no zone and the site sets no timezone")
        moment = moment.replace(tzinfo=default_zone)
    return moment.astimezone(UTC)


TIME_EXPECTED = "a time with a zone, e.g. 2026-11-20T14:05:00Z or 2026-11-20 15:05 +01:00"
