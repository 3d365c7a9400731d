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

import dataclasses
import email.policy
import functools
import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from .. import __version__
from ..cache import BuildCache, fingerprint_files, render_key
from ..config import SiteConfig
from ..derive.comms import (
    OwedEmail,
    OwedEmails,
    content_lint,
    email_rules,
    has_body,
    missing_items,
)
from ..derive.deadlines import Obligation, ObligationState, obligation_for
from ..errors import ContentErrors, ErrorCollector, SourceLocation
from ..model import Incident, Notice, Site
from ..rules import Rule, RuleBook
from . import Area, Output, RenderContext
from .email_templates import (
    TemplateProblem,
    TemplateSource,
    email_environment,
    incident_context,
    known_updates,
    render_template,
    site_context,
    template_exists,
)
from .markdown import EMAIL_ATTRIBUTES, EMAIL_TAGS, MarkdownRenderer
from .plaintext import PlainTextRenderer
from .templates import THEME_DIR

COMMS_DIR = "comms"
INDEX_PATH = f"{COMMS_DIR}/index.html"
POLICY = email.policy.SMTP

_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_BLANK_RUN_RE = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    """One email, rendered: what the ``.eml`` holds and the index shows."""

    incident: Incident
    name: str  # the .eml file's stem
    rule: Rule | None
    notice: Notice | None  # None for an owed email drafted by Clarion
    subject: str
    text: str  # the plain-text part
    html: str  # the HTML part
    sender: str | None
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    date: datetime
    message_id: str
    key: str | None = None  # render key of an owed email, for the build cache
    cached: bytes | None = None  # the previous build's .eml under the same key

    @property
    def path(self) -> str:
        return f"{COMMS_DIR}/{self.incident.slug}/{self.name}.eml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A row of the private index."""

    incident: Incident
    kind: str  # "sent", "draft", "owed" (drafted by Clarion) or "record"
    state: str
    state_detail: str = ""
    subject: str = ""
    eml: str | None = None  # relative to the index
    rule: Rule | None = None
    recipients: tuple[str, ...] = ()
    source: str = ""
    problems: tuple[str, ...] = ()


@dataclass
class Drafts:
    """The drafts and index rows of a site at ``now``."""

    drafts: list[Draft] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    older_owed: int = 0  # owed emails whose clock started before the drafting window


class EmailDrafter:
    """Renders notices and owed emails into drafts; collects every error."""

    def __init__(self, config: SiteConfig, site: Site, rulebook: RuleBook, now: datetime):
        self.config = config
        self.site = site
        self.rulebook = rulebook
        self.now = now
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
        self._incidents = {i.slug: i for i in site.incidents}
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
            expected='an address such as "status@example.com" or "Example Status <status@example.com>"',
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
            incident=incident, name=notice.name, rule=rule, notice=notice, subject=subject, body=body,
            to=to, cc=cc, bcc=bcc, date=self._notice_date(notice, incident, rule), key=notice.name,
        )  # fmt: skip

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
            self.fingerprint, "owed", incident.digest, rule.id, name, obligation.state.value, obligation.due_at,
            obligation.clock_at, len(known_updates(incident, self.now)),
        )  # fmt: skip
        path = f"{COMMS_DIR}/{incident.slug}/{name}.eml"
        cached = cache.previous_page(Area.PRIVATE.value, path, key) if cache is not None else None
        if cached is not None:
            return Draft(
                incident=incident, name=name, rule=rule, notice=None, subject=" ".join(subject.split()), text="",
                html="", sender=self.sender, reply_to=self.reply_to, to=to, date=date, message_id="", key=key,
                cached=cached,
            )  # fmt: skip
        body = self._render(
            None, context, TemplateSource(f"email/{rule.id}.md.j2"), name=f"email/{rule.id}.md.j2"
        )
        if body is None:
            return None
        draft = self._finish(
            incident=incident, name=name, rule=rule, notice=None, subject=subject, body=body,
            to=to, cc=(), bcc=(), date=date, key=f"owed/{rule.id}",
        )  # fmt: skip
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
            incident=incident, name=name, rule=rule, notice=notice, subject=subject,
            text=_BLANK_RUN_RE.sub("\n\n", text.strip("\n")) + "\n", html=html.strip("\n") + "\n",
            sender=self.sender, reply_to=self._reply_to(text), to=to, cc=cc, bcc=bcc, date=date,
            message_id=_message_id(digest, self._host),
        )  # fmt: skip

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

    def _notice_date(self, notice: Notice, incident: Incident, rule: Rule | None) -> datetime:
        """``sent:``; else when the rule's clock started; else the latest update."""
        if notice.sent_at is not None:
            return notice.sent_at
        obligation = self.obligation(incident, rule)
        if obligation is not None and obligation.clock_at is not None:
            return obligation.clock_at
        updates = known_updates(incident, self.now)
        return updates[-1].at if updates else incident.started_at

    def obligation(self, incident: Incident, rule: Rule | None) -> Obligation | None:
        """The obligation a notice for ``rule`` answers (``None`` for rules
        without a single clock, such as the update cadence)."""
        if rule is None:
            return None
        target = (
            self.rulebook[rule.limits] if rule.limits and rule.limits in self.rulebook else rule
        )
        try:
            return obligation_for(
                incident,
                target,
                self.rulebook,
                self.site.notices_for(incident.slug),
                self.now,
                self.zone,
            )
        except ValueError:
            return None


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


