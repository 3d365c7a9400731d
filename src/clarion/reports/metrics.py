"""``clarion stats`` and the metrics page: gather what the metrics need.

The definitions live in :mod:`clarion.derive.stats`; this module reads the
site, turns ``--since``/``--until`` into times and takes the postmortem
period from the site's rulebook, so ``clarion stats`` and ``clarion check``
agree on what "in time" means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..config import SiteConfig
from ..derive.metric_targets import MetricsReport, metrics_report
from ..derive.monthly_stats import next_month
from ..derive.private import postmortem_window as rulebook_postmortem_window
from ..derive.stats import Stats, compute_stats
from ..errors import UsageError, did_you_mean
from ..load.schema import TimeError, parse_time
from ..model import Incident
from ..rules import load_rules

BOUND_EXPECTED = "a month (2026-10), a day (2026-10-14) or a time (2026-10-14T12:00Z)"


def parse_bound(text: str | None, zone: ZoneInfo, *, option: str, end: bool) -> datetime | None:
    """``--since`` / ``--until``. A month or a day read in the site's zone
    means all of it: ``--since 2026-10 --until 2026-10`` is October, so for
    ``--until`` (``end``) it gives the first moment after it. A time is used
    as it is (``--until`` is exclusive)."""
    if text is None:
        return None
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", value):
            first = date.fromisoformat(value + "-01")
            return datetime.combine(next_month(first) if end else first, time(), zone)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1) if end else day, time(), zone)
        return parse_time(value, zone)
    except (ValueError, TimeError) as exc:
        raise UsageError(
            f"{option}: cannot read {text!r} ({exc}); expected {BOUND_EXPECTED}"
        ) from None


def postmortem_window(config: SiteConfig) -> timedelta:
    """The ``postmortem`` rule's period at this site (its overrides included),
    against which the metrics count postmortems in time."""
    return rulebook_postmortem_window(load_rules(config))


def check_component(config: SiteConfig, component: str | None) -> None:
    if component is None or component in config.component_ids:
        return
    hint = did_you_mean(component, config.component_ids)
    raise UsageError(
        f"--component: unknown component '{component}'"
        + (f"; {hint}" if hint else "")
        + "\n  expected one of: "
        + ", ".join(config.component_ids)
    )


def site_stats(
    config: SiteConfig,
    incidents: Sequence[Incident],
    now: datetime,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    component: str | None = None,
    include_private: bool = True,
) -> Stats:
    """The metrics of a loaded site, with its components and postmortem period."""
    check_component(config, component)
    if since is not None and until is not None and until <= since:
        raise UsageError("--until must be after --since")
    return compute_stats(
        incidents,
        now=now,
        zone=config.timezone,
        components=config.component_ids,
        since=since,
        until=until,
        only_component=component,
        include_private=include_private,
        postmortem_within=postmortem_window(config),
    )


def run_stats(
    config: SiteConfig,
    now: datetime,
    *,
    since: str | None = None,
    until: str | None = None,
    component: str | None = None,
    public_only: bool = False,
) -> MetricsReport:
    """``clarion stats``: load the site and compute its metrics, with the
    site's ``[metrics.targets]`` evaluated against them; raises
    :class:`~clarion.errors.ContentErrors` on invalid content and
    :class:`~clarion.errors.UsageError` on bad options."""
    from ..load import load_site

    zone = config.timezone
    start = parse_bound(since, zone, option="--since", end=False)
    end = parse_bound(until, zone, option="--until", end=True)
    check_component(config, component)
    site = load_site(config).as_of(now)  # updates dated after now are held back
    stats = site_stats(
        config,
        site.incidents,
        now,
        since=start,
        until=end,
        component=component,
        include_private=not public_only,
    )
    return metrics_report(stats, config.metrics.targets)


def component_names(config: SiteConfig) -> dict[str, str]:
    return {c.id: c.name for c in config.components}
