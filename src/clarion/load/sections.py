"""Split an incident body into its summary and timestamped update sections."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.text import code_lines
from ..model import Impact

_H2_RE = re.compile(r"^##(?!#)\s*(?P<text>.*?)\s*#*\s*$")
_HEADING_RE = re.compile(r"^(?P<time>.+?)\s+[·|\-–—]\s+(?P<stage>[A-Za-z][A-Za-z _-]*?)\s*$")
_IMPACT_RE = re.compile(r"^\s*impact\s*:\s*(?P<pairs>.*)$", re.IGNORECASE)
# An HTML comment as browsers read it: "<!-->" and "<!--->" are empty comments,
# and "--!>" closes a comment as "-->" does.
_COMMENT_RE = re.compile(r"<!--(?:-?>|.*?--!?>)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class RawSection:
    """An update section before validation: heading parts, body and lines."""

    line: int
    heading: str
    time_text: str | None  # None when the heading is not "<time> · <stage>"
    stage_text: str | None
    body: str
    impact_text: str | None
    impact_line: int | None


def strip_comments(text: str) -> str:
    """Remove HTML comments, keeping line numbers (comments are never published).

    An unclosed ``<!--`` is left in place: :func:`unclosed_comment` finds it,
    and the loaders report it (it would hide everything after it).
    """
    return _COMMENT_RE.sub(lambda m: "\n" * m.group().count("\n"), text)


def unclosed_comment(text: str) -> int | None:
    """The 0-based line of the first ``<!--`` that no ``-->`` closes, or ``None``."""
    stripped = strip_comments(text)
    start = stripped.find("<!--")
    return None if start == -1 else stripped.count("\n", 0, start)


UNCLOSED_COMMENT = "an HTML comment '<!--' is never closed: it would hide everything after it"


def split_sections(body: str, first_line: int) -> tuple[str, list[RawSection]]:
    """Return the summary (text before the first ``##`` heading) and the sections.

    Headings inside fenced code blocks are ignored; ``###`` and deeper are part
    of the section they stand in.
    """
    lines = strip_comments(body).split("\n")
    summary: list[str] = []
    sections: list[tuple[int, str, list[str]]] = []
    for index, (line, in_code) in enumerate(zip(lines, code_lines(lines), strict=False)):
        heading = _H2_RE.match(line) if line.startswith("##") and not in_code else None
        if heading:
            sections.append((first_line + index, heading["text"], []))
        elif sections:
            sections[-1][2].append(line)
        else:
            summary.append(line)
    result = []
    for line_no, text, body_lines in sections:
        parts = _HEADING_RE.match(text)
        impact_text = impact_line = None
        for offset, body_line in enumerate(body_lines):
            if not body_line.strip():
                continue
            impact = _IMPACT_RE.match(body_line)
            if impact:
                impact_text = impact["pairs"]
                impact_line = line_no + 1 + offset
                body_lines = body_lines[:offset] + body_lines[offset + 1 :]
            break
        result.append(
            RawSection(
                line=line_no,
                heading=text,
                time_text=parts["time"] if parts else None,
                stage_text=parts["stage"] if parts else None,
                body="\n".join(body_lines).strip("\n"),
                impact_text=impact_text,
                impact_line=impact_line,
            )
        )
    return "\n".join(summary).strip("\n"), result


def parse_impact_pairs(text: str) -> list[tuple[str, str]]:
    """``api=degraded_performance, dashboard=operational`` -> pairs (unvalidated).

    Raises ValueError when a pair is not ``id=impact``.
    """
    pairs = []
    for chunk in re.split(r"[,;]", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if "=" not in chunk and ":" not in chunk:
            raise ValueError(chunk)
        key, _, value = chunk.replace(":", "=", 1).partition("=")
        pairs.append((key.strip(), value.strip()))
    return pairs


IMPACT_WORDS = tuple(i.value for i in Impact)
