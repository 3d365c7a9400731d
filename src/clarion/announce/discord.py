"""Discord webhooks: one embed with the impact's colour.

``allowed_mentions`` is empty, so no text pings anyone (``@everyone``, a
role, a user), and Markdown characters are escaped with a backslash, so text
shows as written.
"""

from __future__ import annotations

import re
from typing import Any

from .messages import Message

_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()#<:@-])")
# Discord's limits: title 256, description 4,096, field value 1,024.
_TITLE, _DESCRIPTION, _FIELD = 256, 4096, 1024


def escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def payload(message: Message) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": clip(escape(message.headline), _TITLE),
        "url": message.url,
        "color": int(message.colour.lstrip("#"), 16),
        "fields": [
            {
                "name": label,
                "value": clip(escape(value), _FIELD) or "-",
                "inline": label != "Components",
            }
            for label, value in message.facts
        ],
        "timestamp": message.at.isoformat(),
    }
    if message.body:
        embed["description"] = clip(escape(message.body), _DESCRIPTION)
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}