# -- the .eml bytes --------------------------------------------------------------------


def eml_bytes(draft: Draft, zone: ZoneInfo | None = None) -> bytes:
    """The draft as an RFC 5322 message (CRLF line ends, as ``.eml`` files have)."""
    msg = EmailMessage(policy=POLICY)
    if draft.sender:
        msg["From"] = draft.sender
    if draft.reply_to:
        msg["Reply-To"] = draft.reply_to
    if draft.to:
        msg["To"] = ", ".join(draft.to)
    if draft.cc:
        msg["Cc"] = ", ".join(draft.cc)
    if draft.bcc:
        msg["Bcc"] = ", ".join(draft.bcc)
    _put(msg, "Subject", draft.subject)
    msg["Date"] = format_datetime(draft.date.astimezone(zone) if zone is not None else draft.date)
    _put(msg, "Message-ID", draft.message_id)
    msg["X-Unsent"] = "1"
    if draft.rule is not None:
        _put(msg, "X-Clarion-Rule", draft.rule.id)
    _put(msg, "X-Clarion-Incident", draft.incident.slug)
    msg.set_content(draft.text, subtype="plain", charset="utf-8", cte=_cte(draft.text))
    msg.add_alternative(draft.html, subtype="html", charset="utf-8", cte=_cte(draft.html))
    for part in msg.iter_parts():
        del part["MIME-Version"]  # only the top level carries it
    boundary = hashlib.sha256((draft.message_id + draft.text + draft.html).encode()).hexdigest()[
        :24
    ]
    msg.set_boundary(f"=_clarion_{boundary}")
    return msg.as_bytes()


def _put(msg: EmailMessage, name: str, value: str) -> None:
    """Set a header. Non-ASCII text is left to the policy (RFC 2047 encoded
    words); ASCII text is folded here at spaces, keeping its first word on the
    header's own line (the policy would move a value that fits one
    continuation line there whole, and parsers then read a leading space)."""
    if not (value.isascii() and value.isprintable()):
        msg[name] = value
        return
    words = value.split(" ")
    lines, current, used = [], words[0], len(name) + 2
    for word in words[1:]:
        if used + len(current) + 1 + len(word) > POLICY.max_line_length:  # type: ignore[operator]
            lines.append(current)
            current, used = word, 1
        else:
            current += " " + word
    lines.append(current)
    msg.set_raw(name, "\n ".join(lines))


