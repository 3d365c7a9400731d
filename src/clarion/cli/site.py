"""``clarion build``, ``serve`` and ``next-change``: building and previewing the site."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from ..config import load_config
from . import _common as common
from ._common import handle_errors, main, now_option, resolve_now, source_option

#: What a build made, held until the process ends: the ``clarion`` program
#: exits without freeing its objects one by one (``cli._common.run``), and
#: neither should the command's return.
_HELD_TO_EXIT: list[object] = []


@main.command()
@source_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Public output folder (default: paths.public of site.toml).",
)
@click.option(
    "--private-out",
    "private_out",
    type=click.Path(file_okay=False, path_type=Path),
    help=(
        "Private output folder for email drafts and the deadline report "
        "(default: paths.private of site.toml); never inside the public one."
    ),
)
@now_option
@click.option(
    "--no-cache",
    is_flag=True,
    help="Ignore .clarion-cache/ and render everything (the output is the same).",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Say which inputs changed since the last build and which files now differ.",
)
@handle_errors
def build(
    source: Path,
    out: Path | None,
    private_out: Path | None,
    now_text: str | None,
    no_cache: bool,
    explain: bool,
) -> None:
    """Render the public site and the private comms folder.

    Fails (exit 2) only on invalid content; overdue deadlines never block a
    build. The previous output stays untouched when a build fails.

    \b
    Examples:
      clarion build                           # the site in the current folder
      clarion build --source site --out dist  # another root and output folder
      clarion build --private-out ../comms-out # drafts outside the repository
      clarion build --now 2026-11-27T12:00Z   # reproducible: pretend it is then
      clarion build --explain                 # why each file was rebuilt
    """
    from ..build import build as run_build
    from ..core.collection import no_collection_at_exit

    no_collection_at_exit()  # the command ends with the build
    started = time.perf_counter()
    config = load_config(source)
    now = resolve_now(config, now_text)
    with _BuildProgress() as progress:
        result = run_build(
            config,
            now=now,
            public_dir=out,
            private_dir=private_out,
            use_cache=not no_cache,
            progress=progress,
        )
    _HELD_TO_EXIT.append(result)
    for warning in result.warnings:
        common.err.print(warning, markup=False)
    from ..render import Area

    if explain:
        from ..output.explain import format_explanation

        click.echo(format_explanation(list(result.reasons), result.report))
    elapsed = time.perf_counter() - started
    common.err.print(
        f"Built {result.report.files[Area.PUBLIC]} public "
        f"files into {_shown(result.public_dir, source)}"
        f" and {result.report.files[Area.PRIVATE]} private "
        f"files into {_shown(result.private_dir, source)}"
        f" in {elapsed:.2f} s{'' if result.report.changed else ' (nothing changed)'}.",
        markup=False,
    )
    if config.now is not None and now_text is None:
        common.err.print(
            "The site pins its clock (site.now): the page never changes by itself.", markup=False
        )
    else:
        change = result.next_change
        common.err.print(
            f"The page changes by itself at {change.at:%Y-%m-%dT%H:%M:%SZ}: {change.describe()}.",
            markup=False,
        )


class _BuildProgress:
    """A progress bar on stderr for builds that take more than a moment: it
    appears after one second, only on a terminal, and disappears when done."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.bar: Any = None
        self.task: Any = None
        # asked once: the answer reads the environment, and a build reports
        # progress once per file it makes
        self.terminal = common.err.is_terminal

    def __enter__(self) -> _BuildProgress:
        return self

    def __call__(self, done: int, expected: int) -> None:
        if self.bar is None:
            if not self.terminal or time.perf_counter() - self.started < self.DELAY:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("Building"),
                BarColumn(),
                MofNCompleteColumn(),
                console=common.err,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("build", total=expected)
        self.bar.update(self.task, completed=done, total=expected)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _shown(path: Path, source: Path) -> str:
    try:
        return path.relative_to(source.resolve()).as_posix() + "/"
    except ValueError:
        return str(path)


@main.command()
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@source_option
@now_option
@handle_errors
def serve(port: int, source: Path, now_text: str | None) -> None:
    """Preview the site at http://127.0.0.1:PORT/ with live reload.

    Builds in memory (public/ and private/ are not touched), watches
    site_src/, updates/, comms/ and templates/, rebuilds after each change and
    reloads open browser tabs. A content error is printed here and shown as
    an overlay in the browser; the last good build stays up until it is
    fixed. While an incident is active, this terminal says when its next
    public update is due.

    \b
    Examples:
      clarion serve
      clarion serve --port 8080 --source status-site
    """
    from ..serve import serve as run_serve

    run_serve(
        source,
        clock=lambda config: resolve_now(config, now_text),
        port=port,
        log=lambda text: common.err.print(text, markup=False, highlight=False),
    )


@main.command("next-change")
@source_option
@now_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: for people; json: for machines; github: name=value lines for $GITHUB_OUTPUT.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The built public folder to digest (default: paths.public of site.toml).",
)
@click.option(
    "--deployed-digest",
    "deployed",
    metavar="DIGEST",
    help="The public_digest of the page that is deployed "
    "now: adds changed=true when the built page differs "
    "from it (or DIGEST is empty: nothing known to be deployed).",
)
@handle_errors
def next_change_command(
    source: Path, now_text: str | None, fmt: str, out: Path | None, deployed: str | None
) -> None:
    """When does the page next change by itself, and has it changed?

    A static page shows the state at build time. Without a commit it changes
    when a maintenance window opens or closes, when an update dated ahead of
    time becomes due, and at midnight in the site's zone (the uptime bars move
    on a day); while an incident is active its figures change all the time.
    This names the next such moment and gives a digest of the built public
    folder; with --deployed-digest it says whether the build differs from the
    deployed page. The scheduled publish workflow deploys only then.

    \b
    Examples:
      clarion next-change
      clarion next-change --format json
      clarion build && clarion next-change --format github \\
          --deployed-digest "$LAST" >> "$GITHUB_OUTPUT"
    """
    import json

    from ..derive import derive_state
    from ..github.publishing import change_data, github_output, next_change, public_digest
    from ..load import load_site
    from ..rules.duration import format_seconds

    config = load_config(source)
    now = resolve_now(config, now_text)
    state = derive_state(config, load_site(config).incidents, now)
    change = next_change(state, config.timezone)
    data = change_data(change, state)
    folder = out.resolve() if out is not None else config.paths.public
    data["public_digest"] = digest = public_digest(folder)
    if deployed is not None:
        data["changed"] = digest is None or deployed.strip() != digest
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
        return
    if fmt == "github":
        click.echo(github_output(data), nl=False)
        return
    lines = [
        f"Now:         {now:%Y-%m-%d %H:%M} UTC",
        f"Next change: {change.at:%Y-%m-%d %H:%M} UTC (in "
        f"{format_seconds((change.at - now).total_seconds())}): {change.describe()}",
    ]
    lines.append(
        f"Built page:  {digest} ({_shown(folder, source)})"
        if digest
        else f"Built page:  none in {_shown(folder, source)} (run clarion build)"
    )
    if deployed is not None:
        lines.append(
            f"Deployed:    "
            f"{'differs: deploy' if data['changed'] else 'the same: nothing to deploy'}"
        )
    click.echo("\n".join(lines))
