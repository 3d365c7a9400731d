"""Email drafts: every notice, and every owed customer email, as an ``.eml`` file.

Private outputs only (:attr:`Area.PRIVATE`):

- ``comms/<slug>/<name>.eml`` for each notice ``comms/<slug>/<name>.md``
  with a body (a sent notice without a body is a record of ``clarion sent``);
- ``comms/<slug>/<rule>.eml`` for each customer email a practice rule owes
  (``customer-ack``, ``customer-resolution``) that no notice covers yet,
  drafted from the built-in templates ``email/<rule>.md.j2`` and
  ``email/<rule>.subject.j2`` (a site's ``templates/`` overrides them);
- ``comms/index.html``: every notice and owed email, its rule, recipients,
  state, link to the draft and the content the check found missing.

Each draft is built with the standard library's :mod:`email` package: an
:class:`~email.message.EmailMessage` under ``email.policy.SMTP``,
``multipart/alternative`` with a plain-text part (the notice's Markdown read
as plain text: :mod:`.plaintext`) and
an HTML part (the Markdown converted and sanitised), From and Reply-To from
``[email]`` in ``site.toml``, To/Cc/Bcc from audience ids or addresses,
non-ASCII headers encoded by the policy (RFC 2047), ``X-Unsent: 1`` so a mail
client opens it as a draft, and ``X-Clarion-Rule`` / ``X-Clarion-Incident``.
Nothing depends on the wall clock: the Message-ID is a hash of the site,
incident and notice, the Date is the notice's ``sent:`` time, else the time
its rule's clock started (when the email became owed), else the incident's
latest update, and the MIME boundary is a hash of the content.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import jinja2

from ..config import SiteConfig
from ..derive.comms import email_rules
from ..derive.notice_obligations import NoticeKey
from ..derive.owed import Obligation
from ..derive.private import PrivateState
from ..derive.required_content import has_body
from ..errors import ContentError, ContentErrors
from ..model import Site
from ..output.cache import BuildCache
from ..rules import RuleBook
from . import Area, Output, RenderContext
from .email_drafter import EmailDrafter
from .email_index import INDEX_PATH, Entry, obligation_text, render_index, utc_minutes
from .email_templates import TemplateProblem, email_environment, template_exists
from .eml import Draft, eml_bytes


@dataclass
class Drafts:
    """The drafts and index rows of a site at ``now``."""

    drafts: list[Draft] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    older_owed: int = 0  # owed emails whose clock started before the drafting window


def collect_drafts(
    config: SiteConfig, private: PrivateState, cache: BuildCache | None = None
) -> Drafts:
    """Every draft and index row of the site at ``private.now``: its notices, and
    the customer emails the derive pass found owed (those with a template are
    drafted); raises :class:`ContentErrors` with every template or address
    problem."""
    site, rulebook, now = private.site, private.rulebook, private.now
    drafter = EmailDrafter(config, site, rulebook, now, private.notice_obligations)
    out = Drafts()
    _add_notices(out, drafter, private)
    _add_owed(out, drafter, private, cache)
    drafter.errors.raise_if_any()
    return out


def _add_notices(out: Drafts, drafter: EmailDrafter, private: PrivateState) -> None:
    """A draft and a row for each notice (a row alone for a record of one sent
    from elsewhere)."""
    site, rulebook, now = private.site, private.rulebook, private.now
    problems = _problems_by_notice(private.notice_lint)
    for notice in site.notices:
        incident = drafter.incident(notice.slug)
        if incident is None:
            continue
        rule = rulebook[notice.rule] if notice.rule and notice.rule in rulebook else None
        source = notice.source_path
        if notice.is_sent and not has_body(notice):
            out.entries.append(
                Entry(
                    incident=incident,
                    kind="record",
                    state="sent",
                    rule=rule,
                    source=source,
                    state_detail=(
                        f"{utc_minutes(notice.sent_at)}; recorded, sent from your mail system"
                    ),
                )
            )
            continue
        draft = drafter.notice_draft(notice)
        if draft is None:
            continue
        out.drafts.append(draft)
        if notice.sent_at is not None and notice.sent_at <= now:
            kind, state, detail = "sent", "sent", utc_minutes(notice.sent_at)
        else:
            kind, state = "draft", "draft"
            obligation = drafter.obligation(notice)
            detail = obligation_text(obligation)
            if notice.sent_at is not None:
                detail = f"sent: {utc_minutes(notice.sent_at)} is after now" + (
                    f"; {detail}" if detail else ""
                )
        out.entries.append(
            Entry(
                incident=incident,
                kind=kind,
                state=state,
                state_detail=detail,
                subject=draft.subject,
                eml=f"{incident.slug}/{draft.name}.eml",
                rule=rule,
                recipients=draft.to + draft.cc + draft.bcc,
                source=source,
                problems=tuple(problems.get(source, ())),
            )
        )


def _add_owed(
    out: Drafts, drafter: EmailDrafter, private: PrivateState, cache: BuildCache | None
) -> None:
    """A draft and a row for each owed customer email the site has a template for."""
    names_by_slug: dict[str, set[str]] = {}
    for notice in private.site.notices:
        names_by_slug.setdefault(notice.slug, set()).add(notice.name)
    rulebook = private.rulebook
    templates = {r.id for r in email_rules(rulebook) if _has_templates(drafter.env, r.id)}
    owed = private.owed_emails.only(templates)
    out.older_owed = owed.older
    for item in owed.recent:
        incident, rule = item.incident, item.rule
        taken = names_by_slug.get(incident.slug, set())
        name = rule.id if rule.id not in taken else f"{rule.id}-draft"
        draft = drafter.owed_draft(item, name, cache)
        if draft is None:
            continue
        out.drafts.append(draft)
        recipients_note = (
            ""
            if draft.to
            else f"; no recipients: add [audiences] {rule.audience} to site_src/site.toml"
        )
        out.entries.append(
            Entry(
                incident=incident,
                kind="owed",
                state="owed",
                state_detail=obligation_text(item.obligation) + recipients_note,
                subject=draft.subject,
                eml=f"{incident.slug}/{draft.name}.eml",
                rule=rule,
                recipients=draft.to,
                source=f"drafted by Clarion from email/{rule.id}.md.j2",
            )
        )


def _has_templates(env: jinja2.Environment, rule_id: str) -> bool:
    return template_exists(env, f"email/{rule_id}.md.j2") and template_exists(
        env, f"email/{rule_id}.subject.j2"
    )


def _problems_by_notice(lint: Sequence[ContentError]) -> dict[str, list[str]]:
    """What the deadline report's lint says of each notice file, line first."""
    out: dict[str, list[str]] = {}
    for warning in lint:
        line = f"line {warning.location.line}: " if warning.location.line else ""
        out.setdefault(warning.location.path, []).append(line + warning.message)
    return out


