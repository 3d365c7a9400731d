"""Updates dated after ``now``: held back until their time, and flagged.

Everything derived at ``now`` sees only what is dated at or before ``now``
(:meth:`clarion.model.Incident.as_of`); an update dated later is published
like a scheduled post, at its time (``clarion next-change`` names it).
Usually a future heading is a slip: the site's zone is UTC and the author
typed local time. :func:`future_update_warnings` says so, with the reading of
the same wall-clock time in the author's zone that would make it sensible.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ContentError, SourceLocation
from ..model import Site

#: How far ahead an update may be dated before ``clarion check`` warns (clock skew).
FUTURE_TOLERANCE = timedelta(minutes=5)


def author_zone() -> ZoneInfo | None:
    """The zone of the machine Clarion runs on (``TZ``, else ``/etc/localtime``),
    when it has an IANA name; ``None`` when it cannot be told."""
    names = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = Path("/etc/localtime").resolve()
        if "zoneinfo" in target.parts:
            names.append("/".join(target.parts[target.parts.index("zoneinfo") + 1 :]))
    except OSError:
        pass
    for name in names:
        if not name or name.startswith("/"):
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return None


def local_reading(
    at: datetime, site_zone: ZoneInfo, now: datetime, zone: ZoneInfo | None
) -> datetime | None:
    """``at``'s wall-clock time in the site's zone read in ``zone`` instead,
    when that reading is not in the future (and within a day of ``now``)."""
    if zone is None or zone.key == site_zone.key:
        return None
    wall = at.astimezone(site_zone).replace(tzinfo=None)
    reading = wall.replace(tzinfo=zone).astimezone(UTC)
    if reading <= now + FUTURE_TOLERANCE and now - reading < timedelta(days=1):
        return reading
    return None


def future_update_warnings(
    site: Site, now: datetime, site_zone: ZoneInfo, zone: ZoneInfo | None = None
) -> tuple[ContentError, ...]:
    """A warning for every update dated more than :data:`FUTURE_TOLERANCE`
    after ``now``: it stays hidden until then. ``zone`` is the author's zone
    (default: :func:`author_zone`) for the "did you mean" reading."""
    zone = author_zone() if zone is None else zone
    out = []
    for incident in site.incidents:
        for update in incident.updates:
            if update.at <= now + FUTURE_TOLERANCE:
                continue
            hint = "it is held back until then, like a scheduled post; if not meant, fix the time"
            reading = local_reading(update.at, site_zone, now, zone)
            if reading is not None and zone is not None:
                wall = update.at.astimezone(site_zone)
                hint = (
                    f"did you mean {wall:%H:%M} {zone.key} ({_site_time(reading, site_zone)})? "
                    f"Then write the heading as '## {_site_heading(reading, site_zone)} · "
                    f"{update.stage.label}'"
                )
            out.append(
                ContentError(
                    location=SourceLocation(incident.source_path, update.line),
                    message=(
                        f"this {update.stage.value} update is dated "
                        f"{_site_time(update.at, site_zone)}, "
                        f"{_span(update.at - now)} after now: it is not published before then"
                    ),
                    hint=hint,
                    severity="warning",
                )
            )
    return tuple(out)


def _site_time(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {zone.key}"


def _site_heading(moment: datetime, zone: ZoneInfo) -> str:
    """A heading time the loader reads back as ``moment`` (a time without a
    zone is in the site's zone)."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M}" + (" UTC" if zone.key in ("UTC", "Etc/UTC") else "")


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"
