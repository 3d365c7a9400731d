"""``clarion check``, ``rules`` and ``stats``: what is owed, the rulebook, the metrics."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from ..config import load_config
from ..errors import ContentErrors, UsageError

if TYPE_CHECKING:
    from ..derive.deadlines import DeadlineReport
from . import _common as common
from ._common import (
    EXIT_DUE_SOON,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_OVERDUE,
    handle_errors,
    handle_errors_read_only,
    main,
    now_option,
    resolve_now,
    source_option,
)

# -- deadlines: check and rules ---------------------------------------------------------
# The report is gathered in reports/check.py and rendered in render/report/.


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
    help=(
        "text: a table (colour on a terminal); json: for machines; github: GitHub Actions "
        "annotations; reminders: the reminder issues to create, update, comment on or close (JSON, "
        "for the deadlines workflow)."
    ),
)
@click.option(
    "--open",
    "only_open",
    is_flag=True,
    help="List only items that still need action (text and json).",
)
@click.option("--strict", is_flag=True, help="Treat content warnings as errors (exit 2).")
@click.option(
    "--repo-visibility",
    "visibility",
    type=click.Choice(["public", "private", "internal"]),
    envvar="CLARION_REPO_VISIBILITY",
    help=(
        "Visibility of the repository that holds the site, as GitHub names it. public: fail (exit "
        "2) while notices, breach: blocks, private: fields or public: false files sit in it (a "
        "fictional site is exempt), and write no reminder issues."
    ),
)
@click.option(
    "--public-repo", "public_repo", is_flag=True, help="Short for --repo-visibility public."
)
@click.option(
    "--comms",
    "comms_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CLARION_COMMS",
    help=(
        "Read notices and breach sidecars from this folder, e.g. a checkout of a private "
        "repository (default: [paths] comms of site.toml)."
    ),
)
@click.option(
    "--open-issues",
    "open_issues",
    type=click.File("r", encoding="utf-8"),
    help=(
        "With --format reminders: the open reminder issues as `gh issue list --label "
        "clarion-deadlines --json number,title,body` prints them ('-': standard input)."
    ),
)
@handle_errors_read_only
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
    from ..github.privacy import check_public_repository, is_public
    from ..render import report as out
    from ..reports.check import parse_window, repo_visibility, run_check, with_comms

    window = parse_window(warn_within)
    visibility = repo_visibility(visibility, public_repo, fmt)
    try:
        config = load_config(source)
        if comms_dir is not None:
            config = with_comms(config, comms_dir)
        now = resolve_now(config, now_text)
        privacy = check_public_repository(config) if is_public(visibility) else None
        if privacy is not None and privacy.note:
            if fmt == "github":
                click.echo(
                    out.annotation("notice", privacy.note, title="Clarion: public repository")
                )
            else:
                common.err.print(f"note: {privacy.note}", markup=False)
        result = run_check(config, now, warn_within=window, privacy=privacy)
    except ContentErrors as exc:
        if fmt == "text":
            raise
        click.echo(
            out.render_errors_github(exc.errors)
            if fmt == "github"
            else out.render_errors_json(exc.errors),
            nl=False,
        )
        sys.exit(EXIT_INVALID)
    if fmt == "reminders":
        assert visibility is not None
        _echo_reminders(result, visibility, open_issues)
    else:
        _echo_report(result, fmt, only_open)
    sys.exit(_check_exit_code(result, strict))


def _echo_reminders(result: DeadlineReport, visibility: str, open_issues: Any) -> None:
    """``--format reminders``: the reminder issues to write (none in a public
    repository), as JSON for the deadlines workflow."""
    from ..github.privacy import is_public
    from ..github.reminders import parse_open_issues, plan_reminders, render_reminders_json

    withheld = is_public(visibility)
    issues = parse_open_issues(open_issues.read()) if open_issues is not None else []
    actions = [] if withheld else plan_reminders(result, issues)
    if withheld:
        common.err.print(
            "note: public repository: no reminder issues (they would name incidents, "
            "recipients and deadlines); run the deadline workflow in the private repository "
            "that holds comms/",
            markup=False,
        )
    click.echo(
        render_reminders_json(result, actions, visibility=visibility, withheld=withheld),
        nl=False,
    )


def _echo_report(result: DeadlineReport, fmt: str, only_open: bool) -> None:
    from ..render import report as out

    if fmt == "json":
        click.echo(out.render_json(result, only_open=only_open), nl=False)
    elif fmt == "github":
        click.echo(out.render_github(result), nl=False)
    else:
        console = Console(highlight=False)
        if console.is_terminal:
            out.print_rich(result, console, only_open=only_open)
        else:
            click.echo(out.render_text(result, only_open=only_open), nl=False)


def _check_exit_code(result: DeadlineReport, strict: bool) -> int:
    """2 for warnings under ``--strict``; 1 when something is overdue (or an
    action item is overdue at level "error"); 4 when something is due soon."""
    if strict and result.lint_warnings:
        return EXIT_INVALID
    lint_errors = any(e.severity == "error" for e in result.lint)
    if result.overdue or lint_errors:
        return EXIT_OVERDUE
    return EXIT_DUE_SOON if result.due_soon else EXIT_OK


# -- metrics: stats ---------------------------------------------------------------------
# The definitions are in derive/stats.py; the inputs are gathered in reports/metrics.py and the
# output rendered in render/stats_text.py, stats_json.py and stats_csv.py.


@main.command("stats")
@source_option
@now_option
@click.option(
    "--since",
    "since",
    metavar="WHEN",
    help=(
        "First month, day or time (site's zone), e.g. 2026-01 or 2026-10-14. Default: the first "
        "incident."
    ),
)
@click.option(
    "--until",
    "until",
    metavar="WHEN",
    help="Last month or day (inclusive), or a time (exclusive). Default: now.",
)
@click.option(
    "--component",
    "-c",
    "component",
    metavar="ID",
    help="Only incidents that affected this component.",
)
@click.option(
    "--public-only",
    is_flag=True,
    help="Leave out incidents with 'public: false' (as a public metrics page does).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help=(
        "text: tables (colour on a terminal); json: every number; csv: one row per scope, "
        "severity and metric."
    ),
)
@handle_errors
def stats_command(
    source: Path,
    now_text: str | None,
    since: str | None,
    until: str | None,
    component: str | None,
    public_only: bool,
    fmt: str,
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
    from ..render import stats_csv, stats_json, stats_text
    from ..reports.metrics import component_names, run_stats

    config = load_config(source)
    now = resolve_now(config, now_text)
    result = run_stats(
        config, now, since=since, until=until, component=component, public_only=public_only
    )
    names = component_names(config)
    if fmt == "json":
        click.echo(stats_json.render_json(result, names), nl=False)
    elif fmt == "csv":
        click.echo(stats_csv.render_csv(result), nl=False)
    else:
        console = Console(highlight=False)
        if console.is_terminal:
            stats_text.print_rich(result, names, console)
        else:
            click.echo(stats_text.render_text(result, names), nl=False)


@main.command("rules")
@click.argument("rule_ids", nargs=-1, metavar="[RULE]...")
@source_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text: a table; json: every field; markdown: grouped by jurisdiction with verified "
    "counts (the docs' rulebook page).",
)
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
      clarion rules --format markdown > rulebook.md
    """
    from ..config import CONFIG_RELPATH
    from ..errors import did_you_mean
    from ..render import report as out
    from ..rules import RuleBook, default_rulebook, load_rules

    book = (
        load_rules(load_config(source))
        if (source / CONFIG_RELPATH).is_file()
        else default_rulebook()
    )
    for rule_id in rule_ids:
        if rule_id not in book:
            hint = did_you_mean(rule_id, book.ids)
            raise UsageError(
                f"unknown rule '{rule_id}'"
                + (f"; {hint}" if hint else "; run `clarion rules` to list them")
            )
    if only_enabled:
        book = RuleBook(tuple(rule for rule in book if rule.enabled))
    if fmt == "json":
        click.echo(out.render_rules_json(book, only=rule_ids), nl=False)
        return
    if fmt == "markdown":
        from ..render.rulebook_markdown import render_rules_markdown

        wanted = RuleBook(tuple(r for r in book if r.id in rule_ids)) if rule_ids else book
        click.echo(render_rules_markdown(wanted), nl=False)
        return
    console = Console(highlight=False)
    if console.is_terminal and not rule_ids:
        out.print_rules_rich(book, console)
    else:
        click.echo(out.render_rules_text(book, only=rule_ids), nl=False)
