"""The obligation each notice answers, as the deadline report has it.

A notice's draft is dated by its rule's clock and its row in the private email
index says when it is due; both read the obligation from here, so they agree
with ``clarion check`` and ``deadlines.html`` by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from ..model import Site
from ..rules import RuleBook
from .obligation import obligation_for
from .owed import Obligation

#: A notice, by its incident's slug and its file's stem.
NoticeKey = tuple[str, str]


def notice_obligations(
    site: Site,
    rulebook: RuleBook,
    now: datetime,
    zone: ZoneInfo,
    report: Mapping[str, Obligation],
) -> Mapping[NoticeKey, Obligation]:
    """For every notice with a rule, the obligation it answers: its rule's (for
    a rule that caps another, the capped rule's) for its incident, taken from
    ``report`` (the deadline report's obligations, by key). A rule the report leaves
    out (one not in force for the incident) gets the same computation the
    report makes; rules without a single clock (the update cadence) answer
    none."""
    incidents = {i.slug: i for i in site.incidents}
    out: dict[NoticeKey, Obligation] = {}
    for notice in site.notices:
        incident = incidents.get(notice.slug)
        if incident is None or notice.rule is None or notice.rule not in rulebook:
            continue
        rule = rulebook[notice.rule]
        target = rulebook[rule.limits] if rule.limits and rule.limits in rulebook else rule
        obligation = report.get(f"{incident.slug}/{target.id}")
        if obligation is None:
            notices = site.notices_for(incident.slug)
            try:
                obligation = obligation_for(incident, target, rulebook, notices, now, zone)
            except ValueError:
                obligation = None
        if obligation is not None:
            out[(notice.slug, notice.name)] = obligation
    return out
