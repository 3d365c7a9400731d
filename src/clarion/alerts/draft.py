"""``clarion new incident --from-alert``: a drafted incident file from an alert.

The first alert of an incident writes a new file (through
:func:`clarion.authoring.new_incident`, which validates and writes it); the
alert's source, dedup key, title and link go into the file's ``private:``
block, never published. A later alert with the same dedup key (PagerDuty's
``incident.acknowledged`` after ``incident.triggered``, a repeated
notification of an Alertmanager group) finds that file and only fills what it
adds: the ``acknowledged`` time. Nothing else of a file people may already
have edited is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError, display_path
from ..load.frontmatter import FrontMatterError, split_front_matter
from ..model import Severity
from .alert import Alert, AlertEvent
from .mapping import MappedAlert

if TYPE_CHECKING:
    from ..authoring import Written
    from ..config import SiteConfig


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftOptions:
    """What the command line adds to the alert (each ``None``: from the alert)."""

    at: datetime
    title: str | None = None
    severity: Severity | None = None
    customers_affected: bool | None = None  # None: yes for SEV0/SEV1, as `clarion new`
    public: bool = True
    message: str | None = None
    slug: str | None = None


def alert_record(alert: Alert) -> dict[str, str]:
    """The ``private: alert:`` block of a drafted incident."""
    record = {"source": alert.format, "dedup_key": alert.dedup_key, "title": alert.title}
    if alert.url:
        record["url"] = alert.url
    return record


def find_drafted(config: SiteConfig, alert: Alert) -> Path | None:
    """The incident file drafted from an earlier alert with the same source and
    dedup key, if any."""
    folder = config.updates_dir
    for path in sorted(folder.rglob("*.md")) if folder.is_dir() else ():
        try:
            data = split_front_matter(path.read_text(encoding="utf-8").replace("\r\n", "\n")).data
        except (FrontMatterError, UnicodeDecodeError):
            continue
        private = data.get("private")
        record = private.get("alert") if isinstance(private, dict) else None
        if (
            isinstance(record, dict)
            and record.get("source") == alert.format
            and str(record.get("dedup_key")) == alert.dedup_key
        ):
            return path
    return None


def draft_incident(config: SiteConfig, mapped: MappedAlert, options: DraftOptions) -> Written:
    """Write (or complete) the incident file for ``mapped``'s alert."""
    from ..authoring import Written, fill_front_matter_time, new_incident

    alert = mapped.alert
    existing = find_drafted(config, alert)
    if existing is not None:
        relpath = display_path(existing, config.root)
        notes: list[str] = []
        if alert.acknowledged_at is not None and fill_front_matter_time(
            config, existing, "acknowledged", alert.acknowledged_at
        ):
            notes.append("filled 'acknowledged' from the alert")
        elif alert.event is AlertEvent.RESOLVED:
            notes.append(
                "the alert resolved; the incident stays open until a responder posts "
                "a resolved update"
            )
        else:
            notes.append("already drafted from this alert; nothing changed")
        return Written(path=existing, relpath=relpath, slug=existing.stem, notes=tuple(notes))
    if alert.event is AlertEvent.RESOLVED:
        raise UsageError(
            f"the {alert.format} alert '{alert.title}' is already resolved; nothing to declare, "
            "nothing was written"
        )
    severity = options.severity or mapped.severity
    if severity is None:
        where = f"[alerts.map.{mapped.rules[0]}]" if mapped.rules else "[alerts]"
        raise UsageError(
            f"no severity for the alert '{alert.title}': no matching rule suggests one; "
            "nothing was written.\n"
            f'  hint: pass --severity, or add severity = "SEV2" to {where} in site_src/site.toml'
        )
    notes = [f"mapped by [alerts.map] rule(s): {', '.join(mapped.rules)}"]
    notes += [f"not mapped: {s.describe()} (matches no [alerts.map] rule)" for s in mapped.unmapped]
    if options.title is None and mapped.title == alert.title:
        notes.append("the public title is the alert's: review it before this is published")
    detected = alert.triggered_at
    if detected is not None and detected > options.at:
        detected = options.at  # a paging tool's clock ahead of ours
    return new_incident(
        config,
        title=options.title or mapped.title,
        severity=severity,
        components=mapped.components,
        at=options.at,
        customers_affected=(
            severity.rank <= 1 if options.customers_affected is None else options.customers_affected
        ),
        public=options.public,
        message=options.message,
        slug=options.slug,
        detected=detected,
        acknowledged=alert.acknowledged_at,
        private={"alert": alert_record(alert)},
        notes=notes,
    )
