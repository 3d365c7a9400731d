"""``clarion new postmortem`` and ``clarion new runbook`` (the logic is in
:mod:`clarion.authoring.learning`)."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_config
from . import _common as common
from ._common import handle_errors, now_option, resolve_now, source_option
from .new import new
from .writing import _parse_at, _report, at_option


@new.command("postmortem")
@click.argument("slug")
@click.option("--again", is_flag=True, help="Add a second postmortem to an incident that has one.")
@at_option
@source_option
@now_option
@handle_errors
def new_postmortem_command(
    slug: str, again: bool, at_text: str | None, source: Path, now_text: str | None
) -> None:
    """Draft the postmortem of incident SLUG from its file.

    Adds a 'Postmortem' update dated now (or --at) with the timeline, the
    impact per component and the sections to write (Summary, Root cause with
    5 Whys, What went well, What went wrong, Action items), each with a prompt
    in an HTML comment that is never published. SLUG accepts a unique
    prefix. Commit it on a branch and merge it when it is written.

    \b
    Examples:
      clarion new postmortem api-errors
      clarion new postmortem 2026-11-12-api --at "2026-11-13 16:00 UTC"
    """
    from ..authoring.learning import new_postmortem

    config = load_config(source)
    now = resolve_now(config, now_text)
    written = new_postmortem(config, slug, at=_parse_at(config, at_text, now), now=now, again=again)
    click.echo(written.relpath)
    _report(written)
    common.err.print(f"Drafted the postmortem of {written.slug}.", markup=False)


@new.command("runbook")
@click.argument("name")
@source_option
@now_option
@handle_errors
def new_runbook_command(name: str, source: Path, now_text: str | None) -> None:
    """Start runbooks/NAME.md: trigger, severity, owner, last updated,
    prerequisites, steps, verification and rollback.

    Runbooks are private unless their front matter says 'public: true'.
    Incidents name the runbooks they used with 'runbooks: [NAME]'.

    \b
    Example:
      clarion new runbook db-failover
    """
    from ..authoring.learning import new_runbook

    config = load_config(source)
    written = new_runbook(config, name, now=resolve_now(config, now_text))
    click.echo(written.relpath)
    _report(written)
    common.err.print(f"Started the runbook {written.slug}.", markup=False)
