"""``clarion send SLUG NAME``: send a drafted notice email and record it
(the logic is in :mod:`clarion.announce.send`; the record is ``clarion sent``'s).

Exit codes: 0 sent and recorded (or a dry run); 2 refused (placeholder, no
recipient, failed content check, not confirmed) or invalid usage; 5 the SMTP
server did not take it (nothing recorded).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..config import load_config
from ..errors import UsageError
from . import _common as common
from ._common import handle_errors, main, now_option, resolve_now, source_option
from .announce import EXIT_NOT_DELIVERED


@main.command("send")
@click.argument("slug")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Send without asking (for CI).")
@click.option("--dry-run", is_flag=True, help="Show the message and send nothing.")
@click.option(
    "--smtp-url-env",
    metavar="VARIABLE",
    help="The environment variable holding the SMTP URL (default: the email channel's "
    "smtp_url_env in [[announce]], else SMTP_URL).",
)
@source_option
@now_option
@handle_errors
def send_command(
    slug: str,
    name: str,
    yes: bool,
    dry_run: bool,
    smtp_url_env: str | None,
    source: Path,
    now_text: str | None,
) -> None:
    """Send the drafted email comms/<SLUG>/<NAME>.eml and record 'sent:'.

    The draft is shown first and sent after you confirm (--yes in CI). It is
    refused, with the reason, while it still holds a placeholder, has no
    recipient or fails its rule's content check. Once the SMTP server has
    taken it, 'sent:' is recorded exactly as 'clarion sent SLUG RULE' does.

    \b
    Examples:
      clarion send api-errors customer-ack --dry-run
      SMTP_URL=smtps://user:pw@smtp.example.com clarion send api-errors gdpr-art33 --yes
    """
    from ..announce.delivery import Policy
    from ..announce.send import find_draft, outgoing_message, preview, send_message, smtp_variable
    from ..authoring import record_sent

    config = load_config(source)
    now = resolve_now(config, now_text)
    ready = find_draft(config, slug, name, now)
    message = outgoing_message(config, ready.draft, now)
    click.echo(preview(message, ready.recipients))
    if ready.refusals:
        raise UsageError(
            f"not sending {ready.draft.path}:\n" + "\n".join(f"  - {r}" for r in ready.refusals)
        )
    if dry_run:
        common.err.print("Dry run: nothing was sent or recorded.", markup=False)
        return
    variable = smtp_variable(config, smtp_url_env)
    smtp_url = os.environ.get(variable, "").strip()
    if not smtp_url:
        raise UsageError(
            f"{variable} is not set: it holds the SMTP URL (smtps://USER:PASSWORD@HOST)"
        )
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("not a terminal: pass --yes to send without asking")
        if not click.confirm(f"Send this to {len(ready.recipients)} recipient(s)?", default=False):
            raise UsageError("not sent")
    outcome = send_message(message, ready.recipients, smtp_url, variable, Policy())
    if not outcome.delivered:
        common.err.print(
            f"not sent: {outcome.detail}; nothing was recorded.", style="red", markup=False
        )
        sys.exit(EXIT_NOT_DELIVERED)
    assert ready.draft.rule is not None
    written = record_sent(config, ready.draft.incident.slug, ready.draft.rule.id, at=now)
    common.err.print(
        f"Sent to {len(ready.recipients)} recipient(s) ({outcome.detail}); "
        f"recorded in {written.relpath}.",
        markup=False,
    )
