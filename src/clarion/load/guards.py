"""Checks on raw source text, made before any parser sees it.

* **Control characters** (terminal colour codes, ``\\x0b``, NUL, C1 codes)
  cannot be shown in a page and are refused by XML: a source holding one is
  an error naming its line and column. Tabs and line ends are fine.
* **Nesting depth**: YAML and TOML nested deeper than :data:`MAX_DEPTH`
  levels is refused before parsing (parsers and every walk of the data are
  recursive). No real front matter or ``site.toml`` comes near it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import ErrorCollector, SourceLocation

#: Deepest nesting of lists and mappings a source may use.
MAX_DEPTH = 32

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class TextProblem:
    line: int  # 1-based, counted from the start of the checked text
    message: str
    hint: str


def control_character(text: str) -> TextProblem | None:
    """The first control character of ``text``, or ``None``."""
    match = _CONTROL_RE.search(text)
    if match is None:
        return None
    start = text.rfind("\n", 0, match.start()) + 1
    line = text.count("\n", 0, match.start()) + 1
    char = match.group()
    name = unicodedata.name(char, "") or {"\x1b": "ESCAPE", "\x00": "NUL"}.get(char, "control")
    return TextProblem(
        line,
        f"control character U+{ord(char):04X} ({name.lower()}) "
        f"at column {match.start() - start + 1}",
        "remove it: control characters cannot appear in a page or a feed "
        "(terminal colour codes often come with text copied from a terminal)",
    )


def nesting_problem(text: str, *, indentation: bool) -> TextProblem | None:
    """Where ``text`` nests lists or mappings deeper than :data:`MAX_DEPTH`.

    Counts ``[``/``{`` brackets outside quotes and comments and, with
    ``indentation`` (YAML), block levels by indentation and ``- `` markers.
    """
    openers = sum(text.count(mark) for mark in ("[", "{", "\n", "- ", ": ", "? "))
    if openers < MAX_DEPTH:  # cannot nest deeper than it opens: most front matter
        return None
    depth = 0
    indents: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        block = 0
        if indentation:
            stripped = line.lstrip(" ")
            if stripped and not stripped.startswith("#"):
                indent = len(line) - len(stripped)
                while indents and indents[-1] >= indent:
                    indents.pop()
                indents.append(indent)
                markers = re.match(r"(?:[-?:]\s+)*", stripped)
                block = len(indents) + (markers.group().count(" ") if markers else 0)
        quote = ""
        for char in line:
            if quote:
                if char == quote:
                    quote = ""
            elif char in "\"'":
                quote = char
            elif char == "#":
                break
            elif char in "[{":
                depth += 1
            elif char in "]}":
                depth = max(0, depth - 1)
            if depth + block > MAX_DEPTH:
                return TextProblem(
                    number,
                    f"lists and mappings nested more than {MAX_DEPTH} levels deep",
                    "flatten the structure",
                )
        if block > MAX_DEPTH:
            return TextProblem(
                number,
                f"lists and mappings nested more than {MAX_DEPTH} levels deep",
                "flatten the structure",
            )
    return None


def decode_source(raw: bytes, relpath: str, errors: ErrorCollector) -> str | None:
    """A source file's text (UTF-8, ``\\r\\n`` read as ``\\n``), or ``None``
    after reporting why it cannot be read: not UTF-8, or a control character."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.error(
            SourceLocation(relpath, raw.count(b"\n", 0, exc.start) + 1),
            f"the file is not UTF-8 ({exc.reason} at byte {exc.start})",
            hint="save the file as UTF-8",
        )
        return None
    text = text.replace("\r\n", "\n")
    problem = control_character(text)
    if problem is not None:
        errors.error(SourceLocation(relpath, problem.line), problem.message, hint=problem.hint)
        return None
    return text
