"""``clarion check``: load the site, apply the rulebook, report what is owed.

The command line only chooses the output; this module gathers the report.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from ..authoring.placeholders import placeholder_warnings
from ..config import SiteConfig
from ..derive.action_items import ActionItem, all_action_items, overdue_items, source_line
from ..derive.deadline_report import evaluate
from ..derive.deadlines import DeadlineReport
from ..derive.learning import postmortem_lint, runbook_lint
from ..derive.notice_obligations import notice_obligations
from ..derive.scheduled import future_update_warnings
from ..errors import ContentError, ContentErrors, SourceLocation, UsageError
from ..github.privacy import PrivacyReport
from ..load import load_sources
from ..model import Site, Stage
from ..render.email import check_notice_templates
from ..rules.duration import DURATION_EXPECTED, DurationError, parse_duration


def run_check(
    config: SiteConfig,
    now: datetime,
    *,
    warn_within: timedelta | None = None,
    privacy: PrivacyReport | None = None,
) -> DeadlineReport:
    """Every owed item of the site at ``now`` and the content lint; raises
    :class:`~clarion.errors.ContentErrors` on invalid content, and on private
    items in a public repository (``privacy``, unless the site is fictional)."""
    blocking = privacy.errors if privacy is not None and not privacy.exempt else ()
    try:
        sources = load_sources(config)
    except ContentErrors as exc:
        if blocking:
            raise ContentErrors((*exc.errors, *blocking)) from None
        raise
    if blocking:
        raise ContentErrors(blocking)
    future = future_update_warnings(sources.site, now, config.timezone)
    rulebook = sources.rulebook
    site = sources.site.as_of(now)  # updates dated after now are held back, as on the page
    report = evaluate(site, rulebook, now, config.timezone, warn_within=warn_within)
    # a notice's template errors fail the check as they fail a build
    by_key = {o.key: o for o in report.obligations}
    answered = notice_obligations(site, rulebook, now, config.timezone, by_key)
    check_notice_templates(config, site, now, rulebook, answered)
    extra = (
        future
        + forced_sends(site)
        + action_item_lint(config, site, now)
        + learning_lint(config, site, now)
        + placeholder_warnings(config, site, report)
    )
    return replace(report, lint=report.lint + extra) if extra else report


def forced_sends(site: Site) -> tuple[ContentError, ...]:
    """A warning for every notice recorded as sent with ``clarion sent --force``
    while it was not ready: the obligation counts as met, and this says how."""
    return tuple(
        ContentError(
            location=SourceLocation(
                n.source_path, n.lines.get("sent_forced") or n.lines.get("sent")
            ),
            message=f"recorded as sent with --force although {'; '.join(n.sent_forced)}",
            hint="the deadline counts as met; make sure what went out is what the rule requires",
            severity="warning",
        )
        for n in site.notices
        if n.is_sent and n.sent_forced
    )


def action_item_lint(config: SiteConfig, site: Site, now: datetime) -> tuple[ContentError, ...]:
    """Postmortem action items that are open past their due date, at the level
    ``[metrics] overdue_action_items`` sets ("warning" by default, "error",
    or "off"), and due or done dates that are not real dates (warnings)."""
    level = config.metrics.overdue_action_items
    items = all_action_items(site.incidents, now)
    late = overdue_items(items, now, config.timezone) if level != "off" else ()
    broken = [i for i in items if i.problem]
    if not late and not broken:
        return ()
    lines = _SourceLines(config)
    out = []
    for item in late:
        assert item.due is not None
        days = item.days_overdue(now, config.timezone)
        owner = f" (@{item.owner})" if item.owner else " (no owner)"
        out.append(ContentError(
            location=lines.locate(item),
            message=(
                f"action item overdue (due {item.due.isoformat()}, {days} "
                f"day{'s' if days != 1 else ''} ago): {item.text}{owner}"
            ),
            hint="mark it done with '- [x]' once it is, or agree on a new 'due YYYY-MM-DD'",
            severity=level,
        ))  # fmt: skip
    for item in broken:
        out.append(ContentError(
            location=lines.locate(item),
            message=f"action item: {item.problem}",
            expected="due YYYY-MM-DD or done YYYY-MM-DD, a real date",
            severity="warning",
        ))  # fmt: skip
    return tuple(out)


def learning_lint(config: SiteConfig, site: Site, now: datetime) -> tuple[ContentError, ...]:
    """Postmortems of the severities ``[postmortem] lint`` names (sections,
    action items, blame-shaped words) and runbooks (fields, sections, steps,
    staleness): warnings only."""
    visible = [
        i for i in site.incidents if any(u.at <= now for u in i.updates) or i.started_at <= now
    ]
    files = _SourceLines(config)
    sources = {
        i.source_path: files.lines_of(i.source_path)
        for i in visible
        if any(u.stage is Stage.POSTMORTEM and u.at <= now for u in i.updates)
    }
    return postmortem_lint(config, visible, sources) + runbook_lint(config, site.runbooks, now)


class _SourceLines:
    """Finds an action item's line in its incident file (read once per file)."""

    def __init__(self, config: SiteConfig):
        self.root = config.root
        self.files: dict[str, list[str]] = {}

    def lines_of(self, path: str) -> list[str]:
        if path not in self.files:
            try:
                text = (self.root / path).read_text(encoding="utf-8")
            except OSError:
                text = ""
            self.files[path] = text.replace("\r\n", "\n").split("\n")
        return self.files[path]

    def locate(self, item: ActionItem) -> SourceLocation:
        path = item.incident.source_path
        return SourceLocation(path, source_line(item, self.lines_of(path)))


def with_comms(config: SiteConfig, comms: Path) -> SiteConfig:
    """``config`` reading notices and breach sidecars from ``comms`` (``--comms``,
    e.g. a checkout of a private repository) instead of ``[paths] comms``."""
    if not comms.is_dir():
        raise UsageError(f"--comms: {comms} is not a folder")
    return replace(config, paths=replace(config.paths, comms=comms.resolve()))


def parse_window(text: str | None) -> timedelta | None:
    """``--warn-within``: ``PT2H``, ``P1D``, ``2h``, ``90m`` (no months)."""
    if text is None:
        return None
    try:
        duration = parse_duration(text)
        return duration.as_timedelta()
    except DurationError as exc:
        raise UsageError(f"--warn-within: {exc}; expected {DURATION_EXPECTED}") from None


def repo_visibility(visibility: str | None, public_repo: bool, fmt: str) -> str | None:
    """``--repo-visibility``, with ``--public-repo`` as its short form; the
    reminders need one (they are never written in a public repository)."""
    if public_repo:
        if visibility not in (None, "public"):
            raise UsageError(f"--public-repo contradicts --repo-visibility {visibility}")
        visibility = "public"
    if fmt == "reminders" and visibility is None:
        raise UsageError(
            "--format reminders needs --repo-visibility (public, private or internal): "
            "reminder issues are never written in a public repository"
        )
    return visibility