def render_emails(context: RenderContext) -> Iterator[Output]:
    """The build's writer: ``comms/<slug>/<name>.eml`` and ``comms/index.html``,
    private. Raises :class:`ContentErrors` (before yielding anything) when a
    notice's template or an address is wrong."""
    config = context.config
    result = collect_drafts(config, context.private, context.cache)
    env = email_environment(config)
    try:
        index = render_index(env, config, result.entries, result.older_owed)
    except TemplateProblem as problem:
        raise ContentErrors([problem.error]) from None
    for draft in result.drafts:
        data = draft.cached if draft.cached is not None else eml_bytes(draft, config.timezone)
        yield Output(Area.PRIVATE, draft.path, data, draft.key)
    yield Output(Area.PRIVATE, INDEX_PATH, index.encode("utf-8"))


def check_notice_templates(
    config: SiteConfig,
    site: Site,
    now: datetime,
    rulebook: RuleBook,
    obligations: Mapping[NoticeKey, Obligation],
) -> None:
    """For ``clarion check``: render every notice as a build would and raise
    :class:`ContentErrors` for each template or address error (the content
    the notices still lack is part of the deadline report's lint)."""
    drafter = EmailDrafter(config, site, rulebook, now, obligations)
    for notice in site.notices:
        if notice.is_sent and not has_body(notice):
            continue
        drafter.notice_draft(notice)
    drafter.errors.raise_if_any()


__all__ = [
    "Drafts",
    "check_notice_templates",
    "collect_drafts",
    "render_emails",
]
