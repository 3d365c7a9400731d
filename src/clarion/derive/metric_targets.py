"""The site's ``[metrics.targets]`` against the metrics: which are met."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import ALL_SEVERITIES, MetricTargets
from ..model import Severity
from .incident_facts import DURATION_METRICS, SHORT_LABELS
from .scope_stats import ScopeStats
from .stats import Stats


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetResult:
    """One target, the value it is compared with and whether it is met
    (``None``: no value yet)."""

    metric: str  # "mtta", ..., "mtbf", "action_item_completion", "postmortem_share"
    severity: str | None  # "SEV1", "all", or None for non-duration targets
    kind: str  # "max_seconds", "min_seconds" or "min_ratio"
    target: float  # seconds or ratio
    value: float | None
    count: int  # how many values the value is made of
    meets: bool | None
    component: str | None = None  # MTBF over the components: the one with the lowest value
    meeting: int | None = None  # MTBF over the components: how many meet the target

    @property
    def label(self) -> str:
        name = SHORT_LABELS[self.metric]
        if self.severity and self.severity != ALL_SEVERITIES:
            return f"{name} ({self.severity})"
        return name


def _compare(value: float | None, target: float, kind: str) -> bool | None:
    if value is None:
        return None
    return value <= target if kind == "max_seconds" else value >= target


def evaluate_targets(scope: ScopeStats, targets: MetricTargets) -> tuple[TargetResult, ...]:
    """Each target against ``scope``'s means and shares. Duration targets are
    maxima of the mean (met when the mean is at most the target); MTBF and the
    shares are minima (met when at least the target)."""
    out = []
    for metric, _ in DURATION_METRICS:
        for severity, limit in sorted(targets.durations.get(metric, {}).items()):
            values = (
                scope.durations[metric]
                if severity == ALL_SEVERITIES
                else scope.durations_by_severity[metric][Severity(severity)]
            )
            seconds = limit.total_seconds()
            out.append(
                TargetResult(
                    metric=metric,
                    severity=severity,
                    kind="max_seconds",
                    target=seconds,
                    value=values.mean,
                    count=values.count,
                    meets=_compare(values.mean, seconds, "max_seconds"),
                )
            )
    if targets.mtbf is not None:
        seconds = targets.mtbf.total_seconds()
        out.append(
            TargetResult(
                metric="mtbf",
                severity=None,
                kind="min_seconds",
                target=seconds,
                value=scope.mtbf.mean,
                count=scope.mtbf.count,
                meets=_compare(scope.mtbf.mean, seconds, "min_seconds"),
            )
        )
    for metric, share, share_target in (
        ("postmortem_share", scope.postmortems, targets.postmortem_share),
        ("action_item_completion", scope.action_items, targets.action_item_completion),
    ):
        if share_target is None:
            continue
        out.append(
            TargetResult(
                metric=metric,
                severity=None,
                kind="min_ratio",
                target=share_target,
                value=share.ratio,
                count=share.total,
                meets=_compare(share.ratio, share_target, "min_ratio"),
            )
        )
    return tuple(out)


def mtbf_target_summary(stats: Stats, targets: MetricTargets) -> TargetResult | None:
    """The MTBF target over the components: the lowest component MTBF, met
    when every component with a value meets it (MTBF is a per-component
    figure; the site-wide gap between any two incidents is much shorter)."""
    if targets.mtbf is None:
        return None
    seconds = targets.mtbf.total_seconds()
    valued = [(c.mtbf.mean, c.component or "") for c in stats.components if c.mtbf.mean is not None]
    if not valued:
        return TargetResult(
            metric="mtbf",
            severity=None,
            kind="min_seconds",
            target=seconds,
            value=None,
            count=0,
            meets=None,
        )
    lowest, where = min(valued)
    meeting = sum(1 for value, _ in valued if value >= seconds)
    return TargetResult(
        metric="mtbf",
        severity=None,
        kind="min_seconds",
        target=seconds,
        value=lowest,
        count=len(valued),
        meets=meeting == len(valued),
        component=where,
        meeting=meeting,
    )


def headline_targets(stats: Stats, targets: MetricTargets) -> tuple[TargetResult, ...]:
    """The targets as the summary shows them: durations and shares over the
    window's incidents; MTBF over the components (:func:`mtbf_target_summary`)
    unless the stats are of one component."""
    results = evaluate_targets(stats.overall, targets)
    if stats.overall.component is not None:
        return results
    summary = mtbf_target_summary(stats, targets)
    return tuple(summary if t.metric == "mtbf" and summary is not None else t for t in results)


@dataclass(frozen=True, kw_only=True)
class MetricsReport:
    """The metrics of a window with the site's targets evaluated once against
    them: what ``clarion stats`` and the metrics page render."""

    stats: Stats
    targets: MetricTargets  # the site's [metrics.targets], as configured
    headline: tuple[TargetResult, ...]  # the summary's targets (:func:`headline_targets`)
    overall_targets: tuple[TargetResult, ...]  # each target against ``stats.overall``
    component_targets: tuple[tuple[TargetResult, ...], ...]  # per ``stats.components``

    def component_mtbf_meets(self, index: int) -> bool | None:
        """Whether the ``index``-th component's MTBF meets the MTBF target
        (``None``: no target, or no MTBF yet)."""
        for result in self.component_targets[index]:
            if result.metric == "mtbf":
                return result.meets
        return None


def metrics_report(stats: Stats, targets: MetricTargets) -> MetricsReport:
    """``stats`` with every target evaluated: the headline, the overall scope's
    and each component's."""
    return MetricsReport(
        stats=stats,
        targets=targets,
        headline=headline_targets(stats, targets),
        overall_targets=evaluate_targets(stats.overall, targets),
        component_targets=tuple(evaluate_targets(c, targets) for c in stats.components),
    )
