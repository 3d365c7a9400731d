"""``clarion import FORMAT SOURCE``: the history of another status page as
``updates/*.md`` files (the logic is in :mod:`clarion.importers`)."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_config
from ..core.collection import no_cycle_collection
from ..importers import FORMATS, read_source
from . import _common as common
from ._common import handle_errors, main, source_option


@main.command("import")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(FORMATS))
@click.argument("from_path", metavar="[SOURCE]", required=False, type=click.Path(path_type=Path))
@click.option(
    "--url", metavar="URL", help="statuspage: fetch api/v2/*.json from this page instead of SOURCE."
)
@click.option(
    "--issues",
    "issues",
    type=click.Path(dir_okay=False, path_type=Path),
    help="upptime: the `gh issue list --json ...` output (default: SOURCE/issues.json).",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="Import the source component OLD (its id or name) as the site's component NEW.",
)
@click.option(
    "--keep-ids",
    is_flag=True,
    help="statuspage: keep Statuspage's incident and component ids (statuspage_id), "
    "so the API Clarion publishes serves the same ids.",
)
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite files from an earlier import that changed.")
@source_option
@handle_errors
def import_(
    format_name: str,
    from_path: Path | None,
    url: str | None,
    issues: Path | None,
    maps: tuple[str, ...],
    keep_ids: bool,
    dry_run: bool,
    force: bool,
    source: Path,
) -> None:
    """Import a status page's history from FORMAT (statuspage, cstate, upptime;
    instatus is refused with the reason).

    Writes one updates/<slug>.md per incident and maintenance, and adds the
    missing components and groups to site_src/site.toml (the diff is shown
    first). Re-running finds its files again: unchanged files are left
    alone, changed ones need --force. Every step that loses or guesses
    something is reported. Nothing is written when anything fails.

    \b
    Examples:
      clarion import statuspage saved-api/ --keep-ids
      clarion import statuspage --url https://status.example.com --dry-run
      clarion import cstate ../old-status --map "Media Proxy=cdn"
      clarion import upptime ../upptime-repo --issues issues.json
    """
    # imported here: the HTML converter they load slows every other command's start
    from ..importers.apply import apply_plan, check_conflicts, site_toml_diff
    from ..importers.plan import make_plan, parse_maps

    config = load_config(source)
    with no_cycle_collection():  # thousands of records stay alive until the end
        batch = read_source(format_name, from_path, url=url, issues=issues)
        plan = make_plan(config, batch, maps=parse_maps(maps), keep_ids=keep_ids)
    diff = site_toml_diff(plan, config)
    if diff:
        click.echo(diff, nl=False)
    for planned in plan.files:
        if planned.state != "unchanged":
            verb = "write" if planned.state == "new" else "update"
            click.echo(f"{'would ' if dry_run else ''}{verb} {planned.relpath}")
    for line in batch.report.lines():
        common.err.print(f"lossy: {line}", markup=False)
    counts = {
        s: sum(1 for f in plan.files if f.state == s) for s in ("new", "changed", "unchanged")
    }
    summary = (
        f"{len(plan.files)} items from {format_name}: {counts['new']} new, "
        f"{counts['changed']} changed, {counts['unchanged']} unchanged; "
        f"{_count(len(plan.added_components), 'component')} and "
        f"{_count(len(plan.added_groups), 'group')} added"
    )
    if dry_run:
        check_conflicts(plan, force)
        click.echo(f"dry run: {summary}; nothing was written")
        return
    apply_plan(plan, config, force=force)
    click.echo(summary)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"
