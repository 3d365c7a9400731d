"""``clarion new incident``, ``new maintenance`` and ``new notice``: the click
wiring of the ``new`` group (the files are written by :mod:`clarion.authoring`;
``new postmortem`` and ``new runbook`` are in :mod:`.learning`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from ..alerts import AUTO, FORMATS
from ..config import SiteConfig, load_config
from ..errors import UsageError
from ..model import Severity
from . import _common as common
from ._common import handle_errors, main, now_option, resolve_now, source_option
from .writing import _interactive, _parse_at, _report, at_option


@main.group()
def new() -> None:
    """Start a new incident, maintenance, notice, postmortem or runbook.

    \b
    Examples:
      clarion new incident "API errors" --severity SEV1 -c api=partial_outage
      clarion new maintenance "Database upgrade" -c database --start 2026-12-01T02:00Z --duration 2h
      clarion new notice api-errors --rule customer-ack
      clarion new postmortem api-errors
      clarion new runbook db-failover
    """


@new.command("incident")
@click.argument("title", required=False)
@click.option(
    "--severity",
    "-s",
    metavar="SEV",
    help=(
        "SEV0 critical outage, SEV1 major degradation, SEV2 minor, SEV3 low impact (P0-P3 work "
        "too). Asked on a terminal when missing."
    ),
)
@click.option(
    "--component",
    "-c",
    "components",
    multiple=True,
    metavar="ID=IMPACT",
    help=(
        "An affected component and its impact (operational, degraded_performance, partial_outage, "
        "major_outage). Repeatable."
    ),
)
@click.option(
    "--customers-affected/--no-customers-affected",
    default=None,
    help=(
        "Customers are affected (with SEV0/SEV1, customer emails are owed). Default: asked "
        "with the severity questions (yes for SEV0 and SEV1 unless answered no); otherwise no."
    ),
)
@click.option(
    "--message",
    "-m",
    metavar="TEXT",
    help="The first public update (stage: investigating). Default: a short holding statement.",
)
@click.option(
    "--private",
    "private",
    is_flag=True,
    help="Write 'public: false': never published, still drives comms and deadlines.",
)
@click.option(
    "--slug", metavar="WORDS", help="File name words instead of the title's (the date is prefixed)."
)
@click.option(
    "--ask/--no-ask",
    default=None,
    help="Walk the severity decision tree (default: on a terminal, when --severity is missing).",
)
@click.option(
    "--from-alert",
    "from_alert",
    metavar="FILE",
    help="Draft from a paging tool's webhook payload (FILE, or - for stdin): title, detected "
    "and acknowledged times, components, impact and severity by [alerts.map] in site.toml.",
)
@click.option(
    "--format",
    "alert_format",
    type=click.Choice([AUTO, *FORMATS]),
    default=AUTO,
    show_default=True,
    help="The --from-alert payload's format (default: detected).",
)
@click.option(
    "--alert-key",
    is_flag=True,
    help="With --from-alert: print the alert's dedup key as a branch-safe word and write nothing.",
)
@at_option
@source_option
@now_option
@handle_errors
def new_incident_command(
    title: str | None,
    severity: str | None,
    components: tuple[str, ...],
    customers_affected: bool | None,
    message: str | None,
    private: bool,
    slug: str | None,
    ask: bool | None,
    from_alert: str | None,
    alert_format: str,
    alert_key: bool,
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
      clarion new incident --from-alert pagerduty.json   # drafted from an alert
    """
    from ..authoring import new_incident, parse_component_impacts, parse_severity

    config = load_config(source)
    now = resolve_now(config, now_text)
    at = _parse_at(config, at_text, now)
    impacts = parse_component_impacts(config, components)
    if from_alert is not None:
        from .alerting import draft_from_alert

        draft_from_alert(
            config,
            from_alert,
            alert_format,
            key_only=alert_key,
            title=title,
            severity=parse_severity(severity) if severity else None,
            components=impacts,
            at=at,
            customers_affected=customers_affected,
            public=not private,
            message=message,
            slug=slug,
        )
        return
    if alert_key:
        raise UsageError("--alert-key needs --from-alert FILE")
    if title is None:
        raise UsageError(
            'a TITLE is needed (or --from-alert FILE), e.g. clarion new incident "API errors"'
        )
    level, customers_affected = _severity_and_customers(
        config, severity, ask=ask, customers_affected=customers_affected
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
    _say_next(written.slug, level)


def _say_next(slug: str, level: Severity) -> None:
    common.err.print(
        f'Declared {slug} ({level.value}). Next: clarion update {slug} identified "..."',
        markup=False,
    )


def _severity_and_customers(
    config: SiteConfig, severity: str | None, *, ask: bool | None, customers_affected: bool | None
) -> tuple[Severity, bool]:
    """``--severity``, else the answers to the severity questions (on a terminal
    or with ``--ask``); and whether customers are affected, asked when not given."""
    from ..authoring import Q_CUSTOMERS, Question, parse_severity, walk_severity_tree

    if severity is not None:
        level = parse_severity(severity)
    elif ask or (ask is None and _interactive()):
        common.err.print("No --severity given; answer a few questions (y/n):", markup=False)
        answers: dict[str, bool] = {}

        def ask_question(question: Question) -> bool:
            answers[question.key] = click.confirm(question.text, err=True)
            return answers[question.key]

        decision = walk_severity_tree(ask_question)
        from ..rules import load_rules
        from ..rules.practice import Practice

        common.err.print(decision.explain(Practice.of(load_rules(config))), markup=False)
        level = decision.severity
        if customers_affected is None:
            customers_affected = answers.get(Q_CUSTOMERS.key)
        if customers_affected is None:
            customers_affected = click.confirm(
                "Are customers affected (they are owed emails)?", default=level.rank <= 1, err=True
            )
    else:
        raise UsageError(
            "--severity is required when not on a terminal: SEV0 critical outage, "
            "SEV1 major degradation, SEV2 minor, SEV3 low impact "
            "(or pass --ask to answer the decision tree)"
        )
    if customers_affected is None:
        customers_affected = False
        if level.rank <= 1:  # say so: with customers affected, a SEV0/SEV1 owes them emails
            common.err.print(
                f"note: customers_affected: false (not given); if customers are affected, pass "
                f"--customers-affected: a {level.value} then owes them emails",
                markup=False,
            )
    return level, customers_affected


@new.command("maintenance")
@click.argument("title")
@click.option(
    "--start",
    "start_text",
    required=True,
    metavar="TIME",
    help="When the window opens (a time without a zone is read in the site's zone).",
)
@click.option("--end", "end_text", metavar="TIME", help="When the window closes.")
@click.option(
    "--duration",
    metavar="LENGTH",
    help="Instead of --end: the window's length, e.g. 2h, 90m, 1h30m.",
)
@click.option(
    "--component",
    "-c",
    "components",
    multiple=True,
    metavar="ID",
    help="A component under maintenance. Repeatable.",
)
@click.option(
    "--message",
    "-m",
    metavar="TEXT",
    help="The announcement (stage: scheduled). Default: the window in words.",
)
@click.option("--private", "private", is_flag=True, help="Write 'public: false' (never published).")
@click.option(
    "--slug",
    metavar="WORDS",
    help="File name words instead of the title's (the window's date is prefixed).",
)
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
    from ..authoring import check_component_ids, new_maintenance

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
    common.err.print(
        f"Scheduled {written.slug}. When it starts: clarion update {written.slug} in_progress "
        f'"..."',
        markup=False,
    )


@new.command("notice")
@click.argument("slug")
@click.option(
    "--rule",
    "rule_id",
    required=True,
    metavar="RULE",
    help="The rule the notice satisfies (see 'clarion rules').",
)
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="AUDIENCE",
    help=(
        "A recipient: an audience id from site.toml or an address. Repeatable. Default: the "
        "rule's audience, if the site defines it."
    ),
)
@click.option(
    "--name",
    metavar="WORDS",
    help="File name words instead of the rule id (for a second notice for one rule).",
)
@source_option
@handle_errors
def new_notice_command(
    slug: str, rule_id: str, to: tuple[str, ...], name: str | None, source: Path
) -> None:
    """Start a notice for incident SLUG from the rule's skeleton.

    Writes comms/<slug>/<rule>.md with 'rule:', 'to:', a subject and one
    section per item the rulebook says the notice must contain. SLUG accepts
    a unique prefix. When it has gone out: clarion sent SLUG RULE.

    \b
    Examples:
      clarion new notice api-errors --rule customer-ack --to customers
      clarion new notice export-files --rule gdpr-art33-authority --to dpa-ie
    """
    from ..authoring import RuleSkeleton, new_notice

    config = load_config(source)
    try:
        from ..rules import load_rules
    except ImportError:  # pragma: no cover - the rulebook ships with Clarion
        raise UsageError("this Clarion has no rulebook; write the notice by hand") from None
    rulebook = load_rules(config)
    if rule_id not in rulebook:
        from ..errors import did_you_mean

        hint = did_you_mean(rule_id, rulebook.ids)
        raise UsageError(
            f"unknown rule '{rule_id}'"
            + (f": {hint}" if hint else "")
            + "\n  hint: 'clarion rules' lists the rule ids"
        )
    rule = rulebook[rule_id]
    skeleton = RuleSkeleton(
        id=rule.id,
        title=rule.title,
        recipient=rule.recipient,
        must_contain=tuple(rule.must_contain),
        audience=rule.audience,
    )
    written = new_notice(config, slug, skeleton, to=to, name=name)
    click.echo(written.relpath)
    _report(written)
    common.err.print(
        f"Started a {rule.id} notice for {written.slug}. When it has gone out: clarion sent "
        f"{written.slug} {rule.id}",
        markup=False,
    )


def _parse_length(text: str) -> timedelta:
    import re

    text = text.strip().lower()
    parts = re.findall(r"(\d+)\s*(min|d|h|m)", text)
    if not re.fullmatch(r"(?:\d+\s*(?:min|d|h|m)\s*)+", text):
        raise UsageError(f"--duration: cannot read {text!r}; expected e.g. 2h, 90m or 1h30m")
    unit = {"d": 86400, "h": 3600, "m": 60, "min": 60}
    return timedelta(seconds=sum(int(n) * unit[u] for n, u in parts))
