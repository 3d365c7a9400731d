"""Drafting emails: a notice's Markdown, or an owed customer email's built-in
template, rendered into a :class:`~clarion.render.eml.Draft`.

:class:`EmailDrafter` renders the subject and body templates, checks every
address (``[email]``, ``[audiences]``, a notice's To/Cc/Bcc) and builds the
plain-text and sanitised HTML parts. It derives nothing: a notice's date and
due time come from the obligation the derive pass found for it
(:attr:`clarion.derive.private.PrivateState.notice_obligations`), an owed
email's from its :class:`~clarion.derive.comms.OwedEmail`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from markupsafe import Markup

from .. import __version__
from ..config import SiteConfig
from ..derive.comms import OwedEmail
from ..derive.notice_obligations import NoticeKey
from ..derive.owed import Obligation
from ..documents import Notice
from ..errors import ErrorCollector, SourceLocation
from ..model import Incident, Site
from ..output.cache import BuildCache, fingerprint_files, render_key
from ..rules import Rule, RuleBook
from . import THEME_DIR, Area
from .email_templates import (
    TemplateProblem,
    TemplateSource,
    email_environment,
    incident_context,
    known_updates,
    render_template,
    site_context,
)
from .eml import COMMS_DIR, POLICY, Draft
from .markdown import EMAIL_ATTRIBUTES, EMAIL_TAGS, MarkdownRenderer
from .plaintext import PlainTextRenderer

_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_BLANK_RUN_RE = re.compile(r"\n{3,}")


class EmailDrafter:
    """Renders notices and owed emails into drafts; collects every error."""

    def __init__(
        self,
        config: SiteConfig,
        site: Site,
        rulebook: RuleBook,
        now: datetime,
        obligations: Mapping[NoticeKey, Obligation],
    ):
        self.config = config
        self.site = site
        self.rulebook = rulebook
        self.now = now
        self._obligations = obligations
        self.zone = config.timezone
        self.env = email_environment(config)
        self.errors = ErrorCollector()
        self._markdown = MarkdownRenderer(
            tags=EMAIL_TAGS,
            attributes=EMAIL_ATTRIBUTES,
            link_rel="noopener noreferrer",
            task_checkboxes=False,
        )
        self._plain = PlainTextRenderer()
        self._contexts: dict[str, dict[str, object]] = {}
        self._site = site_context(config)
        host = urlsplit(config.base_url).hostname or "clarion.invalid"
        self._host = host
        self.sender = self._checked_address(config.email.sender, "email.from", single=True)
        self.reply_to = self._checked_address(config.email.reply_to, "email.reply_to", single=False)
        self._audiences: dict[str, tuple[str, ...]] = {}
        for audience, addresses in config.audiences.items():
            self._audiences[audience] = tuple(
                a
                for a in (
                    self._checked_address(x, f"audiences.{audience}", single=True)
                    for x in addresses
                )
                if a
            )

    def incident(self, slug: str) -> Incident | None:
        return self._incidents.get(slug)

    @functools.cached_property
    def _incidents(self) -> dict[str, Incident]:
        """The site's incidents by slug, made when a draft first asks (an edit
        at a large site drafts few emails, often none)."""
        return {i.slug: i for i in self.site.incidents}

    # -- addresses --------------------------------------------------------------------

    def _checked_address(
        self, value: str | None, key: str, *, single: bool, where: SourceLocation | None = None
    ) -> str | None:
        if not value:
            return None
        if _address_problem(value, single=single) is None:
            return value
        self.errors.error(
            where or SourceLocation("site_src/site.toml"),
            f"{key}: '{value}' is not a valid email address",
            expected=(
                'an address such as "status@example.com" or "Example Status <status@example.com>"'
            ),
        )
        return None

    def recipients(self, notice: Notice, key: str) -> tuple[str, ...]:
        out: list[str] = []
        for item in getattr(notice, key):
            if item in self._audiences:
                out.extend(self._audiences[item])
            else:
                where = SourceLocation(notice.source_path, notice.lines.get(key))
                checked = self._checked_address(item, key, single=True, where=where)
                if checked:
                    out.append(checked)
        return tuple(dict.fromkeys(out))

    # -- rendering --------------------------------------------------------------------

    def context(self, incident: Incident, **extra: object) -> dict[str, object]:
        base = self._contexts.get(incident.slug)
        if base is None:
            base = incident_context(incident, self.config, self.rulebook, self.now)
            self._contexts[incident.slug] = base
        return {"incident": base, "site": self._site, **extra}

    def _render(
        self,
        source: str | None,
        context: Mapping[str, object],
        where: TemplateSource,
        name: str | None = None,
    ) -> str | None:
        try:
            return render_template(self.env, source, context, where, name=name, config=self.config)
        except TemplateProblem as problem:
            self.errors.errors.append(problem.error)
            return None

    def notice_draft(self, notice: Notice) -> Draft | None:
        """The draft of one notice (``None`` after an error, which is collected)."""
        incident = self._incidents.get(notice.slug)
        if incident is None:
            return None
        rule = self.rulebook[notice.rule] if notice.rule and notice.rule in self.rulebook else None
        context = self.context(incident, notice=_notice_context(notice), rule=_rule_context(rule))
        subject_source = notice.subject or (
            f"{rule.title}: {incident.title}" if rule else incident.title
        )
        subject = self._render(
            subject_source,
            context,
            TemplateSource(notice.source_path, notice.lines.get("subject", 1)),
        )
        body = self._render(
            strip_comments(notice.body),
            context,
            TemplateSource(notice.source_path, notice.body_line),
        )
        before = len(self.errors.errors)
        to, cc, bcc = (self.recipients(notice, key) for key in ("to", "cc", "bcc"))
        if subject is None or body is None or len(self.errors.errors) > before:
            return None
        return self._finish(
            incident=incident,
            name=notice.name,
            rule=rule,
            notice=notice,
            subject=subject,
            body=body,
            to=to,
            cc=cc,
            bcc=bcc,
            date=self._notice_date(notice, incident),
            key=notice.name,
        )

    def owed_draft(
        self, owed: OwedEmail, name: str, cache: BuildCache | None = None
    ) -> Draft | None:
        """The draft of a customer email a rule owes, from the built-in
        templates; with ``cache``, the previous build's file when nothing it
        depends on changed (only the subject is rendered again)."""
        rule, incident, obligation = owed.rule, owed.incident, owed.obligation
        context = self.context(incident, notice=None, rule=_rule_context(rule, obligation.due_at))
        subject = self._render(
            None,
            context,
            TemplateSource(f"email/{rule.id}.subject.j2"),
            name=f"email/{rule.id}.subject.j2",
        )
        if subject is None:
            return None
        to = self._audiences.get(rule.audience or "", ())
        date = obligation.clock_at or incident.started_at
        key = render_key(
            self.fingerprint,
            "owed",
            incident.digest,
            rule.id,
            name,
            obligation.state.value,
            obligation.due_at,
            obligation.clock_at,
            len(known_updates(incident, self.now)),
        )
        path = f"{COMMS_DIR}/{incident.slug}/{name}.eml"
        cached = cache.previous_page(Area.PRIVATE.value, path, key) if cache is not None else None
        if cached is not None:
            return Draft(
                incident=incident,
                name=name,
                rule=rule,
                notice=None,
                subject=" ".join(subject.split()),
                text="",
                html="",
                sender=self.sender,
                reply_to=self.reply_to,
                to=to,
                date=date,
                message_id="",
                key=key,
                cached=cached,
            )
        body = self._render(
            None, context, TemplateSource(f"email/{rule.id}.md.j2"), name=f"email/{rule.id}.md.j2"
        )
        if body is None:
            return None
        draft = self._finish(
            incident=incident,
            name=name,
            rule=rule,
            notice=None,
            subject=subject,
            body=body,
            to=to,
            cc=(),
            bcc=(),
            date=date,
            key=f"owed/{rule.id}",
        )
        return dataclasses.replace(draft, key=key) if draft is not None else None

    @functools.cached_property
    def fingerprint(self) -> str:
        """What every owed email depends on besides its incident: Clarion's
        version, the email templates and the site's settings."""
        templates = [p for p in (THEME_DIR / "email").rglob("*") if p.is_file()]
        if self.config.templates_dir.is_dir():
            templates += [p for p in self.config.templates_dir.rglob("*") if p.is_file()]
        return render_key(__version__, fingerprint_files(templates), self.config.digest)

    def _finish(
        self,
        *,
        incident: Incident,
        name: str,
        rule: Rule | None,
        notice: Notice | None,
        subject: str,
        body: str,
        to: tuple[str, ...],
        cc: tuple[str, ...],
        bcc: tuple[str, ...],
        date: datetime,
        key: str,
    ) -> Draft | None:
        subject = " ".join(subject.split())
        body = _BLANK_RUN_RE.sub("\n\n", body.strip("\n")) + "\n"
        layout = {
            "site": self._site,
            "subject": subject,
            "incident": self.context(incident)["incident"],
        }
        text = self._render(
            None,
            {**layout, "body": self._plain.text(body), "body_markdown": body},
            TemplateSource("email/message.txt.j2"),
            name="email/message.txt.j2",
        )
        body_html = Markup(self.html(body))
        html = self._render(
            None,
            {**layout, "body_html": body_html},
            TemplateSource("email/message.html.j2"),
            name="email/message.html.j2",
        )
        if text is None or html is None:
            return None
        digest = hashlib.sha256(
            f"{self.config.base_url}\n{incident.slug}\n{key}".encode()
        ).hexdigest()[:32]
        return Draft(
            incident=incident,
            name=name,
            rule=rule,
            notice=notice,
            subject=subject,
            text=_BLANK_RUN_RE.sub("\n\n", text.strip("\n")) + "\n",
            html=html.strip("\n") + "\n",
            sender=self.sender,
            reply_to=self._reply_to(text),
            to=to,
            cc=cc,
            bcc=bcc,
            date=date,
            message_id=_message_id(digest, self._host),
        )

    def _reply_to(self, text: str) -> str | None:
        """``[email] reply_to``; else the sender when the text asks for replies,
        so that a reply has an explicit address to go to."""
        if self.reply_to or not _ASKS_FOR_REPLY_RE.search(text):
            return self.reply_to
        return self.sender

    def html(self, text: str) -> str:
        """Markdown to sanitised HTML (an allow-list: no scripts, no event
        handlers, no ``javascript:`` links)."""
        return self._markdown.html(text)

    def _notice_date(self, notice: Notice, incident: Incident) -> datetime:
        """``sent:``; else when the rule's clock started; else the latest update."""
        if notice.sent_at is not None:
            return notice.sent_at
        obligation = self.obligation(notice)
        if obligation is not None and obligation.clock_at is not None:
            return obligation.clock_at
        updates = known_updates(incident, self.now)
        return updates[-1].at if updates else incident.started_at

    def obligation(self, notice: Notice) -> Obligation | None:
        """The obligation ``notice`` answers, as the derive pass found it
        (``None`` for rules without a single clock, such as the update cadence)."""
        return self._obligations.get((notice.slug, notice.name))


