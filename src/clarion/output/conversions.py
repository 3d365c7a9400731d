"""The Markdown conversions a build keeps for the next (see :mod:`clarion.output.cache`).

The file holds one JSON line per converted text, ``["<text digest>", "<html>"]``;
a build looks up a few hundred of tens of thousands, so the lines are indexed
by the digest at their start and each is decoded only when looked up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

#: The length of a Markdown text's digest (:func:`clarion.render.markdown.text_digest`).
_DIGEST_CHARS = 32


class StoredConversions(Mapping[str, str]):
    """The lines of the Markdown file (``["<text digest>", "<html>"]``, one per
    text, a later line for the same text wins), indexed by the digest at the
    start of each line and decoded on lookup. A line that does not have that
    shape or does not decode is missing (found damaged on lookup, it is
    dropped): its text is converted again."""

    _PREFIX = len(b'["') + _DIGEST_CHARS

    def __init__(self, lines: bytes):
        end = self._PREFIX
        self._lines = {
            line[2:end]: line
            for line in lines.splitlines()
            if line.startswith(b'["') and line[end : end + 4] == b'", "'
        }

    def __getitem__(self, name: str) -> str:
        key = name.encode("utf-8", "surrogateescape")
        line = self._lines.get(key)
        if line is not None:
            try:
                found, html = json.loads(line)
            except (ValueError, TypeError):
                pass
            else:
                if found == name and isinstance(html, str):
                    return html
            del self._lines[key]  # damaged: missing from now on (converted and kept again)
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.encode("utf-8", "surrogateescape") in self._lines

    def __iter__(self) -> Iterator[str]:
        return (name.decode("utf-8", "surrogateescape") for name in self._lines)

    def __len__(self) -> int:
        return len(self._lines)
