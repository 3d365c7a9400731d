"""The ``clarion`` command line: a thin layer over the core.

Exit codes (PRODUCT.md): 0 success; 1 ``check`` found something overdue;
2 invalid content or usage; 3 internal error (the traceback only with
``--debug``); 4 ``check``: nothing overdue, but something due soon.
"""

from __future__ import annotations

import functools
import sys
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from . import __version__
from .config import SiteConfig, load_config
from .errors import ClarionError, ContentErrors, UsageError
from .load.schema import TimeError, parse_time

EXIT_OK, EXIT_OVERDUE, EXIT_INVALID, EXIT_INTERNAL, EXIT_DUE_SOON = 0, 1, 2, 3, 4

F = TypeVar("F", bound=Callable[..., Any])
err = Console(stderr=True, highlight=False, soft_wrap=True)


def handle_errors(func: F) -> F:
    """Turn Clarion errors into messages and exit codes, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return func(*args, **kwargs)
        except ContentErrors as exc:
            for error in exc.errors:
                err.print(error.format(), markup=False)
            count = len(exc.errors)
            err.print(f"{count} error{'s' if count != 1 else ''}; nothing was written.", style="bold red", markup=False)
            sys.exit(EXIT_INVALID)
        except (UsageError, ClarionError) as exc:
            err.print(f"error: {exc}", style="red", markup=False)
            sys.exit(EXIT_INVALID)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # an internal error: a bug in Clarion
            if debug:
                traceback.print_exc()
            err.print(f"internal error: {type(exc).__name__}: {exc}", style="red", markup=False)
            err.print("This is a bug in Clarion; run again with --debug for the traceback and report it.", markup=False)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


source_option = click.option(
    "--source",
    "source",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The site root (the folder holding site_src/, updates/, comms/).",
)
now_option = click.option(
    "--now",
    "now_text",
    metavar="TIME",
    help="Pretend it is TIME (ISO 8601 with a zone) for reproducible runs. "
    "Default: the site's pinned 'now' if it is fictional, else the clock.",
)


def resolve_now(config: SiteConfig | None, now_text: str | None) -> datetime:
    """``--now``, else a fictional site's pinned time, else the wall clock.
    Without a site yet (``clarion init``), a naive ``--now`` is read in UTC."""
    if now_text:
        try:
            return parse_time(now_text, config.timezone if config is not None else timezone.utc)  # type: ignore[arg-type]
        except TimeError as exc:
            raise UsageError(f"--now: {exc}") from None
    if config is not None and config.now is not None:
        return config.now
    return datetime.now(timezone.utc).replace(microsecond=0)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="clarion")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def main(debug: bool) -> None:
    """Clarion: incident communication from a git repository of Markdown.

    Write incidents in updates/*.md and notices in comms/<slug>/*.md; Clarion
    builds the public status page, feeds and JSON API, private email drafts,
    and checks communication deadlines.
    """


@main.command()
@source_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Public output folder (default: paths.public of site.toml).")
@click.option("--private-out", "private_out", type=click.Path(file_okay=False, path_type=Path), help="Private output folder for email drafts and the deadline report (default: paths.private of site.toml); never inside the public one.")
@now_option
@click.option("--no-cache", is_flag=True, help="Ignore .clarion-cache/ and render everything (the output is the same).")
@handle_errors
def build(source: Path, out: Path | None, private_out: Path | None, now_text: str | None, no_cache: bool) -> None:
    """Render the public site and the private comms folder.

    Fails (exit 2) only on invalid content; overdue deadlines never block a
    build. The previous output stays untouched when a build fails.

    \b
    Examples:
      clarion build                           # the site in the current folder
      clarion build --source site --out dist  # another root and output folder
      clarion build --private-out ../comms-out # drafts outside the repository
      clarion build --now 2026-11-27T12:00Z   # reproducible: pretend it is then
    """
    from .build import build as run_build

    started = time.perf_counter()
    config = load_config(source)
    now = resolve_now(config, now_text)
    private = private_out.resolve() if private_out is not None else config.paths.private
    if out is not None or private_out is not None:
        public = out.resolve() if out is not None else config.paths.public
        if public == private or public.is_relative_to(private) or private.is_relative_to(public):
            option = "--private-out" if private_out is not None else "--out"
            raise UsageError(f"{option}: the public folder ({public.name}) and the private folder ({private.name}) overlap; choose another folder")
        out = public
    with _BuildProgress() as progress:
        result = run_build(
            config, now=now, public_dir=out, private_dir=private, use_cache=not no_cache, progress=progress
        )
    for warning in result.site.warnings:
        err.print(warning.format(), markup=False)  # type: ignore[attr-defined]
    from .render import Area

    elapsed = time.perf_counter() - started
    err.print(
        f"Built {result.report.files[Area.PUBLIC]} public files into {_shown(result.public_dir, source)}"
        f" and {result.report.files[Area.PRIVATE]} private files into {_shown(result.private_dir, source)}"
        f" in {elapsed:.2f} s{'' if result.report.changed else ' (nothing changed)'}.",
        markup=False,
    )
    from .derive.changes import next_change

    if config.now is not None and now_text is None:
        err.print("The site pins its clock (site.now): the page never changes by itself.", markup=False)
    else:
        change = next_change(result.state, config.timezone)
        err.print(f"The page changes by itself at {change.at:%Y-%m-%dT%H:%M:%SZ}: {change.describe()}.", markup=False)


class _BuildProgress:
    """A progress bar on stderr for builds that take more than a moment: it
    appears after one second, only on a terminal, and disappears when done."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _BuildProgress:
        return self

    def __call__(self, done: int, expected: int) -> None:
        if self.bar is None:
            if not err.is_terminal or time.perf_counter() - self.started < self.DELAY:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(TextColumn("Building"), BarColumn(), MofNCompleteColumn(), console=err, transient=True)
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


# -- writing updates: init, new, update, sent, serve ---------------------------------
# The logic lives in authoring.py (files) and serve.py (preview); these are thin.


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _parse_at(config: SiteConfig, at_text: str | None, now: datetime, option: str = "--at") -> datetime:
    """A time option read in the site's zone; ``now`` when not given."""
    if not at_text:
        return now
    try:
        return parse_time(at_text, config.timezone)
    except TimeError as exc:
        raise UsageError(f"{option}: {exc}; expected a time such as 2026-11-20T14:05Z or '2026-11-20 15:05 +01:00'") from None


def _report(written: Any) -> None:
    """Warnings and notes of an authoring command, on stderr."""
    for warning in written.warnings:
        err.print(f"warning: {warning}", style="yellow", markup=False)
    for note in written.notes:
        err.print(f"note: {note}", markup=False)


at_option = click.option(
    "--at",
    "at_text",
    metavar="TIME",
    help="When it happened (ISO 8601; a time without a zone is read in the site's zone). Default: now.",
)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite scaffold files that already exist in DIRECTORY.")
@click.option(
    "--deadline-schedule",
    "deadline_schedule",
    type=click.Choice(["15min", "30min", "hourly", "6h", "daily", "off"]),
    help="How often .github/workflows/deadlines.yml checks deadlines and updates reminder issues "
    "(off: only on push). Asked on a terminal; default: hourly (about 720 Actions minutes a month "
    "on a private repository).",
)
@now_option
@handle_errors
def init(directory: Path, force: bool, deadline_schedule: str | None, now_text: str | None) -> None:
    """Create a new status site in DIRECTORY.

    Writes site_src/site.toml (commented settings, a few components), one
    example incident (dated yesterday), templates/ and comms/ folders, a
    .gitignore for the output folders and the CI workflow folder. The site
    builds and checks cleanly at once. Existing files are never overwritten
    unless --force is given.

    \b
    Examples:
      clarion init status-site
      clarion init status-site --deadline-schedule 6h
      cd status-site && clarion serve
    """
    from .authoring import init_site
    from .publishing import DEADLINE_SCHEDULES, DEFAULT_DEADLINE_SCHEDULE, minutes_per_month

    if deadline_schedule is None and _interactive():
        err.print("How often should the deadline workflow run? Each run bills about 1 Actions minute on a private repository:", markup=False)
        for choice in DEADLINE_SCHEDULES.values():
            cost = f"about {minutes_per_month(choice):,} min/month" if choice.cron else "no scheduled minutes"
            err.print(f"  {choice.name:<7} {choice.description} ({cost})", markup=False)
        deadline_schedule = click.prompt(
            "Deadline schedule", type=click.Choice(list(DEADLINE_SCHEDULES)), default=DEFAULT_DEADLINE_SCHEDULE, err=True
        )
    result = init_site(
        directory, now=resolve_now(None, now_text), force=force, deadline_schedule=deadline_schedule or DEFAULT_DEADLINE_SCHEDULE
    )
    for relpath in result.created:
        click.echo((directory / relpath).as_posix())
    for relpath in result.replaced:
        click.echo((directory / relpath).as_posix())
    if result.replaced:
        err.print(f"Overwrote {len(result.replaced)} existing file(s) (--force).", style="yellow", markup=False)
    shown = directory.as_posix()
    err.print(
        f"Created a status site in {shown}. Next:\n"
        f"  cd {shown}\n"
        "  edit site_src/site.toml (title, base_url, components)\n"
        "  clarion serve               # preview at http://127.0.0.1:8000/ with live reload\n"
        "  delete the example incident in updates/ before you publish",
        markup=False,
    )


@main.group()
def new() -> None:
    """Start a new incident, maintenance or notice file.

    \b
    Examples:
      clarion new incident "API errors" --severity SEV1 -c api=partial_outage
      clarion new maintenance "Database upgrade" -c database --start 2026-12-01T02:00Z --duration 2h
      clarion new notice api-errors --rule customer-ack
    """


@new.command("incident")
@click.argument("title")
@click.option("--severity", "-s", metavar="SEV", help="SEV0 critical outage, SEV1 major degradation, SEV2 minor, SEV3 low impact (P0-P3 work too). Asked on a terminal when missing.")
@click.option("--component", "-c", "components", multiple=True, metavar="ID=IMPACT", help="An affected component and its impact (operational, degraded_performance, partial_outage, major_outage). Repeatable.")
@click.option("--customers-affected/--no-customers-affected", default=False, help="Customers are affected (with SEV0/SEV1, customer emails are owed).")
@click.option("--message", "-m", metavar="TEXT", help="The first public update (stage: investigating). Default: a short holding statement.")
@click.option("--private", "private", is_flag=True, help="Write 'public: false': never published, still drives comms and deadlines.")
@click.option("--slug", metavar="WORDS", help="File name words instead of the title's (the date is prefixed).")
@click.option("--ask/--no-ask", default=None, help="Walk the severity decision tree (default: on a terminal, when --severity is missing).")
@at_option
@source_option
@now_option
@handle_errors
def new_incident_command(
    title: str,
    severity: str | None,
    components: tuple[str, ...],
    customers_affected: bool,
    message: str | None,
    private: bool,
    slug: str | None,
    ask: bool | None,
    at_text: str | None,
    source: Path,
    now_text: str | None,
) -> None:
    """Declare an incident: write updates/<YYYY-MM-DD>-<title-words>.md.

    'declared' is now (or --at) and the first update is 'investigating'.
    Without --severity, on a terminal, Clarion asks the severity decision tree
    and explains the result; in scripts and CI --severity is required.
    The file name (without .md) is the incident's slug.

    \b
    Examples:
      clarion new incident "API errors" --severity SEV1 \\
          --component api=partial_outage --customers-affected
      clarion new incident "Slow dashboard" -s SEV2 -c dashboard=degraded_performance \\
          -m "Some dashboard pages load slowly. We are investigating."
      clarion new incident "Login failures"        # asks the severity questions
    """
    from .authoring import new_incident, parse_component_impacts, parse_severity, walk_severity_tree

    config = load_config(source)
    now = resolve_now(config, now_text)
    at = _parse_at(config, at_text, now)
    impacts = parse_component_impacts(config, components)
    if severity is not None:
        level = parse_severity(severity)
    elif ask or (ask is None and _interactive()):
        err.print("No --severity given; answer a few questions (y/n):", markup=False)
        decision = walk_severity_tree(lambda q: click.confirm(q.text, err=True))
        err.print(decision.explain(), markup=False)
        level = decision.severity
    else:
        raise UsageError(
            "--severity is required when not on a terminal: SEV0 critical outage, SEV1 major degradation, "
            "SEV2 minor, SEV3 low impact (or pass --ask to answer the decision tree)"
        )
    written = new_incident(
        config,
        title=title,
        severity=level,
        components=impacts,
        at=at,
        customers_affected=customers_affected,
        public=not private,
        message=message,
        slug=slug,
    )
    click.echo(written.relpath)
    _report(written)
    err.print(f"Declared {written.slug} ({level.value}). Next: clarion update {written.slug} identified \"...\"", markup=False)


@new.command("maintenance")
@click.argument("title")
@click.option("--start", "start_text", required=True, metavar="TIME", help="When the window opens (a time without a zone is read in the site's zone).")
@click.option("--end", "end_text", metavar="TIME", help="When the window closes.")
@click.option("--duration", metavar="LENGTH", help="Instead of --end: the window's length, e.g. 2h, 90m, 1h30m.")
@click.option("--component", "-c", "components", multiple=True, metavar="ID", help="A component under maintenance. Repeatable.")
@click.option("--message", "-m", metavar="TEXT", help="The announcement (stage: scheduled). Default: the window in words.")
@click.option("--private", "private", is_flag=True, help="Write 'public: false' (never published).")
@click.option("--slug", metavar="WORDS", help="File name words instead of the title's (the window's date is prefixed).")
@at_option
@source_option
@now_option
@handle_errors
def new_maintenance_command(
    title: str,
    start_text: str,
    end_text: str | None,
    duration: str | None,
    components: tuple[str, ...],
    message: str | None,
    private: bool,
    slug: str | None,
    at_text: str | None,
    source: Path,
    now_text: str | None,
) -> None:
    """Schedule maintenance: write updates/<window-date>-<title-words>.md.

    Its components show 'under_maintenance' while the window is open.

    \b
    Examples:
      clarion new maintenance "Database upgrade" -c database \\
          --start "2026-12-01 02:00 UTC" --duration 2h
      clarion new maintenance "CDN certificate rotation" -c cdn \\
          --start 2026-12-03T01:00Z --end 2026-12-03T01:30Z -m "No impact expected."
    """
    from .authoring import check_component_ids, new_maintenance

    config = load_config(source)
    now = resolve_now(config, now_text)
    at = _parse_at(config, at_text, now)
    start = _parse_at(config, start_text, now, "--start")
    if (end_text is None) == (duration is None):
        raise UsageError("give either --end TIME or --duration LENGTH (e.g. --duration 2h)")
    if end_text is not None:
        end = _parse_at(config, end_text, now, "--end")
    else:
        end = start + _parse_length(duration or "")
    written = new_maintenance(
        config,
        title=title,
        components=check_component_ids(config, components),
        start=start,
        end=end,
        at=at,
        message=message,
        public=not private,
        slug=slug,
    )
    click.echo(written.relpath)
    _report(written)
    err.print(f"Scheduled {written.slug}. When it starts: clarion update {written.slug} in_progress \"...\"", markup=False)


@new.command("notice")
@click.argument("slug")
@click.option("--rule", "rule_id", required=True, metavar="RULE", help="The rule the notice satisfies (see 'clarion rules').")
@click.option("--to", "to", multiple=True, metavar="AUDIENCE", help="A recipient: an audience id from site.toml or an address. Repeatable. Default: the rule's audience, if the site defines it.")
@click.option("--name", metavar="WORDS", help="File name words instead of the rule id (for a second notice for one rule).")
@source_option
@handle_errors
def new_notice_command(slug: str, rule_id: str, to: tuple[str, ...], name: str | None, source: Path) -> None:
    """Start a notice for incident SLUG from the rule's skeleton.

    Writes comms/<slug>/<rule>.md with 'rule:', 'to:', a subject and one
    section per item the rulebook says the notice must contain. SLUG accepts
    a unique prefix. When it has gone out: clarion sent SLUG RULE.

    \b
    Examples:
      clarion new notice api-errors --rule customer-ack --to customers
      clarion new notice export-files --rule gdpr-art33-authority --to dpa-ie
    """
    from .authoring import RuleSkeleton, new_notice

    config = load_config(source)
    try:
        from .rules import load_rules
    except ImportError:  # pragma: no cover - the rulebook ships with Clarion
        raise UsageError("this Clarion has no rulebook; write the notice by hand") from None
    rulebook = load_rules(config)
    if rule_id not in rulebook:
        from .errors import did_you_mean

        hint = did_you_mean(rule_id, rulebook.ids)
        raise UsageError(f"unknown rule '{rule_id}'" + (f": {hint}" if hint else "") + "\n  hint: 'clarion rules' lists the rule ids")
    rule = rulebook[rule_id]
    skeleton = RuleSkeleton(
        id=rule.id, title=rule.title, recipient=rule.recipient, must_contain=tuple(rule.must_contain), audience=rule.audience
    )
    written = new_notice(config, slug, skeleton, to=to, name=name)
    click.echo(written.relpath)
    _report(written)
    err.print(f"Started a {rule.id} notice for {written.slug}. When it has gone out: clarion sent {written.slug} {rule.id}", markup=False)


def _parse_length(text: str) -> timedelta:
    import re

    text = text.strip().lower()
    parts = re.findall(r"(\d+)\s*(min|d|h|m)", text)
    if not re.fullmatch(r"(?:\d+\s*(?:min|d|h|m)\s*)+", text):
        raise UsageError(f"--duration: cannot read {text!r}; expected e.g. 2h, 90m or 1h30m")
    unit = {"d": 86400, "h": 3600, "m": 60, "min": 60}
    return timedelta(seconds=sum(int(n) * unit[u] for n, u in parts))


@main.command()
@click.argument("slug")
@click.argument("stage")
@click.argument("message", required=False)
@click.option("--impact", "-i", "impacts", multiple=True, metavar="ID=IMPACT", help="Change component impact from this update on, e.g. api=operational. Repeatable.")
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
    from .authoring import add_update, editor_template, message_from_editor, resolve_update_target

    config = load_config(source)
    now = resolve_now(config, now_text)
    at = _parse_at(config, at_text, now)
    if message == "-":
        message = click.get_text_stream("stdin").read()
    elif message is None:
        incident, chosen = resolve_update_target(config, slug, stage)
        if not _interactive():
            raise UsageError("give the update's text as the third argument, or '-' to read it from stdin")
        message = message_from_editor(click.edit(editor_template(incident, chosen, at), extension=".md"))
        if not message:
            raise UsageError("the message is empty; nothing was written")
    written = add_update(config, slug, stage, message, at=at, now=now, impacts=impacts)
    click.echo(written.relpath)
    _report(written)
    err.print(f"Added an update ({stage.lower()}) to {written.slug}.", markup=False)


@main.command()
@click.argument("slug")
@click.argument("rule")
@click.option("--force", is_flag=True, help="Record it again even if a notice for RULE is already marked sent.")
@at_option
@source_option
@now_option
@handle_errors
def sent(slug: str, rule: str, force: bool, at_text: str | None, source: Path, now_text: str | None) -> None:
    """Record that the notice for RULE about incident SLUG went out.

    A draft notice in comms/<slug>/ for RULE gets 'sent:' set; otherwise a
    minimal notice comms/<slug>/<rule>-sent.md with 'rule:' and 'sent:' is
    written. Either satisfies the rule's deadline. SLUG accepts a unique prefix.

    \b
    Examples:
      clarion sent api-errors customer-ack
      clarion sent 2026-11-20-api-errors gdpr-art33-authority --at "2026-11-22 09:30 UTC"
    """
    from .authoring import record_sent

    config = load_config(source)
    now = resolve_now(config, now_text)
    at = _parse_at(config, at_text, now)
    written = record_sent(config, slug, rule, at=at, known_rules=_rule_ids(config), force=force)
    click.echo(written.relpath)
    _report(written)
    err.print(f"Recorded {rule} as sent for {written.slug}.", markup=False)


def _rule_ids(config: SiteConfig) -> tuple[str, ...] | None:
    """The rulebook's rule ids (None when no rulebook is available)."""
    try:
        from .rules import load_rules, shipped_rules
    except ImportError:  # pragma: no cover - the rulebook ships with Clarion
        return None
    try:
        return tuple(load_rules(config).ids)
    except ContentErrors:
        return tuple(rule.id for rule in shipped_rules())


@main.command()
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
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
    from .serve import serve as run_serve

    run_serve(
        source,
        clock=lambda config: resolve_now(config, now_text),
        port=port,
        log=lambda text: err.print(text, markup=False, highlight=False),
    )


# -- deadlines: check and rules ---------------------------------------------------------
# The report is gathered in check.py and rendered in render/report.py.


@main.command("check")
@source_option
@now_option
@click.option(
    "--warn-within",
    "warn_within",
    metavar="DURATION",
    help="Exit 4 when nothing is overdue but something is due within DURATION "
    "(ISO 8601 such as PT2H or P1D, or 2h, 90m).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "reminders"]),
    default="text",
    show_default=True,
    help="text: a table (colour on a terminal); json: for machines; github: GitHub Actions annotations; "
    "reminders: the reminder issues to create, update, comment on or close (JSON, for the deadlines workflow).",
)
@click.option("--open", "only_open", is_flag=True, help="List only items that still need action (text and json).")
@click.option("--strict", is_flag=True, help="Treat content warnings as errors (exit 2).")
@click.option(
    "--repo-visibility",
    "visibility",
    type=click.Choice(["public", "private", "internal"]),
    envvar="CLARION_REPO_VISIBILITY",
    help="Visibility of the repository that holds the site, as GitHub names it. public: fail (exit 2) while "
    "notices, breach: blocks, private: fields or public: false files sit in it (a fictional site is exempt), "
    "and write no reminder issues.",
)
@click.option("--public-repo", "public_repo", is_flag=True, help="Short for --repo-visibility public.")
@click.option(
    "--comms",
    "comms_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CLARION_COMMS",
    help="Read notices and breach sidecars from this folder, e.g. a checkout of a private repository "
    "(default: [paths] comms of site.toml).",
)
@click.option(
    "--open-issues",
    "open_issues",
    type=click.File("r", encoding="utf-8"),
    help="With --format reminders: the open reminder issues as `gh issue list --label clarion-deadlines "
    "--json number,title,body` prints them ('-': standard input).",
)
@handle_errors
def check_command(
    source: Path,
    now_text: str | None,
    warn_within: str | None,
    fmt: str,
    only_open: bool,
    strict: bool,
    visibility: str | None,
    public_repo: bool,
    comms_dir: Path | None,
    open_issues: Any,
) -> None:
    """Deadlines and content lint: what is owed to whom, by when.

    One row per owed item (rule, incident, recipient, due time in UTC and in
    the site's zone, state), then the content lint. States: met, met_late,
    due, overdue, no_deadline, clock_not_started, not_required.

    \b
    Exit codes:
      0  content valid, nothing overdue
      1  something overdue
      2  invalid content or usage
      3  internal error
      4  nothing overdue, but something due within --warn-within

    \b
    Examples:
      clarion check
      clarion check --warn-within PT2H --format github
      clarion check --now 2026-11-27T12:00:00Z --format json
      clarion check --repo-visibility public       # in CI: nothing private in a public repository
      clarion check --format reminders --warn-within PT24H --repo-visibility private \\
          --open-issues open-issues.json          # what deadlines.yml does with gh issue
    """
    from .check import parse_window, run_check, with_comms
    from .privacy import check_public_repository, is_public
    from .render import report as out

    window = parse_window(warn_within)
    if public_repo:
        if visibility not in (None, "public"):
            raise UsageError(f"--public-repo contradicts --repo-visibility {visibility}")
        visibility = "public"
    if fmt == "reminders" and visibility is None:
        raise UsageError(
            "--format reminders needs --repo-visibility (public, private or internal): "
            "reminder issues are never written in a public repository"
        )
    try:
        config = load_config(source)
        if comms_dir is not None:
            config = with_comms(config, comms_dir)
        now = resolve_now(config, now_text)
        privacy = check_public_repository(config) if is_public(visibility) else None
        if privacy is not None and privacy.note:
            if fmt == "github":
                click.echo(out.annotation("notice", privacy.note, title="Clarion: public repository"))
            else:
                err.print(f"note: {privacy.note}", markup=False)
        result = run_check(config, now, warn_within=window, privacy=privacy)
    except ContentErrors as exc:
        if fmt == "text":
            raise
        click.echo(out.render_errors_github(exc.errors) if fmt == "github" else out.render_errors_json(exc.errors), nl=False)
        sys.exit(EXIT_INVALID)
    if fmt == "reminders":
        from .reminders import parse_open_issues, plan_reminders, render_reminders_json

        assert visibility is not None
        withheld = is_public(visibility)
        issues = parse_open_issues(open_issues.read()) if open_issues is not None else []
        actions = [] if withheld else plan_reminders(result, issues)
        if withheld:
            err.print(
                "note: public repository: no reminder issues (they would name incidents, recipients and "
                "deadlines); run the deadline workflow in the private repository that holds comms/",
                markup=False,
            )
        click.echo(render_reminders_json(result, actions, visibility=visibility, withheld=withheld), nl=False)
    elif fmt == "json":
        click.echo(out.render_json(result, only_open=only_open), nl=False)
    elif fmt == "github":
        click.echo(out.render_github(result), nl=False)
    else:
        console = Console(highlight=False)
        if console.is_terminal:
            out.print_rich(result, console, only_open=only_open)
        else:
            click.echo(out.render_text(result, only_open=only_open), nl=False)
    if strict and result.lint_warnings:
        sys.exit(EXIT_INVALID)
    lint_errors = any(e.severity == "error" for e in result.lint)  # overdue action items at level "error"
    sys.exit(EXIT_OVERDUE if result.overdue or lint_errors else EXIT_DUE_SOON if result.due_soon else EXIT_OK)


# -- metrics: stats ---------------------------------------------------------------------
# The definitions are in derive/stats.py; the inputs are gathered in metrics.py and the
# output rendered in render/stats_report.py.


@main.command("stats")
@source_option
@now_option
@click.option("--since", "since", metavar="WHEN", help="First month, day or time (site's zone), e.g. 2026-01 or 2026-10-14. Default: the first incident.")
@click.option("--until", "until", metavar="WHEN", help="Last month or day (inclusive), or a time (exclusive). Default: now.")
@click.option("--component", "-c", "component", metavar="ID", help="Only incidents that affected this component.")
@click.option("--public-only", is_flag=True, help="Leave out incidents with 'public: false' (as a public metrics page does).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="text: tables (colour on a terminal); json: every number; csv: one row per scope, severity and metric.",
)
@handle_errors
def stats_command(
    source: Path, now_text: str | None, since: str | None, until: str | None, component: str | None, public_only: bool, fmt: str
) -> None:
    """MTTA, MTTR, MTBF, incidents per month, postmortems and action items.

    Computed from the times in updates/*.md: detected, acknowledged and
    declared in the front matter, the updates and the Postmortem's task list.
    Maintenance is left out; a time that is not recorded makes that metric
    'n/a' for the incident (never zero). The README's "Metrics" section
    defines each number. Targets come from [metrics.targets] in site.toml.

    \b
    Examples:
      clarion stats
      clarion stats --since 2026-01 --until 2026-06 --component api
      clarion stats --format csv > metrics.csv
    """
    from .metrics import component_names, run_stats
    from .render import stats_report as out

    config = load_config(source)
    now = resolve_now(config, now_text)
    result = run_stats(config, now, since=since, until=until, component=component, public_only=public_only)
    names = component_names(config)
    targets = config.metrics.targets
    if fmt == "json":
        click.echo(out.render_json(result, targets, names), nl=False)
    elif fmt == "csv":
        click.echo(out.render_csv(result, targets), nl=False)
    else:
        console = Console(highlight=False)
        if console.is_terminal:
            out.print_rich(result, targets, names, console)
        else:
            click.echo(out.render_text(result, targets, names), nl=False)


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
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="The built public folder to digest (default: paths.public of site.toml).")
@click.option(
    "--deployed-digest",
    "deployed",
    metavar="DIGEST",
    help="The public_digest of the page that is deployed now: adds changed=true when the built page differs "
    "from it (or DIGEST is empty: nothing known to be deployed).",
)
@handle_errors
def next_change_command(source: Path, now_text: str | None, fmt: str, out: Path | None, deployed: str | None) -> None:
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
      clarion build && clarion next-change --format github --deployed-digest "$LAST" >> "$GITHUB_OUTPUT"
    """
    import json

    from .derive import derive_state
    from .load import load_site
    from .publishing import change_data, github_output, next_change, public_digest
    from .rules.duration import format_seconds

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
        f"Next change: {change.at:%Y-%m-%d %H:%M} UTC (in {format_seconds((change.at - now).total_seconds())}): {change.describe()}",
    ]
    if data["continuous"]:
        lines.append("Meanwhile:   an incident is active; its duration and the uptime figures change with every build")
    lines.append(f"Built page:  {digest} ({_shown(folder, source)})" if digest else f"Built page:  none in {_shown(folder, source)} (run clarion build)")
    if deployed is not None:
        lines.append(f"Deployed:    {'differs: deploy' if data['changed'] else 'the same: nothing to deploy'}")
    click.echo("\n".join(lines))


@main.command("rules")
@click.argument("rule_ids", nargs=-1, metavar="[RULE]...")
@source_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--enabled", "only_enabled", is_flag=True, help="Only the rules on at this site.")
@handle_errors
def rules_command(rule_ids: tuple[str, ...], source: Path, fmt: str, only_enabled: bool) -> None:
    """The rulebook: every rule with its clock, deadline, calendar, status and source.

    With the site's settings applied when --source holds a site (which rules
    are on, overrides); the shipped defaults otherwise. Name RULEs to see
    every field of them, including the content a notice must contain.

    \b
    Examples:
      clarion rules
      clarion rules gdpr-art33-authority
      clarion rules --enabled --format json
    """
    from .config import CONFIG_RELPATH
    from .errors import did_you_mean
    from .render import report as out
    from .rules import RuleBook, default_rulebook, load_rules

    book = load_rules(load_config(source)) if (source / CONFIG_RELPATH).is_file() else default_rulebook()
    for rule_id in rule_ids:
        if rule_id not in book:
            hint = did_you_mean(rule_id, book.ids)
            raise UsageError(f"unknown rule '{rule_id}'" + (f"; {hint}" if hint else "; run `clarion rules` to list them"))
    if only_enabled:
        book = RuleBook(tuple(rule for rule in book if rule.enabled))
    if fmt == "json":
        click.echo(out.render_rules_json(book, only=rule_ids), nl=False)
        return
    console = Console(highlight=False)
    if console.is_terminal and not rule_ids:
        out.print_rules_rich(book, console)
    else:
        click.echo(out.render_rules_text(book, only=rule_ids), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
