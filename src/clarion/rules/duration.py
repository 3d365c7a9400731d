"""Durations: ISO 8601 (``PT72H``, ``P4D``, ``P1M``) and short forms (``2h``).

A :class:`Duration` keeps months, days and seconds apart, because a month is
not a fixed number of days and a calendar day is not always 24 hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_ISO_RE = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_SHORT_RE = re.compile(r"(?P<number>\d+)\s*(?P<unit>w|d|h|min|m|s)", re.IGNORECASE)
_SHORT_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1}


class DurationError(ValueError):
    """A duration that cannot be read."""


@dataclass(frozen=True, slots=True)
class Duration:
    """``months`` calendar months, ``days`` days and ``seconds`` seconds.

    ``text`` is the canonical ISO 8601 form, as written in the rulebook.
    """

    months: int = 0
    days: int = 0
    seconds: int = 0

    @property
    def text(self) -> str:
        out = "P"
        if self.months:
            out += f"{self.months}M"
        if self.days:
            out += f"{self.days}D"
        if self.seconds or out == "P":
            hours, rest = divmod(self.seconds, 3600)
            minutes, seconds = divmod(rest, 60)
            out += "T"
            if hours:
                out += f"{hours}H"
            if minutes:
                out += f"{minutes}M"
            if seconds or out.endswith("T"):
                out += f"{seconds}S"
        return out

    @property
    def is_fixed(self) -> bool:
        """True when the duration has no months (it is a fixed length of time)."""
        return self.months == 0

    def as_timedelta(self) -> timedelta:
        """Days counted as 24 hours; months are not allowed here."""
        if self.months:
            raise DurationError(f"{self.text} has months, which have no fixed length")
        return timedelta(days=self.days, seconds=self.seconds)

    def human(self) -> str:
        """``72 h``, ``4 days``, ``1 month``, ``30 min``."""
        parts = []
        if self.months:
            parts.append(f"{self.months} month{'s' if self.months != 1 else ''}")
        if self.days:
            parts.append(f"{self.days} day{'s' if self.days != 1 else ''}")
        hours, minutes = divmod(self.seconds // 60, 60)
        if hours:
            parts.append(f"{hours} h")
        if minutes:
            parts.append(f"{minutes} min")
        return " ".join(parts) or "0 min"

    def __str__(self) -> str:
        return self.text


def parse_duration(text: object) -> Duration:
    """Read ``PT72H``, ``P4D``, ``P1M``, ``P1DT12H`` or a short form such as
    ``2h``, ``90m``, ``1h30m``, ``3d``."""
    if not isinstance(text, str) or not text.strip():
        raise DurationError(f"expected a duration such as PT2H, got {text!r}")
    value = text.strip()
    match = _ISO_RE.match(value.upper())
    if match:
        numbers = {key: int(number or 0) for key, number in match.groupdict().items()}
        get = numbers.__getitem__
        return Duration(
            months=get("years") * 12 + get("months"),
            days=get("weeks") * 7 + get("days"),
            seconds=get("hours") * 3600 + get("minutes") * 60 + get("seconds"),
        )
    compact = value.replace(" ", "")
    pieces = list(_SHORT_RE.finditer(compact))
    if pieces and "".join(p.group(0) for p in pieces) == compact:
        total = sum(int(p["number"]) * _SHORT_SECONDS[p["unit"].lower()] for p in pieces)
        return Duration(seconds=total)
    raise DurationError(f"cannot read {text!r} as a duration")


def format_seconds(seconds: float) -> str:
    """A length of time for people: ``2 d 3 h``, ``4 h 5 min``, ``45 min``."""
    total = int(abs(seconds)) // 60
    days, rest = divmod(total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


DURATION_EXPECTED = "an ISO 8601 duration such as PT72H, P4D or P1M (or 2h, 30m)"
