"""A small JSONPath subset for ``[alerts.generic]``: ``$.alert.labels``,
``$.items[0].id``, ``$['key with spaces']``. Enough to point at one value;
no filters, wildcards or recursion."""

from __future__ import annotations

import re

_STEP = re.compile(
    r"""\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|\[(?P<index>-?\d+)\]|\[(?P<q>["'])(?P<key>.*?)(?P=q)\]"""
)


class JsonPathError(ValueError):
    """A path that cannot be read; the message says where."""


def parse_path(text: str) -> tuple[str | int, ...]:
    """``$.a.b[0]['c d']`` -> ``("a", "b", 0, "c d")``."""
    if not text.startswith("$"):
        raise JsonPathError(f"{text!r} does not start with '$'")
    steps: list[str | int] = []
    position = 1
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            raise JsonPathError(
                f"cannot read {text!r} at character {position + 1}: {text[position:]!r}"
            )
        if match["name"] is not None:
            steps.append(match["name"])
        elif match["index"] is not None:
            steps.append(int(match["index"]))
        else:
            steps.append(match["key"])
        position = match.end()
    return tuple(steps)
