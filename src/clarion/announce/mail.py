"""Email announcements: one message per change and recipient, plain text and
HTML, threaded per incident.

- ``Message-ID`` is a hash of the site and the change key, the same in every
  run, so a retry is recognisably the same message; the first message of an
  incident (declared, or scheduled) has the incident's own id, and every
  later one names it in ``In-Reply-To`` and ``References``, so mail clients
  show an incident as one thread.
- ``List-Unsubscribe`` carries the channel's mailto and one-click URL (with
  ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, RFC 8058) when set;
  ``{email}`` in the URL becomes the recipient's address, URL-encoded.
- The HTML part escapes every text; it has no scripts, images or styles that
  load anything.
"""

from __future__ import annotations

import email.policy
import hashlib
import html
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from .config import Channel
from .messages import Message, human_time

_FIRST_EVENTS = ("declared", "scheduled")


def message_id(base_url: str, key: str) -> str:
    host = urlsplit(base_url).hostname or "clarion.invalid"
    return f"<{hashlib.sha256(f'{base_url}|{key}'.encode()).hexdigest()[:32]}@{host}>"


def build_email(
    message: Message,
    *,
    channel: Channel,
    site_title: str,
    base_url: str,
    sender: str,
    reply_to: str | None,
    recipient: str,
    now: datetime,
) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["To"] = recipient
    msg["Subject"] = f"[{site_title}] {message.title}: {message.event_label}"
    msg["Date"] = format_datetime(now)
    thread = message_id(base_url, message.thread_key)
    if message.event in _FIRST_EVENTS:
        msg["Message-ID"] = thread
    else:
        msg["Message-ID"] = message_id(base_url, message.key)
        msg["In-Reply-To"] = thread
        msg["References"] = thread
    host = urlsplit(base_url).hostname or "clarion.invalid"
    msg["List-Id"] = f"{site_title} <{channel.name}.announce.{host}>"
    unsubscribe = _unsubscribe(channel, recipient)
    if unsubscribe:
        msg["List-Unsubscribe"] = ", ".join(f"<{u}>" for u in unsubscribe)
        if channel.unsubscribe_url:
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Clarion-Change"] = message.key
    msg.set_content(_text(message, site_title, unsubscribe), charset="utf-8")
    msg.add_alternative(_html(message, site_title, unsubscribe), subtype="html", charset="utf-8")
    return msg


def _unsubscribe(channel: Channel, recipient: str) -> list[str]:
    out = []
    if channel.unsubscribe_mailto:
        out.append(f"mailto:{channel.unsubscribe_mailto}?subject=unsubscribe")
    if channel.unsubscribe_url:
        out.append(channel.unsubscribe_url.replace("{email}", quote(recipient, safe="")))
    return out


def _footer(site_title: str) -> str:
    return f"You receive this because you subscribed to status updates from {site_title}."


def _text(message: Message, site_title: str, unsubscribe: list[str]) -> str:
    lines = [message.text(), "", "-- ", _footer(site_title)]
    if unsubscribe:
        lines.append("Unsubscribe: " + unsubscribe[0])
    return "\n".join(lines) + "\n"


def _html(message: Message, site_title: str, unsubscribe: list[str]) -> str:
    e = html.escape
    facts = "".join(
        f'<tr><th align="left" style="padding-right:1em">{e(label)}</th><td>{e(value)}</td></tr>'
        for label, value in message.facts
    )
    body = "".join(
        f"<p>{e(p).replace(chr(10), '<br>')}</p>" for p in message.body.split("\n\n") if p
    )
    links = f'<p><a href="{e(message.url)}">View on the status page</a></p>'
    unsubscribe_html = f' <a href="{e(unsubscribe[-1])}">Unsubscribe</a>.' if unsubscribe else ""
    return (
        "<!doctype html>\n"
        f'<html><head><meta charset="utf-8"><title>{e(message.headline)}</title></head>\n'
        f'<body><div style="border-left:4px solid {e(message.colour)};padding-left:12px">\n'
        f'<h1 style="font-size:1.25em">{e(message.headline)}</h1>\n'
        f"<table>{facts}</table>\n{body}\n{links}\n"
        f'<p style="color:#6b7280">{e(human_time(message.at))}</p></div>\n'
        '<hr><p style="color:#6b7280;font-size:0.875em">'
        f"{e(_footer(site_title))}{unsubscribe_html}</p>\n"
        "</body></html>\n"
    )
