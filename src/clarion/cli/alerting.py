"""``clarion new incident --from-alert``: read the payload, map it, draft the file
(the logic is in :mod:`clarion.alerts`); and ``clarion brief``."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import click

from ..alerts import read_alert
from ..alerts.draft import DraftOptions, draft_incident
from ..alerts.mapping import map_alert
from ..config import SiteConfig
from ..errors import UsageError
from ..model import Impact, Severity
from . import _common as common


def read_payload(name: str) -> tuple[str, str]:
    """The payload's text and how messages name it (``-``: stdin)."""
    if name == "-":
        return sys.stdin.read(), "<stdin>"
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8"), name
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--from-alert: cannot read {name}: {exc}") from None


def draft_from_alert(
    config: SiteConfig,
    source: str,
    fmt: str,
    *,
    key_only: bool,
    title: str | None,
    severity: Severity | None,
    components: dict[str, Impact],
    at: datetime,
    customers_affected: bool,
    public: bool,
    message: str | None,
    slug: str | None,
) -> None:
    text, shown = read_payload(source)
    alert = read_alert(text, shown, fmt, config.alerts)
    if key_only:
        click.echo(alert.branch_key)
        return
    mapped = map_alert(alert, config.alerts)
    if components:  # -c on the command line wins over the mapping
        mapped = replace(mapped, components=dict(components))
    written = draft_incident(
        config,
        mapped,
        DraftOptions(
            at=at,
            title=title,
            severity=severity,
            customers_affected=customers_affected,
            public=public,
            message=message,
            slug=slug,
        ),
    )
    click.echo(written.relpath)
    for warning in written.warnings:
        common.err.print(f"warning: {warning}", style="yellow", markup=False)
    for note in written.notes:
        common.err.print(f"note: {note}", markup=False)
