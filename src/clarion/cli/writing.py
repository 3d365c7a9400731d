"""``clarion update`` and ``sent``, and the options and prompts every command
that writes source files shares (the logic is in :mod:`clarion.authoring`;
``new`` is in :mod:`.new`, ``init`` in :mod:`.first_run`)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ..config import SiteConfig, load_config
from ..errors import ContentErrors, UsageError
from ..load.schema import TimeError
from . import _common as common
from ._common import handle_errors, main, now_option, resolve_now, source_option
from .when import AT_EXPECTED, describe_at, parse_at

# -- writing updates: init, new, update, sent, serve ---------------------------------
# The logic lives in authoring/ (files) and serve.py (preview); these are thin.


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _parse_at(
    config: SiteConfig, at_text: str | None, now: datetime, option: str = "--at"
) -> datetime:
    """A time option read in the site's zone (``now``, ``22:30``, ``-10m``,
    ``10 min ago`` or a full time: :func:`clarion.cli.when.parse_at`); ``now``
    when not given. The absolute time is echoed on stderr."""
    if not at_text:
        return now
    try:
        moment = parse_at(at_text, now, config.timezone)
    except TimeError as exc:
        raise UsageError(f"{option}: {exc}; expected {AT_EXPECTED}") from None
    common.err.print(f"{option} {at_text}: {describe_at(moment, config.timezone)}", markup=False)
    return moment


def _report(written: Any) -> None:
    """Warnings and notes of an authoring command, on stderr."""
    for warning in written.warnings:
        common.err.print(f"warning: {warning}", style="yellow", markup=False)
    for note in written.notes:
        common.err.print(f"note: {note}", markup=False)


at_option = click.option(
    "--at",
    "at_text",
    metavar="TIME",
    help=(
        "When it happened: now, HH:MM (today), -10m, '10 min ago', or a full time "
        "(without a zone: the site's zone). Default: now."
    ),
)


@main.command()
@click.argument("slug")
@click.argument("stage")
@click.argument("message", required=False)
@click.option(
    "--impact",
    "-i",
    "impacts",
    multiple=True,
    metavar="ID=IMPACT",
    help="Change component impact from this update on, e.g. api=operational. Repeatable.",
)
@at_option
@source_option
@now_option
@handle_errors
def update(
    slug: str,
    stage: str,
    message: str | None,
    impacts: tuple[str, ...],
    at_text: str | None,
    source: Path,
    now_text: str | None,
) -> None:
    """Add a timestamped update to an incident or maintenance.

    SLUG may be a unique prefix of the slug, with or without its date
    (api-err finds 2026-11-20-api-errors). STAGE is investigating, identified,
    monitoring, resolved or postmortem (maintenance: scheduled, in_progress,
    verifying, completed, cancelled). With --at the update is placed in time
    order. Without MESSAGE, $EDITOR opens on a terminal; '-' reads stdin.
    Odd transitions are warned about: an update after 'resolved' reopens
    the incident.

    \b
    Examples:
      clarion update api-errors identified "A faulty deploy is being rolled back."
      clarion update 2026-11-20-api monitoring "Error rates are back to normal." -i api=operational
      clarion update api-errors resolved "Resolved." --at "2026-11-20 15:10 UTC"
      clarion update api-errors monitoring          # opens $EDITOR
    """
    from ..authoring import add_update, editor_template, message_from_editor, resolve_update_target

    config = load_config(source)
    now = resolve_now(config, now_text)
    at = _parse_at(config, at_text, now)
    if message == "-":
        message = sys.stdin.read()
    elif message is None:
        incident, chosen = resolve_update_target(config, slug, stage)
        if not _interactive():
            raise UsageError(
                "give the update's text as the third argument, or '-' to read it from stdin"
            )
        message = message_from_editor(
            click.edit(editor_template(incident, chosen, at), extension=".md")
        )
        if not message:
            raise UsageError("the message is empty; nothing was written")
    written = add_update(config, slug, stage, message, at=at, now=now, impacts=impacts)
    click.echo(written.relpath)
    _report(written)
    common.err.print(f"Added an update ({stage.lower()}) to {written.slug}.", markup=False)


@main.command()
@click.argument("slug")
@click.argument("rule")
@click.option(
    "--force",
    is_flag=True,
    help="Record it again even if a notice for RULE is already marked sent.",
)
@at_option
@source_option
@now_option
@handle_errors
def sent(
    slug: str, rule: str, force: bool, at_text: str | None, source: Path, now_text: str | None
) -> None:
    """Record that the notice for RULE about incident SLUG went out.

    A draft notice in comms/<slug>/ for RULE gets 'sent:' set; otherwise a
    minimal notice comms/<slug>/<rule>-sent.md with 'rule:' and 'sent:' is
    written. Either satisfies the rule's deadline. SLUG accepts a unique prefix.

    \b
    Examples:
      clarion sent api-errors customer-ack
      clarion sent 2026-11-20-api-errors gdpr-art33-authority --at "2026-11-22 09:30 UTC"
    """
    from ..authoring import record_sent

    config = load_config(source)
    now = resolve_now(config, now_text)
    at = _parse_at(config, at_text, now)
    written = record_sent(config, slug, rule, at=at, known_rules=_rule_ids(config), force=force)
    click.echo(written.relpath)
    _report(written)
    common.err.print(f"Recorded {rule} as sent for {written.slug}.", markup=False)


def _rule_ids(config: SiteConfig) -> tuple[str, ...] | None:
    """The rulebook's rule ids (None when no rulebook is available)."""
    try:
        from ..rules import load_rules, shipped_rules
    except ImportError:  # pragma: no cover - the rulebook ships with Clarion
        return None
    try:
        return tuple(load_rules(config).ids)
    except ContentErrors:
        return tuple(rule.id for rule in shipped_rules())
