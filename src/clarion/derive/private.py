"""What the private outputs show at ``now``, derived once per build.

:class:`PrivateState` is the private sibling of :class:`clarion.derive.State`,
made by the same step of a build (:func:`clarion.build.prepare`) from the same
loaded site and the rulebook read once with it. The deadline report, the
metrics (with the site's targets evaluated against them) and the learning
review are each computed on first use and then kept: the private writers
(``deadlines.*``, the metrics page, the email drafts) read them and derive
nothing themselves. Computing on first use lets a large build
derive them in the forked process that renders the private files while the
public pages render (:data:`clarion.render.writers.BACKGROUND_WRITERS`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from .. import __version__
from ..config import SiteConfig
from ..errors import ContentError, UsageError
from ..model import Site
from ..rules import RuleBook

if TYPE_CHECKING:
    from .comms import OwedEmails
    from .deadline_report import ReportParts
    from .deadlines import DeadlineReport
    from .learning import Review
    from .metric_targets import MetricsReport
    from .notice_obligations import NoticeKey
    from .owed import Obligation
    from .part_reuse import Reuse
    from .stats import KeptMonths, Stats

# What derives each part is imported where it is first used: a large build
# derives the private state in the process that renders the private files,
# and the main process, which renders the pages, never imports it.


@dataclass(frozen=True, eq=False)
class PrivateState:
    config: SiteConfig
    site: Site
    rulebook: RuleBook
    now: datetime
    #: The deadline report's parts the last build kept (``None``: none kept).
    reuse: Reuse | None = None
    #: The deadline report's parts for the next build, by the digest of their
    #: inputs: filled when the report is derived (with ``reuse``).
    kept: dict[str, str | None] = field(default_factory=dict)
    #: The metrics' months' parts the last build kept (``None``: none kept;
    #: :mod:`clarion.derive.metric_parts`), read on first use.
    metric_parts: Mapping[str, str] | None = None
    #: The metrics' months' parts for the next build: filled when the metrics
    #: are computed (with ``metric_parts`` and the deadline report's parts).
    metric_parts_kept: dict[str, str] = field(default_factory=dict)

    @cached_property
    def deadline_parts(self) -> ReportParts | None:
        """Each incident's part of the deadline report, as text until read
        (``None`` without ``reuse``: the report is computed whole)."""
        from .deadline_report import report_parts

        if self.reuse is None:
            return None
        zone = self.config.timezone
        return report_parts(self.site, self.rulebook, self.now, zone, self.reuse, self.kept)

    @cached_property
    def deadlines(self) -> DeadlineReport:
        """Every obligation of the site at ``now``, with the lint."""
        from .deadline_report import evaluate

        parts = self.deadline_parts
        if parts is not None:
            return parts.report()
        return evaluate(self.site, self.rulebook, self.now, self.config.timezone)

    @cached_property
    def obligations(self) -> Mapping[str, Obligation]:
        """The deadline report's items by key: with kept parts, only those of
        the incidents asked about are read (the email drafts ask about few)."""
        parts = self.deadline_parts
        if parts is not None:
            return parts.by_key
        return {o.key: o for o in self.deadlines.obligations}

    @cached_property
    def owed_emails(self) -> OwedEmails:
        """Customer emails owed at ``now`` that no notice covers, for every email
        rule in force (the drafts keep those the site has a template for), their
        obligations read from the deadline report."""
        from .comms import email_rules, owed_emails

        rulebook = self.rulebook
        return owed_emails(
            self.site,
            rulebook,
            self.now,
            email_rules(rulebook),
            self.obligations,
        )

    @cached_property
    def notice_obligations(self) -> Mapping[NoticeKey, Obligation]:
        """The obligation each notice answers, from the deadline report: the
        email drafts take their dates and due times from here."""
        from .notice_obligations import notice_obligations as answered

        return answered(self.site, self.rulebook, self.now, self.config.timezone, self.obligations)

    @cached_property
    def notice_lint(self) -> tuple[ContentError, ...]:
        """What the notices still lack (required items, placeholders), as the
        deadline report's lint has it: the email index lists it by notice."""
        from .comms import content_lint

        slugs = {notice.slug for notice in self.site.notices}
        parts = self.deadline_parts
        if parts is None:
            items: list[Obligation] = list(self.deadlines.obligations)
        else:  # only whether a notice's own item is late counts
            items = []
            for slug in slugs:
                part = parts.part(slug)
                items.extend(part.obligations if part is not None else ())
        return tuple(content_lint(self.site, self.rulebook, items))

    @cached_property
    def metrics(self) -> Stats:
        """The metrics page's figures: the last ``[metrics] months`` months, private
        incidents included unless the page is public."""
        from .stats import compute_stats, months_back

        settings = self.config.metrics
        zone = self.config.timezone
        within = postmortem_window(self.rulebook)
        kept = self.kept_months
        compute = functools.partial(
            compute_stats,
            self.site.incidents,
            now=self.now,
            zone=zone,
            components=self.config.component_ids,
            since=months_back(self.now, zone, settings.months),
            include_private=not settings.public,
            postmortem_within=within,
        )
        try:
            return compute(kept=kept)
        except (KeyError, TypeError, IndexError, ValueError, AttributeError):
            if kept is None:
                raise
            kept.kept.clear()  # a kept part that reads but is not one: computed again
            return compute(kept=replace(kept, previous={}, computed=[]))

    @cached_property
    def kept_months(self) -> KeptMonths | None:
        """The months' parts the last build kept, keyed on everything every
        part shares, and those for the next build (``None`` without kept
        parts: every part is computed)."""
        from .stats import KeptMonths

        parts = self.deadline_parts
        if parts is None or self.metric_parts is None:
            return None
        config = self.config
        postmortem_within = postmortem_window(self.rulebook)
        shared = [
            __version__,
            "metric-parts/1",
            parts.rules,
            config.digest,
            config.timezone.key,
            list(config.component_ids),
            config.metrics.public,
            postmortem_within.total_seconds(),
        ]
        base = hashlib.sha256(json.dumps(shared).encode("utf-8")).hexdigest()
        return KeptMonths(base, parts.metrics, self.metric_parts, self.metric_parts_kept)

    @cached_property
    def metrics_report(self) -> MetricsReport:
        """The metrics page's figures with the site's targets evaluated against them."""
        from .metric_targets import metrics_report as evaluated

        return evaluated(self.metrics, self.config.metrics.targets)

    @cached_property
    def review(self) -> Review:
        """The learning review of the private metrics page (postmortems, action
        items and runbooks that need attention)."""
        from .learning import review as reviewed

        return reviewed(
            self.config,
            self.site.incidents,
            self.site.runbooks,
            self.metrics.action_items,
            self.now,
        )


def postmortem_window(rulebook: RuleBook) -> timedelta:
    """The ``postmortem`` rule's period in ``rulebook`` (its overrides included),
    against which the metrics count postmortems in time."""
    deadline = rulebook["postmortem"].deadline
    if deadline is None or not deadline.is_fixed:
        raise UsageError(
            "the metrics count postmortems within the postmortem rule's period, but "
            '[rules.overrides.postmortem] sets none in hours or days; set deadline = "PT48H"'
        )
    return deadline.as_timedelta()
