"""Microsoft Teams: an Adaptive Card posted to a Workflows (Power Automate)
webhook, in the ``message`` envelope those webhooks take.

Untrusted text goes into ``RichTextBlock`` text runs, which Teams never reads
as Markdown (a ``TextBlock`` would), so text shows as written.
"""

from __future__ import annotations

from typing import Any

from .messages import Message, human_time

_STYLES = {"#1a7f37": "good", "#cf222e": "attention", "#e36209": "warning", "#d4a72c": "warning"}


def _runs(*runs: tuple[str, bool]) -> dict[str, Any]:
    return {
        "type": "RichTextBlock",
        "inlines": [
            {"type": "TextRun", "text": text, **({"weight": "bolder"} if bold else {})}
            for text, bold in runs
        ],
    }


def card(message: Message) -> dict[str, Any]:
    header = _runs((message.headline, True))
    header["inlines"][0]["size"] = "medium"
    body: list[dict[str, Any]] = [
        {
            "type": "Container",
            "style": _STYLES.get(message.colour, "accent"),
            "bleed": True,
            "items": [header],
        }
    ]
    body += [_runs((f"{label}: ", True), (value, False)) for label, value in message.facts]
    if message.body:
        body.append(_runs((message.body, False)))
    body.append(_runs((human_time(message.at), False)))
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [
            {"type": "Action.OpenUrl", "title": "View on the status page", "url": message.url}
        ],
    }


def payload(message: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card(message),
            }
        ],
    }