def _cte(text: str) -> str:
    """7bit for short ASCII lines, else quoted-printable (readable, and safe
    for any transport)."""
    if text.isascii() and all(len(line) <= 76 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


# -- the site's drafts ------------------------------------------------------------------


def collect_drafts(
    config: SiteConfig,
    site: Site,
    rulebook: RuleBook,
    now: datetime,
    cache: BuildCache | None = None,
    *,
    owed: OwedEmails,
) -> Drafts:
    """Every draft and index row of the site at ``now`` (``owed``: the customer
    emails the derive pass found owed; those with a template are drafted);
    raises :class:`ContentErrors` with every template or address problem."""
    drafter = EmailDrafter(config, site, rulebook, now)
    out = Drafts()
    names_by_slug: dict[str, set[str]] = {}
    for notice in site.notices:
        names_by_slug.setdefault(notice.slug, set()).add(notice.name)
    problems = _problems_by_notice(site, rulebook, drafter)
    for notice in site.notices:
        incident = drafter._incidents.get(notice.slug)
        if incident is None:
            continue
        rule = rulebook[notice.rule] if notice.rule and notice.rule in rulebook else None
        source = notice.source_path
        if notice.is_sent and not has_body(notice):
            out.entries.append(Entry(
                incident=incident, kind="record", state="sent", rule=rule, source=source,
                state_detail=f"{_utc(notice.sent_at)}; recorded, sent from your mail system",
            ))  # fmt: skip
            continue
        draft = drafter.notice_draft(notice)
        if draft is None:
            continue
        out.drafts.append(draft)
        if notice.sent_at is not None and notice.sent_at <= now:
            kind, state, detail = "sent", "sent", _utc(notice.sent_at)
        else:
            kind, state = "draft", "draft"
            obligation = drafter.obligation(incident, rule)
            detail = _obligation_text(obligation)
            if notice.sent_at is not None:
                detail = f"sent: {_utc(notice.sent_at)} is after now" + (
                    f"; {detail}" if detail else ""
                )
        out.entries.append(Entry(
            incident=incident, kind=kind, state=state, state_detail=detail, subject=draft.subject,
            eml=f"{incident.slug}/{draft.name}.eml", rule=rule, recipients=draft.to + draft.cc + draft.bcc,
            source=source, problems=tuple(problems.get(source, ())),
        ))  # fmt: skip
    templates = {r.id for r in email_rules(rulebook) if _has_templates(drafter.env, r.id)}
    owed = owed.only(templates)
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
        out.entries.append(Entry(
            incident=incident, kind="owed", state="owed", state_detail=_obligation_text(item.obligation) + recipients_note,
            subject=draft.subject, eml=f"{incident.slug}/{draft.name}.eml", rule=rule, recipients=draft.to,
            source=f"drafted by Clarion from email/{rule.id}.md.j2",
        ))  # fmt: skip
    drafter.errors.raise_if_any()
    return out


def _has_templates(env: jinja2.Environment, rule_id: str) -> bool:
    return template_exists(env, f"email/{rule_id}.md.j2") and template_exists(
        env, f"email/{rule_id}.subject.j2"
    )


def _problems_by_notice(
    site: Site, rulebook: RuleBook, drafter: EmailDrafter
) -> dict[str, list[str]]:
    obligations = []
    for notice in site.notices:
        incident = drafter._incidents.get(notice.slug)
        rule = rulebook[notice.rule] if notice.rule and notice.rule in rulebook else None
        if incident is not None and rule is not None and not rule.is_practice:
            obligation = drafter.obligation(incident, rule)
            if obligation is not None:
                obligations.append(obligation)
    out: dict[str, list[str]] = {}
    for warning in content_lint(site, rulebook, obligations):
        line = f"line {warning.location.line}: " if warning.location.line else ""
        out.setdefault(warning.location.path, []).append(line + warning.message)
    return out


def _obligation_text(obligation: Obligation | None) -> str:
    if obligation is None:
        return ""
    state = obligation.state
    if state is ObligationState.DUE and obligation.due_at:
        return f"due by {_utc(obligation.due_at)}"
    if state is ObligationState.OVERDUE and obligation.due_at:
        return f"overdue since {_utc(obligation.due_at)}"
    if state is ObligationState.MET_LATE:
        return "met late"
    return state.label


def _utc(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_index(
    drafter_env: jinja2.Environment,
    config: SiteConfig,
    entries: Sequence[Entry],
    older_owed: int = 0,
) -> str:
    by_incident: dict[str, list[Entry]] = {}
    incidents: dict[str, Incident] = {}
    for entry in entries:
        by_incident.setdefault(entry.incident.slug, []).append(entry)
        incidents[entry.incident.slug] = entry.incident
    order = sorted(incidents.values(), key=lambda i: (i.started_at, i.slug), reverse=True)
    rows = [
        {
            "slug": incident.slug,
            "title": incident.title,
            "severity": incident.severity.value if incident.severity else None,
            "entries": [_entry_data(e) for e in by_incident[incident.slug]],
        }
        for incident in order
    ]
    counts = {
        "drafts": sum(1 for e in entries if e.kind == "draft"),
        "owed": sum(1 for e in entries if e.kind == "owed" and e.eml),
        "sent": sum(1 for e in entries if e.kind in ("sent", "record")),
        "problems": sum(len(e.problems) for e in entries),
        "older": older_owed,
    }
    context = {"site": site_context(config), "incidents": rows, "counts": counts}
    return render_template(
        drafter_env,
        None,
        context,
        TemplateSource("email/index.html.j2"),
        name="email/index.html.j2",
        config=config,
    )


def _entry_data(entry: Entry) -> dict[str, object]:
    return {
        "kind": entry.kind,
        "state": entry.state,
        "state_detail": entry.state_detail,
        "subject": entry.subject,
        "eml": entry.eml,
        "rule": entry.rule.id if entry.rule else None,
        "rule_title": entry.rule.title if entry.rule else None,
        "recipients": list(entry.recipients),
        "source": entry.source,
        "problems": list(entry.problems),
    }


def render_emails(context: RenderContext) -> Iterator[Output]:
    """The build's writer: ``comms/<slug>/<name>.eml`` and ``comms/index.html``,
    private. Raises :class:`ContentErrors` (before yielding anything) when a
    notice's template or an address is wrong."""
    config = context.config
    result = collect_drafts(
        config,
        context.site,
        context.rulebook,
        context.state.now,
        context.cache,
        owed=context.private.owed_emails,
    )
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
    config: SiteConfig, site: Site, now: datetime, rulebook: RuleBook
) -> None:
    """For ``clarion check``: render every notice as a build would and raise
    :class:`ContentErrors` for each template or address error (the content
    the notices still lack is part of the deadline report's lint)."""
    drafter = EmailDrafter(config, site, rulebook, now)
    for notice in site.notices:
        if notice.is_sent and not has_body(notice):
            continue
        drafter.notice_draft(notice)
    drafter.errors.raise_if_any()


__all__ = [
    "Draft",
    "EmailDrafter",
    "check_notice_templates",
    "collect_drafts",
    "eml_bytes",
    "missing_items",
    "render_emails",
]
