"""``clarion check``: load the site, apply the rulebook, report what is owed.

The command line only chooses the output; this module gathers the report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .config import SiteConfig
from .derive.deadlines import DeadlineReport, evaluate
from .errors import UsageError
from .load import load_site
from .rules import load_rules
from .rules.duration import DURATION_EXPECTED, DurationError, parse_duration


def run_check(config: SiteConfig, now: datetime, *, warn_within: timedelta | None = None) -> DeadlineReport:
    """Every owed item of the site at ``now`` and the content lint; raises
    :class:`~clarion.errors.ContentErrors` on invalid content."""
    site = load_site(config)
    return evaluate(site, load_rules(config), now, config.timezone, warn_within=warn_within)


def parse_window(text: str | None) -> timedelta | None:
    """``--warn-within``: ``PT2H``, ``P1D``, ``2h``, ``90m`` (no months)."""
    if text is None:
        return None
    try:
        duration = parse_duration(text)
        return duration.as_timedelta()
    except DurationError as exc:
        raise UsageError(f"--warn-within: {exc}; expected {DURATION_EXPECTED}") from None
