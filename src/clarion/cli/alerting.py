"""``clarion new incident --from-alert``: read the payload, map it, draft the file
(the logic is in :mod:`clarion.alerts`); and ``clarion brief``."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import click

from ..alerts import read_alert
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
    customers_affected: bool | None,
    public: bool,
    message: str | None,
    slug: str | None,
) -> None:
    from ..alerts.draft import DraftOptions, draft_incident
    from ..alerts.mapping import map_alert

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


@common.main.command()
@click.argument("slug")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "slack"]),
    default="text",
    show_default=True,
    help="text for a terminal, markdown to paste into chat or a pull request, "
    "slack for Block Kit JSON a bot can post.",
)
@common.source_option
@common.now_option
@common.handle_errors
def brief(slug: str, output_format: str, source: Path, now_text: str | None) -> None:
    """The response kit for the first minutes of incident SLUG.

    The chat channel name (#incident-YYYY-MM-DD-topic), a summary to pin
    (severity and what it means, commander, comms lead, status page link,
    next public update due, customer and regulator clocks already running,
    the update template) and the severity's checklist. Private: it names the
    responders; post it only to an internal channel.

    \b
    Examples:
      clarion brief api-errors
      clarion brief api-errors --format markdown | pbcopy
      clarion brief api-errors --format slack > brief.json
    """
    from ..authoring import find_incident_file
    from ..brief import make_brief
    from ..brief.render import RENDERERS
    from ..config import load_config
    from ..load import load_site
    from ..rules import load_rules

    config = load_config(source)
    now = common.resolve_now(config, now_text)
    path = find_incident_file(config, slug)
    site = load_site(config)
    incident = site.by_slug(path.stem)
    if incident.is_maintenance:
        raise UsageError(f"{path.stem} is a maintenance, not an incident: there is no brief for it")
    kit = make_brief(config, site, load_rules(config), incident, now)
    click.echo(RENDERERS[output_format](kit), nl=False)
