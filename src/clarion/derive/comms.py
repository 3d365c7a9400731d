"""Notices against their rules: what regulator notices still lack, what blocks
sending one, and the customer emails owed.

Pure functions of the model, the rulebook and ``now``: nothing here reads a
file, renders a template or reads the clock. Whether a notice covers an item
it must contain is decided by :mod:`clarion.derive.required_content`.

**Owed customer emails.** :func:`owed_emails` gives, for each incident, the
customer emails a practice rule owes (``customer-ack``,
``customer-resolution``: SEV0/SEV1 with ``customers_affected: true``) that no
notice covers yet: the build drafts them from built-in templates.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..documents import Notice
from ..errors import ContentError, SourceLocation
from ..model import Incident, Site
from ..rules import Rule, RuleBook
from .deadlines import Obligation, ObligationState
from .required_content import Missing, blocks, has_body, is_placeholder, missing_items

#: Owed emails are drafted while their clock started at most this long before
#: ``now`` (an acknowledgement weeks late helps nobody); older ones stay in the
#: deadline report and are only counted in the private index, so a long
#: history costs nothing per build.
DRAFT_WINDOW = timedelta(days=14)

#: States in which an owed email is drafted (the clock runs and nothing was sent).
DRAFT_STATES = frozenset(
    {ObligationState.DUE, ObligationState.OVERDUE, ObligationState.NO_DEADLINE}
)


def content_lint(
    site: Site, rulebook: RuleBook, obligations: Sequence[Obligation] = ()
) -> list[ContentError]:
    """One warning per required item a regulator notice does not cover, at the
    notice's file and line. ``obligations`` (from the deadline report) tell
    which notices are late, for "reasons for the delay" items."""
    keys = late_keys(obligations)
    return [w for notice in site.notices for w in notice_content_lint(notice, rulebook, keys)]


def late_keys(obligations: Iterable[Obligation]) -> frozenset[str]:
    """The keys of the items sent late or overdue."""
    late = (ObligationState.OVERDUE, ObligationState.MET_LATE)
    return frozenset(o.key for o in obligations if o.state in late)


def notice_content_lint(
    notice: Notice, rulebook: RuleBook, late: Collection[str]
) -> list[ContentError]:
    """What one notice lacks (see :func:`content_lint`); ``late``: the keys of
    the items sent late or overdue (:func:`late_keys`)."""
    out: list[ContentError] = []
    if notice.is_sent and not has_body(notice):
        return out  # a record of an email sent from elsewhere
    flagged: set[int] = set()
    rule = _checked_rule(notice, rulebook)
    if rule is not None:
        target = rule.limits or rule.id
        for missing in missing_items(notice, rule, late=f"{notice.slug}/{target}" in late):
            out.append(_missing_warning(notice, rule, missing))
            if missing.empty_section is not None:
                flagged.add(missing.line)
    if not notice.is_sent:
        out.extend(_placeholder_warnings(notice, flagged))
    return out


def send_blockers(notice: Notice, rulebook: RuleBook) -> list[str]:
    """Why ``notice`` is not ready to be recorded as sent: placeholders still
    in it, no recipients, required items of its rule it does not cover (as
    ``clarion check`` counts them). ``clarion sent`` refuses such a notice
    unless ``--force``."""
    rule = _checked_rule(notice, rulebook)
    out = []
    placeholders = list(_placeholder_warnings(notice, ()))
    if placeholders:
        out.append(
            f"it still holds {len(placeholders)} placeholder"
            f"{'s' if len(placeholders) != 1 else ''} ("
            + ", ".join(f"line {p.location.line}" for p in placeholders[:5])
            + ")"
        )
    if not notice.to:
        out.append("it names no recipients (to:)")
    if rule is not None:
        missing = missing_items(notice, rule)
        if missing:
            out.append(
                f"it does not cover what {rule.id} requires: "
                + "; ".join(m.item.text for m in missing[:5])
            )
    return out


def _placeholder_warnings(notice: Notice, flagged: Collection[int]) -> Iterator[ContentError]:
    """A draft's placeholders ("(to be completed)") outside the sections
    already reported as empty."""
    heading_line: int | None = None
    for block in blocks(notice.body, notice.body_line):
        if block.level != 0:
            heading_line = block.line
            if block.level == -1 and block.rest and is_placeholder(block.rest):
                placeholder = block.rest
            else:
                continue
        elif block.text.strip() and is_placeholder(block.text):
            placeholder = block.text
        else:
            continue
        if heading_line in flagged:
            continue
        yield ContentError(
            location=SourceLocation(notice.source_path, block.line),
            message=f"the draft still holds the placeholder '{placeholder.strip()}'",
            hint="write the text, or delete the section if it does not apply",
            severity="warning",
        )


def _checked_rule(notice: Notice, rulebook: RuleBook) -> Rule | None:
    if notice.rule is None or notice.rule not in rulebook:
        return None
    rule = rulebook[notice.rule]
    if rule.is_practice or not rule.must_contain:
        return None
    return rule


def _missing_warning(notice: Notice, rule: Rule, missing: Missing) -> ContentError:
    item = missing.item
    state = "sent" if notice.is_sent else "draft"
    if missing.empty_section is not None:
        message = (
            f"{rule.id}: the section '{missing.empty_section}' is still empty ({state}); "
            f"required: {item.text}"
        )
        hint = "write the section before the notice is sent"
    else:
        message = f"{rule.id}: the notice does not cover a required item ({state}): {item.text}"
        hint = (
            f"add a section '### {item.heading}' (`clarion rules {rule.id}` lists what the notice "
            "must contain)"
        )
    return ContentError(
        location=SourceLocation(notice.source_path, missing.line),
        message=message,
        hint=hint,
        severity="warning",
    )


# -- owed customer emails -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwedEmail:
    """A customer email a practice rule owes and no notice covers yet."""

    obligation: Obligation

    @property
    def rule(self) -> Rule:
        return self.obligation.rule

    @property
    def incident(self) -> Incident:
        return self.obligation.incident


@dataclass(frozen=True, slots=True)
class OwedEmails:
    """The owed emails to draft, and how many older ones are left to the
    deadline report (their clock started more than :data:`DRAFT_WINDOW` ago)."""

    recent: tuple[OwedEmail, ...]
    older: int = 0
    older_by_rule: Mapping[str, int] = field(default_factory=dict)

    def only(self, rule_ids: Collection[str]) -> OwedEmails:
        """The same, for ``rule_ids`` alone (the rules a site has an email template for)."""
        older = {r: n for r, n in self.older_by_rule.items() if r in rule_ids}
        recent = tuple(o for o in self.recent if o.rule.id in rule_ids)
        return OwedEmails(recent, sum(older.values()), older)


def email_rules(rulebook: RuleBook, templates: Collection[str] | None = None) -> tuple[Rule, ...]:
    """Enabled practice rules addressed to an audience (``customer-ack``,
    ``customer-resolution``); with ``templates``, only those that have one."""
    return tuple(
        r
        for r in rulebook
        if r.is_practice and r.enabled and r.audience and (templates is None or r.id in templates)
    )


def owed_emails(
    site: Site,
    rulebook: RuleBook,
    now: datetime,
    rules: Sequence[Rule],
    report: Mapping[str, Obligation],
) -> OwedEmails:
    """Customer emails owed at ``now`` that no notice covers (draft or sent),
    in incident order, whose clock started within :data:`DRAFT_WINDOW`.

    Each email's obligation is the one in ``report`` (the deadline report's
    obligations, by key), so a draft is owed exactly as ``clarion check`` says, and
    only then: a rule the report leaves out for an incident is not owed for
    it. The rules' conditions (severity, customers affected) and the age of
    the clock are tested first, and older items are only counted."""
    by_slug: dict[str, list[Notice]] = {}
    for notice in site.notices:
        by_slug.setdefault(notice.slug, []).append(notice)
    recent: list[OwedEmail] = []
    older: dict[str, int] = {}
    for incident in site.incidents:
        if incident.is_maintenance or incident.started_at > now:
            continue
        for rule in rules:
            cond = rule.conditions
            if cond.severity is not None and incident.severity not in cond.severity:
                continue
            if cond.customers_affected and not incident.customers_affected:
                continue
            notices = by_slug.get(incident.slug, [])
            if any(n.rule in rulebook.satisfying_rules(rule) for n in notices):
                continue  # a notice covers the rule: it is drafted from the notice
            key = f"{incident.slug}/{rule.id}"
            start = _clock_start(incident, rule, now)
            if start is not None and now - start > DRAFT_WINDOW:
                if key in report:  # (not in force for the incident: an imported one owes none)
                    older[rule.id] = older.get(rule.id, 0) + 1
                continue
            obligation = report.get(key)
            if obligation is None:  # not in force for the incident
                continue
            if obligation.state not in DRAFT_STATES:
                continue
            recent.append(OwedEmail(obligation))
    return OwedEmails(tuple(recent), sum(older.values()), older)


def _clock_start(incident: Incident, rule: Rule, now: datetime) -> datetime | None:
    """When a customer rule's clock started, where that is cheap to know
    (``None``: unknown until the report says)."""
    if rule.clock.kind != "incident":
        return None
    if rule.clock.field == "declared":
        return incident.started_at
    if rule.clock.field == "resolved":
        resolved = incident.resolved_at
        return resolved if resolved is not None and resolved <= now else None
    return None
