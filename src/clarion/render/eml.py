"""The ``.eml`` file of a draft: an RFC 5322 message built with the standard
library's :mod:`email` package.

An :class:`~email.message.EmailMessage` under ``email.policy.SMTP``,
``multipart/alternative`` with the plain-text and HTML parts, non-ASCII
headers encoded by the policy (RFC 2047), ``X-Unsent: 1`` so a mail client
opens it as a draft, and ``X-Clarion-Rule`` / ``X-Clarion-Incident``. The MIME
boundary is a hash of the content, so the bytes depend on nothing else.
"""

from __future__ import annotations

import email.policy
import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from ..documents import Notice
from ..model import Incident
from ..rules import Rule

COMMS_DIR = "comms"
POLICY = email.policy.SMTP


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
