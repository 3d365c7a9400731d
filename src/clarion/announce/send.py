"""``clarion send``: send one drafted customer or regulator email through the
announce SMTP settings, then record ``sent:`` as ``clarion sent`` does.

The draft is rendered exactly as the build renders
``private/comms/<slug>/<name>.eml`` (same sources, same ``now``), then sent
without its ``X-Unsent`` header and dated when it goes out. A draft is
refused, with the reason, when it still holds a placeholder, has no
recipient, fails the content check of its rule, names no rule (``sent:``
could not be recorded) or is already sent.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr

from ..config import SiteConfig
from ..errors import UsageError, did_you_mean
from ..render.email import collect_drafts
from ..render.email_index import Entry
from ..render.eml import Draft, eml_bytes
from .delivery import Outcome, Policy
from .smtp import Connection, parse_smtp_url

DEFAULT_SMTP_ENV = "SMTP_URL"
_PLACEHOLDER = re.compile(
    r"\((?:to be completed|to be written|fill in)\)|\bTODO\b|\bTBD\b|\{\{|\}\}|\{%|%\}", re.I
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadyDraft:
    draft: Draft
    entry: Entry
    refusals: tuple[str, ...]

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.draft.to + self.draft.cc + self.draft.bcc


def find_draft(config: SiteConfig, slug_prefix: str, name: str, now: datetime) -> ReadyDraft:
    """The draft ``comms/<slug>/<name>.eml`` at ``now`` and why it cannot be sent."""
    from ..authoring import find_incident_file
    from ..derive.private import PrivateState
    from ..load import load_site
    from ..rules import load_rules

    slug = find_incident_file(config, slug_prefix).stem
    site = load_site(config).as_of(now)  # updates dated after now are held back
    rulebook = load_rules(config)
    drafts = collect_drafts(config, PrivateState(config, site, rulebook, now))
    name = name.removesuffix(".eml")
    for draft, entry in _pairs(drafts.drafts, drafts.entries):
        if draft.incident.slug == slug and draft.name == name:
            return ReadyDraft(
                draft=draft, entry=entry, refusals=tuple(refusals(config, draft, entry))
            )
    names = sorted(d.name for d in drafts.drafts if d.incident.slug == slug)
    hint = did_you_mean(name, names)
    raise UsageError(
        f"no draft comms/{slug}/{name}.eml"
        + (f": {hint}" if hint else "")
        + f"\n  drafts of {slug}: {', '.join(names) or 'none'}"
    )


def _pairs(drafts: list[Draft], entries: list[Entry]) -> list[tuple[Draft, Entry]]:
    by_eml = {e.eml: e for e in entries if e.eml}
    out = []
    for draft in drafts:
        entry = by_eml.get(f"{draft.incident.slug}/{draft.name}.eml")
        if entry is not None:
            out.append((draft, entry))
    return out


def refusals(config: SiteConfig, draft: Draft, entry: Entry) -> list[str]:
    out = []
    if entry.kind == "sent":
        out.append(f"it is already recorded as sent ({entry.state_detail})")
    if draft.rule is None:
        out.append("its notice names no rule, so 'sent:' could not be recorded: add 'rule:'")
    if not (draft.to or draft.cc or draft.bcc):
        out.append(
            "it has no recipient: set 'to:' in the notice, or the rule's audience in [audiences]"
        )
    if not config.email.sender:
        out.append("[email] from is not set in site_src/site.toml")
    for line in (draft.subject, *draft.text.splitlines()):
        match = _PLACEHOLDER.search(line)
        if match:
            out.append(f"it still holds the placeholder '{match.group(0)}': {line.strip()[:80]}")
            break
    for problem in entry.problems:
        out.append(f"content check of {entry.source}: {problem}")
    return out


def outgoing_message(config: SiteConfig, draft: Draft, now: datetime) -> EmailMessage:
    """The draft as it goes out: no ``X-Unsent``, no ``Bcc`` header, dated now."""
    message = email.message_from_bytes(eml_bytes(draft, config.timezone), policy=email.policy.SMTP)
    assert isinstance(message, EmailMessage)
    del message["X-Unsent"]
    del message["Bcc"]
    del message["Date"]
    message["Date"] = format_datetime(now.astimezone(config.timezone))
    return message


def preview(message: EmailMessage, recipients: tuple[str, ...]) -> str:
    """Headers and the plain-text part, for the confirmation prompt."""
    lines = [
        f"{name}: {value}" for name, value in message.items() if name.lower() != "mime-version"
    ]
    lines.append(f"Envelope recipients: {', '.join(recipients)}")
    text = message.get_body(("plain",))
    body = text.get_content() if isinstance(text, EmailMessage) else ""
    return "\n".join(lines) + "\n\n" + body


def send_message(
    message: EmailMessage, recipients: tuple[str, ...], smtp_url: str, variable: str, policy: Policy
) -> Outcome:
    server = parse_smtp_url(smtp_url, variable)
    sender = parseaddr(str(message["From"]))[1]
    envelope = [address for _, address in getaddresses(list(recipients)) if address]
    with Connection(server, policy) as connection:
        return connection.send(message, sender=sender, recipients=envelope)


def smtp_variable(config: SiteConfig, given: str | None) -> str:
    """``--smtp-url-env``, else the first email channel's, else ``SMTP_URL``."""
    if given:
        return given
    for channel in config.announce:
        if channel.smtp_url_env:
            return channel.smtp_url_env
    return DEFAULT_SMTP_ENV
