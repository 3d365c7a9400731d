"""Source text -> Clarion Markdown.

Plain text is escaped so that it reads back as the same text (no accidental
emphasis, headings, lists or HTML); HTML is sanitised with nh3 (the allow-list
Clarion's pages use) and converted to Markdown with markdownify. What a body
must never do inside an update file is also prevented: start with an
``Impact:`` line, or hold a ``#``/``##`` heading that would end the update.
"""

from __future__ import annotations

import re
from typing import Any

import markdownify
import nh3

from ..render.markdown import PAGE_ATTRIBUTES, PAGE_TAGS

_HTML_RE = re.compile(
    r"</?(p|br|a|b|strong|i|em|u|ul|ol|li|div|span|h[1-6]|code|pre|table|tr|td|th|"
    r"blockquote|hr|img|script|style|iframe)\b[^>]*>",
    re.IGNORECASE,
)
# Characters Python-Markdown (with "extra") reads as markup anywhere in a line.
_INLINE = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "{": "\\{",
        "}": "\\}",
        "#": "\\#",
        "|": "\\|",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)
_LIST_START = re.compile(r"^([-+])(\s)")
_NUMBERED_START = re.compile(r"^(\d+)([.)])(\s|$)")
_RULE_LINE = re.compile(r"^([-=~])")
_IMPACT_START = re.compile(r"^(\s*impact\s*):", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,2})(?!#)(\s)", re.MULTILINE)
_SPACES = re.compile(r"[ \t]+")
_BLANKS = re.compile(r"\n{3,}")
_HTML_TAGS = (PAGE_TAGS - {"input", "details", "summary"}) | {"h1", "h2"}


def looks_like_html(text: str) -> bool:
    return bool(_HTML_RE.search(text))


def escape_text(text: str) -> str:
    """Plain text as Markdown that renders back to the same words."""
    lines = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _SPACES.sub(" ", raw.strip()).translate(_INLINE)
        line = _LIST_START.sub(r"\\\1\2", line)
        line = _NUMBERED_START.sub(
            lambda m: m[1] + ("\\." if m[2] == "." else "&#41;") + m[3], line
        )
        if line.startswith(":"):
            line = "&#58;" + line[1:]
        elif _RULE_LINE.match(line):
            line = "&#" + str(ord(line[0])) + ";" + line[1:]
        lines.append(line)
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip("\n")


class _Converter(markdownify.MarkdownConverter):
    """markdownify with Clarion's escaping of text nodes."""

    def escape(self, text: str, parent_tags: Any) -> str:
        if not text:
            return ""
        if "pre" in parent_tags or "code" in parent_tags:
            return text
        if not text.strip():
            return text
        lead = " " if text[0].isspace() else ""
        trail = " " if text[-1].isspace() else ""
        return lead + escape_text(text) + trail


_CONVERTER = _Converter(heading_style="ATX", bullets="-", newline_style="spaces")


def html_to_markdown(html: str) -> str:
    """Sanitised HTML converted to Markdown."""
    clean = nh3.clean(
        html,
        tags=_HTML_TAGS,
        attributes={k: v for k, v in PAGE_ATTRIBUTES.items() if k in _HTML_TAGS},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )
    converted = _CONVERTER.convert(clean)
    return _BLANKS.sub("\n\n", converted.replace("\r", "")).strip("\n")


def body_markdown(text: str | None) -> tuple[str, bool]:
    """An update body in Markdown, and whether HTML in it was converted."""
    if not text:
        return "", False
    is_html = looks_like_html(text)
    body = html_to_markdown(text) if is_html else escape_text(text)
    return safe_body(body), is_html


def markdown_body(text: str | None) -> str:
    """Markdown from a source that writes Markdown (cState): kept as written,
    made safe to stand inside an update."""
    if not text:
        return ""
    return safe_body(text.replace("\r\n", "\n").strip("\n"))


def safe_body(body: str) -> str:
    """No ``Impact:`` first line, no heading that would end the update."""
    body = _HEADING.sub(lambda m: "###" + m[2], body)
    first, _, rest = body.partition("\n")
    first = _IMPACT_START.sub(r"\1&#58;", first)
    return first + ("\n" + rest if rest else "")


def comment(text: str) -> str:
    """A note as an HTML comment (never published); ``--`` cannot end it early."""
    return "<!-- " + text.replace("--", "- -").replace("\n", " ") + " -->"
