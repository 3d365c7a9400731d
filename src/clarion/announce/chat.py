"""Mattermost and Rocket.Chat incoming webhooks: the Slack-compatible
attachment both accept (``title``, ``title_link``, ``color``, ``fields``).

Both render Markdown in attachments, so every untrusted text has its ASCII
punctuation escaped with a backslash (CommonMark's escape): it shows as
written, and ``@all`` or ``[a](link)`` stay inert.
"""

from __future__ import annotations

import re
from typing import Any

from .messages import Message, human_time

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", text)


def payload(message: Message) -> dict[str, Any]:
    fields = [
        {"title": label, "value": escape(value), "short": label != "Components"}
        for label, value in message.facts
    ]
    return {
        "text": escape(message.headline),
        "attachments": [
            {
                "fallback": escape(f"{message.headline} ({message.stage}) {message.url}"),
                "color": message.colour,
                "title": escape(message.title),
                "title_link": message.url,
                "text": escape(message.body),
                "fields": fields,
                "footer": human_time(message.at),
            }
        ],
    }
