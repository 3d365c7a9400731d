"""Slack incoming webhooks: a Block Kit message in a coloured attachment.

Untrusted text (titles, update bodies, component names) goes into
``plain_text`` objects, which Slack never reads as markup; the one ``mrkdwn``
field (the link) and the notification ``text`` escape ``&``, ``<`` and ``>``,
so no text can mention ``@channel`` or hide a link.
"""

from __future__ import annotations

from typing import Any

from .messages import Message, human_time

# Slack's limits: header text 150 characters, section text 3,000, fields 2,000.
_HEADER, _SECTION, _FIELD = 150, 3000, 2000


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = _SECTION) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": False}


def payload(message: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(message.headline, _HEADER)},
        {
            "type": "section",
            "fields": [plain(f"{label}: {value}", _FIELD) for label, value in message.facts],
        },
    ]
    if message.body:
        blocks.append({"type": "section", "text": plain(message.body)})
    blocks.append(
        {
            "type": "context",
            "elements": [
                plain(human_time(message.at), 200),
                {"type": "mrkdwn", "text": f"<{escape(message.url)}|View on the status page>"},
            ],
        }
    )
    return {
        "text": escape(f"{message.headline} ({message.stage})"),
        "attachments": [{"color": message.colour, "blocks": blocks}],
        "unfurl_links": False,
        "unfurl_media": False,
    }
