"""``clarion announce``: tell subscribers what changed, once (the logic is in
:mod:`clarion.announce`).

Exit codes: 0 every message delivered (or nothing to announce); 5 some
messages not delivered (they are retried on the next run); 2 invalid
configuration or usage, or a previous state that cannot be read; 3 internal
error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..config import load_config
from ..errors import UsageError
from . import _common as common
from ._common import handle_errors, main, now_option, resolve_now, source_option

#: Some messages were not delivered (PRODUCT.md's codes end at 4).
EXIT_NOT_DELIVERED = 5


@main.command("announce")
@click.option(
    "--previous",
    metavar="DIR_OR_URL",
    help="The page the world saw last: a folder holding the last published site, or its "
    "base URL. Default: site.base_url of site.toml.",
)
@click.option(
    "--public",
    "public_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The page about to be published (default: paths.public of site.toml).",
)
@click.option("--dry-run", is_flag=True, help="Print exactly what would be sent; send nothing.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: what was sent where, for scripts.",
)
@click.option(
    "--save-previous",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also keep the previous state's files in this folder (for a later --previous DIR).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Messages in flight at most.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    help="Seconds per request.",
)
@source_option
@now_option
@handle_errors
def announce_command(
    previous: str | None,
    public_dir: Path | None,
    dry_run: bool,
    output_format: str,
    save_previous: Path | None,
    concurrency: int,
    timeout: float,
    source: Path,
    now_text: str | None,
) -> None:
    """Send one message per change since the previous page to every
    [[announce]] channel: Slack, Teams, Discord, Mattermost, Rocket.Chat,
    signed webhooks and email.

    Run it after the new page is live. Changes are recognised by stable keys,
    and what was delivered is recorded in the public folder's announced.json,
    so a second run sends nothing twice and a retry sends only what failed.
    Exit 0: all delivered; 5: some not delivered; 2: invalid configuration.

    \b
    Examples:
      clarion announce --dry-run                      # what would go out
      clarion announce --previous https://status.acme.example/
      clarion announce --previous last-site/ --format json
    """
    from ..announce.delivery import Policy
    from ..announce.run import announce
    from ..announce.state import is_url, read_state, save_state

    config = load_config(source)
    now = resolve_now(config, now_text)
    if previous is None:
        if not is_url(config.base_url):
            raise UsageError("--previous is required: site.base_url is not an absolute URL")
        previous = config.base_url
    if not config.announce:
        common.err.print(
            "No [[announce]] channels in site_src/site.toml: nothing to send.", markup=False
        )
        return
    if save_previous is not None:
        save_state(read_state(previous), save_previous)
    report = announce(
        config,
        previous=previous,
        now=now,
        public_dir=public_dir.resolve() if public_dir is not None else None,
        dry_run=dry_run,
        policy=Policy(timeout=timeout),
        concurrency=concurrency,
    )
    if output_format == "json":
        click.echo(json.dumps(_json(report), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        _text(report)
    if report.failed and not dry_run:
        sys.exit(EXIT_NOT_DELIVERED)


def _json(report: object) -> dict[str, object]:
    from ..announce.run import Report

    assert isinstance(report, Report)
    by_key: dict[str, list[dict[str, object]]] = {}
    for d in report.deliveries:
        entry: dict[str, object] = {
            "channel": d.channel,
            "kind": d.kind,
            "host": d.host,
            "status": d.status,
            "attempts": d.attempts,
            "detail": d.detail,
        }
        if d.kind == "email":
            entry["recipients"] = d.recipients
        if report.dry_run:
            entry["preview"] = d.preview
        by_key.setdefault(d.key, []).append(entry)
    return {
        "previous": report.previous,
        "baseline": report.baseline,
        "dry_run": report.dry_run,
        "changes": [
            {
                "key": m.key,
                "event": m.event,
                "title": m.title,
                "stage": m.stage,
                "url": m.url,
                "deliveries": by_key.get(m.key, []),
            }
            for m in report.messages
        ],
        "delivered": sum(d.status == "delivered" for d in report.deliveries),
        "not_delivered": len(report.failed),
        "already_delivered": report.already,
    }


def _text(report: object) -> None:
    from ..announce.run import Report

    assert isinstance(report, Report)
    err = common.err
    if report.baseline:
        err.print(
            f"No published page at {report.previous} yet: nothing announced; "
            "this build is the baseline for the next run.",
            markup=False,
        )
        return
    headlines = {m.key: m.headline for m in report.messages}
    for d in report.deliveries:
        if report.dry_run:
            click.echo(f"=== {d.channel} ({d.kind}, {d.host}): {headlines[d.key]}")
            if d.detail:
                click.echo(f"# {d.detail}")
            click.echo(d.preview.rstrip("\n"))
            click.echo()
            continue
        mark = {"delivered": "sent", "failed": "FAILED", "skipped": "not tried"}[d.status]
        line = f"{mark:>9}  {d.channel} ({d.host})  {headlines[d.key]}"
        if d.status != "delivered" or d.attempts > 1:
            line += f"  [{d.detail}]"
        err.print(line, markup=False)
    total, failed = len(report.deliveries), len(report.failed)
    if report.dry_run:
        err.print(
            f"Dry run: {total} message(s) for {len(report.messages)} change(s); nothing sent.",
            markup=False,
        )
    elif not report.messages:
        err.print(f"Nothing new since {report.previous}.", markup=False)
    else:
        summary = (
            f"Delivered {total - failed} of {total} message(s) for {len(report.messages)} change(s)"
        )
        if report.already:
            summary += f"; {report.already} delivered earlier"
        err.print(summary + f" in {report.seconds:.1f} s.", markup=False)
        if failed:
            err.print(
                f"{failed} not delivered: recorded as owed in announced.json; "
                "the next run retries them.",
                style="bold red",
                markup=False,
            )
