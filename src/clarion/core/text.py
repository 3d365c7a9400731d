"""Markdown text helpers shared by the loader and the derive layer."""

from __future__ import annotations

import re

_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def code_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (the fences
    included): Markdown structure is not read there."""
    inside: list[bool] = []
    fence: str | None = None
    for line in lines:
        match = _FENCE_RE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            inside.append(True)
        else:
            inside.append(fence is not None)
    return inside
