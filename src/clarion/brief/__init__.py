"""``clarion brief SLUG``: what the first minutes of an incident need, in one place.

:func:`make_brief` gathers it (one derive pass over the loaded site, the
rulebook and ``now``): the chat channel name, the pinned summary (severity and
what it means, the roles, the status page link, the next public update due,
the customer and regulator clocks already running, the update template) and
the severity's checklist (:mod:`.checklist`), every duration read from the
rulebook. :mod:`.render` turns it into text, Markdown or Slack Block Kit JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..authoring import SEVERITY_MEANING
from ..config import SiteConfig
from ..derive.deadline_report import evaluate
from ..derive.deadlines import OPEN_STATES, ObligationState, next_update_due
from ..derive.timeline import impact_snapshots
from ..model import Incident, Roles, Severity, Site, outline_of
from ..rules import RuleBook
from .checklist import checklist_for

_CHANNEL_MAX = 80  # Slack's limit for channel names


@dataclass(frozen=True, slots=True, kw_only=True)
class RunningClock:
    """An owed customer or regulator notice whose clock runs (or, for a
    regulatory rule, whose clock is missing from the breach block)."""

    rule: str
    title: str
    recipient: str
    due_at: datetime | None
    state: str  # the obligation state's label
    detail: str  # time left / over, and what satisfies it


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleLine:
    role: str  # "Incident commander", ...
    name: str | None
    due_at: datetime | None = None  # when the rulebook expects it named


@dataclass(frozen=True, slots=True, kw_only=True)
class Brief:
    now: datetime
    slug: str
    title: str
    severity: Severity | None
    meaning: str
    stage: str
    channel: str
    declared_at: datetime | None
    detected_at: datetime | None
    components: tuple[tuple[str, str], ...]  # (component name, impact label)
    roles: tuple[RoleLine, ...]
    page_url: str | None  # None: a private incident
    next_update_at: datetime | None
    next_update_overdue: bool
    clocks: tuple[RunningClock, ...]
    template: str
    checklist: tuple[str, ...]


def channel_name(incident: Incident) -> str:
    """``#incident-YYYY-MM-DD-topic``: the slug's date (else the declared day)
    and words, in Slack's channel-name alphabet."""
    slug = incident.slug
    if not re.match(r"^\d{4}-\d{2}-\d{2}-", slug):
        slug = f"{incident.started_at:%Y-%m-%d}-{slug}"
    name = re.sub(r"[^a-z0-9_-]+", "-", f"incident-{slug}".lower()).strip("-")
    return "#" + name[:_CHANNEL_MAX].rstrip("-")


def make_brief(
    config: SiteConfig, site: Site, rulebook: RuleBook, incident: Incident, now: datetime
) -> Brief:
    report = evaluate(site, rulebook, now, config.timezone)
    mine = [o for o in report.obligations if o.incident.slug == incident.slug]
    clocks = tuple(
        RunningClock(
            rule=o.rule.id,
            title=o.rule.title,
            recipient=o.recipient,
            due_at=o.due_at,
            state=o.state.label,
            detail=o.describe(now),
        )
        for o in mine
        if o.rule.id != "update-cadence"
        and o.state in OPEN_STATES
        and (o.state is not ObligationState.CLOCK_NOT_STARTED or not o.rule.is_practice)
    )
    known = [u for u in incident.updates if u.at <= now]
    outline = outline_of(known, incident.kind)
    stage = outline.status
    nxt = next_update_due(incident, rulebook, now) if outline.resolved_at is None else None
    names = {c.id: c.name for c in config.components}
    impacts = [s.impacts for s in impact_snapshots(incident) if s.at <= now] or [{}]
    return Brief(
        now=now,
        slug=incident.slug,
        title=incident.title,
        severity=incident.severity,
        meaning=SEVERITY_MEANING.get(incident.severity, "") if incident.severity else "",
        stage=stage.label,
        channel=channel_name(incident),
        declared_at=incident.declared_at,
        detected_at=incident.detected_at,
        components=tuple((names.get(c, c), i.label) for c, i in impacts[-1].items()),
        roles=_roles(incident, rulebook),
        page_url=f"{config.base_url}incidents/{incident.slug}/" if incident.public else None,
        next_update_at=nxt.due_at if nxt else None,
        next_update_overdue=bool(nxt and nxt.due_at and nxt.due_at <= now),
        clocks=clocks,
        template=_template(incident, nxt.due_at if nxt else None),
        checklist=checklist_for(incident, rulebook, channel_name(incident)),
    )


def _roles(incident: Incident, rulebook: RuleBook) -> tuple[RoleLine, ...]:
    from ..derive.deadlines import applies

    roles = incident.roles or Roles()

    def due(rule_id: str) -> datetime | None:
        if rule_id not in rulebook or incident.declared_at is None:
            return None
        rule = rulebook[rule_id]
        if not rule.enabled or rule.deadline is None or not applies(rule, incident)[0]:
            return None
        return incident.declared_at + rule.deadline.as_timedelta()

    return (
        RoleLine(role="Incident commander", name=roles.commander, due_at=due("incident-commander")),
        RoleLine(role="Comms lead", name=roles.comms_lead, due_at=due("comms-lead")),
        RoleLine(role="Scribe", name=roles.scribe),
        RoleLine(role="Experts", name=", ".join(roles.experts) or None),
    )


def _template(incident: Incident, next_at: datetime | None) -> str:
    """The next public update, with what the update-cadence rule says it must
    contain: current impact, what is being done, when the next update comes."""
    when = f"by {next_at:%H:%M} UTC" if next_at else "when there is news"
    return (
        f'clarion update {incident.slug} identified "'
        "We are seeing <what customers notice, which parts of the service>. "
        "<What the team is doing now.> "
        f'We will post the next update {when}."'
    )


__all__ = ["Brief", "RoleLine", "RunningClock", "channel_name", "make_brief"]