#: Text that asks the reader to answer the email.
_ASKS_FOR_REPLY_RE = re.compile(
    r"\b(?:reply|respond|answer)(?:ing)? to this (?:e-?mail|message)\b", re.I
)


def _message_id(digest: str, host: str) -> str:
    """``<hash.clarion@status.example.com>``: stable for a site, incident and
    notice; short enough to stay on the header's line."""
    value = f"<{digest[:24]}.clarion@{host}>"
    return (
        value if len("Message-ID: " + value) <= 78 else f"<{digest[:24]}.clarion@clarion.invalid>"
    )


def strip_comments(body: str) -> str:
    """The body without HTML comments (notes for the team never go out)."""
    return _COMMENT_RE.sub("", body)


def _address_problem(value: str, *, single: bool) -> str | None:
    try:
        header = POLICY.header_factory("To", value)
    except Exception as exc:  # the header parser's own errors
        return str(exc)
    addresses = getattr(header, "addresses", ())
    if header.defects or not addresses or any(not a.domain or not a.username for a in addresses):
        return "invalid"
    if single and len(addresses) != 1:
        return "more than one address"
    return None


def _notice_context(notice: Notice) -> dict[str, object]:
    return {
        "name": notice.name,
        "rule": notice.rule,
        "sent_at": notice.sent_at,
        "is_sent": notice.is_sent,
    }


def _rule_context(rule: Rule | None, due_at: datetime | None = None) -> dict[str, object] | None:
    if rule is None:
        return None
    return {"id": rule.id, "title": rule.title, "recipient": rule.recipient, "due_at": due_at}
