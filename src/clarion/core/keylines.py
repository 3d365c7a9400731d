"""Where a dotted key sits in a TOML file, kept as data.

:func:`clarion.config.load_config` reads ``site.toml`` once and keeps its lines
in :class:`KeyLines` on the config (``SiteConfig.key_lines``), so whoever checks a
setting later (the rulebook's overrides, for one) can point at its line without
reading the file again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import SourceLocation


@dataclass(frozen=True, slots=True)
class KeyLines:
    """The lines of one TOML file; calling it with ``"a.b.c"`` gives that key's location
    (tables and ``key =`` lines; the nearest enclosing table when the key is
    absent, and the first line when no table encloses it)."""

    path: str
    lines: tuple[str, ...] = ()

    @classmethod
    def of(cls, path: str, text: str) -> KeyLines:
        return cls(path, tuple(text.splitlines()))

    def __call__(self, dotted: str) -> SourceLocation:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            table, rest = parts[:cut], parts[cut:]
            header = self._find_header(".".join(table))
            if header is not None:
                if not rest:
                    return SourceLocation(self.path, header + 1)
                line = self._find_key(rest[0], header + 1)
                return SourceLocation(self.path, (line if line is not None else header) + 1)
        line = self._find_key(parts[0], 0)
        return SourceLocation(self.path, 1 if line is None else line + 1)  # missing: the top

    def _find_header(self, name: str) -> int | None:
        wanted = re.compile(
            r"^\s*\[\s*" + re.escape(name).replace(r"\.", r"\s*\.\s*") + r"\s*[\].]"
        )
        for number, line in enumerate(self.lines):
            if wanted.match(line):
                return number
        return None

    def _find_key(self, key: str, start: int) -> int | None:
        wanted = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*[=.]")
        for number in range(start, len(self.lines)):
            line = self.lines[number]
            if number > start and line.lstrip().startswith("["):
                return None
            if wanted.match(line):
                return number
        return None
