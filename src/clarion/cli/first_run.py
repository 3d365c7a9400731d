"""``clarion init``: start a site, or bring an existing site's workflows up to
date (the logic is in :mod:`clarion.authoring` and :mod:`clarion.github.first_run`)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from ..config import CONFIG_RELPATH
from ..errors import UsageError
from . import _common as common
from ._common import handle_errors, main, now_option, resolve_now


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _say(text: str, style: str | None = None) -> None:
    common.err.print(text, style=style, markup=False)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Overwrite scaffold files that already exist in DIRECTORY."
)
@click.option(
    "--deadline-schedule",
    "deadline_schedule",
    type=click.Choice(["15min", "30min", "hourly", "6h", "daily", "off"]),
    help="How often .github/workflows/deadlines.yml checks deadlines and updates reminder issues "
    "(off: only on push). Asked on a terminal; default: hourly (about 720 Actions minutes a month "
    "on a private repository).",
)
@click.option(
    "--clarion-source",
    "clarion_source",
    type=click.Choice(["action", "pip", "git"]),
    default="action",
    show_default=True,
    help="Where the workflows get Clarion: its GitHub Action (installed from the action's files), "
    "PyPI (pip install clarion-status==VERSION) or a git URL. Each is pinned to this Clarion: its "
    "release, or its commit when it runs from a git checkout.",
)
@click.option(
    "--upgrade-workflows",
    is_flag=True,
    help="On an existing site: rewrite only .github/workflows/ for this Clarion, keeping their "
    "schedules and branches. Offered on a terminal when DIRECTORY is a site already.",
)
@click.option(
    "--base-url",
    "base_url",
    metavar="URL",
    help="The page's public address, written into site_src/site.toml. Asked on a terminal.",
)
@click.option(
    "--no-git",
    is_flag=True,
    help="Do not make DIRECTORY a git repository (by default it becomes one unless it is inside "
    "one already; an existing repository is never touched).",
)
@now_option
@handle_errors
def init(
    directory: Path,
    force: bool,
    deadline_schedule: str | None,
    clarion_source: str,
    upgrade_workflows: bool,
    base_url: str | None,
    no_git: bool,
    now_text: str | None,
) -> None:
    """Create a new status site in DIRECTORY.

    Writes site_src/site.toml (commented settings, a few components), one
    example incident (dated yesterday), templates/ and comms/ folders, a
    .gitignore for the output folders and the CI workflows, pinned to this
    Clarion. The site builds and checks cleanly at once. DIRECTORY becomes a
    git repository (branch main) unless it is inside one. Existing files are
    never overwritten unless --force is given.

    \b
    Examples:
      clarion init status-site
      clarion init status-site --base-url https://status.acme.io/ --deadline-schedule 6h
      clarion init . --upgrade-workflows      # an existing site: only its workflows
      cd status-site && clarion serve
    """
    now = resolve_now(None, now_text)
    is_site = (directory / CONFIG_RELPATH).is_file()
    if is_site and not force and not upgrade_workflows:
        if not _interactive():
            raise UsageError(
                f"{directory} is a Clarion site already; nothing was written.\n"
                f"  hint: clarion init {directory} --upgrade-workflows updates only its workflows; "
                "--force overwrites every scaffold file"
            )
        upgrade_workflows = click.confirm(
            f"{directory} is a Clarion site already. Update only its workflows to this Clarion?",
            default=False,
            err=True,
        )
        if not upgrade_workflows:
            _say("Nothing was written.")
            return
    if upgrade_workflows:
        _upgrade(directory, now, clarion_source, deadline_schedule)
        return
    if _interactive():
        if deadline_schedule is None:
            deadline_schedule = _ask_schedule()
        if base_url is None:
            base_url = click.prompt(
                "The page's public address (base_url), e.g. https://status.acme.io/ "
                "(empty: set it later in site_src/site.toml)",
                default="",
                show_default=False,
                err=True,
            )
    _create(directory, now, force, deadline_schedule, clarion_source, base_url, no_git)


def _create(
    directory: Path,
    now: datetime,
    force: bool,
    deadline_schedule: str | None,
    clarion_source: str,
    base_url: str | None,
    no_git: bool,
) -> None:
    from ..authoring import init_site
    from ..config import load_config
    from ..github.first_run import init_repository, next_steps, normalise_base_url, set_base_url
    from ..github.publishing import DEFAULT_DEADLINE_SCHEDULE

    if base_url:
        base_url = normalise_base_url(base_url)  # a bad address: nothing written
    result = init_site(
        directory,
        now=now,
        force=force,
        deadline_schedule=deadline_schedule or DEFAULT_DEADLINE_SCHEDULE,
        clarion_source=clarion_source,
    )
    for relpath in (*result.created, *result.replaced):
        click.echo((directory / relpath).as_posix())
    if result.replaced:
        _say(f"Overwrote {len(result.replaced)} existing file(s) (--force).", style="yellow")
    if base_url:
        set_base_url(directory, base_url)
    repository = "skipped" if no_git else init_repository(directory)
    shown = directory.as_posix()
    _say(
        f"Created a status site in {shown}"
        + {
            "created": " and made it a git repository (branch main).",
            "existing": " inside an existing git repository (left as it is).",
            "no-git": " (git is not installed: make it a repository yourself).",
            "skipped": ".",
        }[repository]
    )
    _say(next_steps(shown, load_config(directory).base_url, repository))


def _upgrade(
    directory: Path, now: datetime, clarion_source: str, deadline_schedule: str | None
) -> None:
    from ..github.first_run import upgrade_workflows
    from ..github.publishing import running_clarion

    results = upgrade_workflows(
        directory, now=now, clarion_source=clarion_source, deadline_schedule=deadline_schedule
    )
    for item in results:
        if item.state != "unchanged":
            click.echo((directory / item.relpath).as_posix())
        _say(f"{item.state:>9}  {item.relpath}")
    pin = running_clarion().describe()
    if any(item.state != "unchanged" for item in results):
        _say(
            f"The workflows now install {pin} ({clarion_source}); schedules and branches were "
            "kept. Review with `git diff`, then commit."
        )
    else:
        _say(f"The workflows already install {pin} ({clarion_source}).")


def _ask_schedule() -> str:
    from ..github.publishing import DEADLINE_SCHEDULES, DEFAULT_DEADLINE_SCHEDULE, minutes_per_month

    _say(
        "How often should the deadline workflow run? Each run bills about 1 Actions minute "
        "on a private repository:"
    )
    for choice in DEADLINE_SCHEDULES.values():
        cost = (
            f"about {minutes_per_month(choice):,} min/month"
            if choice.cron
            else "no scheduled minutes"
        )
        _say(f"  {choice.name:<7} {choice.description} ({cost})")
    answer: str = click.prompt(
        "Deadline schedule",
        type=click.Choice(list(DEADLINE_SCHEDULES)),
        default=DEFAULT_DEADLINE_SCHEDULE,
        err=True,
    )
    return answer
