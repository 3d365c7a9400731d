"""The deadline report of a site at ``now``: every obligation, sorted, with the lint.

The obligations come from :mod:`clarion.derive.deadlines`, the lint from
:func:`clarion.derive.deadlines.lint` and what regulator notices still lack from
:func:`clarion.derive.comms.content_lint`: this module sits above both.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..model import Site
from ..rules import RuleBook
from .comms import content_lint
from .deadlines import DeadlineReport, Obligation, lint, obligations


def evaluate(
    site: Site,
    rulebook: RuleBook,
    now: datetime,
    zone: ZoneInfo,
    *,
    warn_within: timedelta | None = None,
) -> DeadlineReport:
    """Every obligation of ``site`` at ``now``, sorted by state, due time and
    incident, with the content lint (including what regulator notices still
    lack: :func:`clarion.derive.comms.content_lint`)."""
    items = list(obligations(site, rulebook, now, zone))
    items.sort(key=_sort_key)
    return DeadlineReport(
        now=now,
        zone=zone,
        obligations=tuple(items),
        lint=lint(site, rulebook, now) + tuple(content_lint(site, rulebook, items)),
        warn_within=warn_within,
    )


def _sort_key(o: Obligation) -> tuple[object, ...]:
    due = o.due_at.timestamp() if o.due_at else float("inf")
    return (o.state.rank, due, o.incident.started_at, o.incident.slug, o.key)
