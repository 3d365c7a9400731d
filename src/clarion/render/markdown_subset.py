"""An exact fast path for the Markdown that status updates commonly use.

The reference is :meth:`clarion.render.markdown.MarkdownRenderer._convert`:
Python-Markdown (``extra`` and ``sane_lists``), then nh3. For a text made
only of the constructs below, :meth:`SubsetConverter.html` returns byte for
byte the HTML that pipeline returns, about twenty times faster; for any
other text it returns ``None`` and the full pipeline runs.

* Paragraphs of text with ``**strong**``, ``*em*`` and ``_em_`` (not
  nested, not touching another ``*``; ``****strong****`` is a strong
  inside a strong), single-backtick ```code``` spans (in emphasis and
  link text too) and ``[text](https://host/path)`` links (``http`` or
  ``https``, a plain host name, no title; a code span of letters, digits
  and ``._~-`` in the URL is its text). An ``_`` between two letters or
  digits is text.
* Fenced code blocks (```` ``` ```` or ``~~~``, with an optional language).
* Tight bullet (``- ``, ``* ``) and numbered (``1. ``) lists, one line per
  item, the list standing alone between blank lines.
* Pipe tables whose every row starts and ends with ``|``, all rows with the
  header's number of cells.

Anything else gives ``None``: raw HTML or any ``<`` outside code blocks,
backslashes, entities (``&name;``, ``&#...``), braces, images, reference links,
autolinks, headings, quotes, indented or lazy continuation lines, loose or
nested lists, task-list items, trailing spaces (line breaks), tabs,
and non-printing characters. (The renderer does not ask about a text with
more markup characters than :data:`clarion.render.markdown.MAX_MARKS`: the
full pipeline sets such paragraphs aside as written.)

What it returns is what nh3 leaves of Python-Markdown's HTML: the text
escaped (``&``, ``<``, ``>``), a fixed set of tags, ``href`` only to URLs
of a checked shape, the renderer's ``rel`` on every link, the language
class on code blocks only where the renderer allows it. A renderer whose
settings would let nh3 keep something more (a ``style`` on table cells, a
``start`` on lists) or drop a tag used here gets no fast path.
``tests/test_markdown_subset.py`` compares it with the full pipeline on
generated documents, near misses of them and the benchmark's corpus.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set

#: Tags the fast path writes; a renderer must allow all of them.
SUBSET_TAGS = frozenset(
    {"p", "strong", "em", "code", "a", "pre", "ul", "ol", "li"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)

# Outside fenced code: characters and sequences that may mean more than text
# (and ASCII control characters, for texts checked whole), and trailing spaces.
_FORBIDDEN_CHAR_RE = re.compile(r"[\\<{}\x00-\x09\x0b-\x1f\x7f]")
_ENTITY_RE = re.compile(r"&(?:#|[A-Za-z0-9]*;)")
_TRAILING_SPACE_RE = re.compile(r"[^ \n] +$", re.MULTILINE)  # a line break; blank lines are fine


def _forbidden(text: str) -> bool:
    return bool(
        _FORBIDDEN_CHAR_RE.search(text)
        or ("&" in text and _ENTITY_RE.search(text))
        or ((" \n" in text or text.endswith(" ")) and _TRAILING_SPACE_RE.search(text))
    )


# Line starts that may begin a block construct (or continue one).
_BAD_START_RE = re.compile(r"[ #>=+:|~-]|\*(?: |$)|\d+[.)]|\[[ xX]\] ")
_FENCE_RE = re.compile(r"(`{3,}|~{3,}) *(?:[A-Za-z0-9_#+-][A-Za-z0-9_#+.-]*)? *")
_LANG_RE = re.compile(r"[`~]+ *([^ ]*)")
_UL_RE = re.compile(r"[-*] (.+)")
_OL_RE = re.compile(r"(\d+)\. (.+)")
_SEPARATOR_RE = re.compile(r"\|(?:[ :-]+\|)+")
# Every alternative starts with a literal character (lookbehinds come after
# it), so the regular expression engine skips plain text quickly.
_INLINE_RE = re.compile(
    r"`(?P<code>[^`]+)`(?!`)"
    r"|\[(?<!!\[)(?P<text>(?:[^\[\]`]|`[^`\[\]]+`(?!`))+)\]\((?P<url>[^()\s]+)\)"
    r"|\*\*\*\*(?P<strong2>[^\s*](?:[^*]*[^\s*])?)\*\*\*\*(?!\*)"
    r"|\*\*(?P<strong>[^\s*](?:[^*]*[^\s*])?)\*\*(?!\*)"
    r"|\*(?P<em>[^\s*](?:[^*]*[^\s*])?)\*(?!\*)"
    r"|_(?<!\w_)(?P<uem>[^\s_](?:[^_]|_(?<=[^\W_]_)(?=[^\W_]))*?(?<!\s))_(?!\w)"
    # no group: a character that is not text here (``lastgroup`` is None)
    r"|`|\[|\]|\*|_(?<![^\W_]_)|_(?![^\W_])"
)
# What the content of a link or emphasis may hold: text, and ``_`` only
# between two letters or digits.
_MARKED_RE = re.compile(r"[`\[\]*]|(?<![^\W_])_|_(?![^\W_])")
# A code span within emphasis (Python-Markdown sets code spans aside first).
_CODE_SPAN_RE = re.compile(r"`([^`]+)`(?!`)")
# A code span in a URL that Python-Markdown turns into its text unchanged.
_URL_CODE_RE = re.compile(r"(?<!`)`([A-Za-z0-9._~-]+)`(?!`)")
_URL_RE = re.compile(
    r"https?://(?:[A-Za-z0-9-]+\.)*[A-Za-z]+"
    r"(?:[/?#](?:[A-Za-z0-9._~/?#@!$+,;=:*&-]|%[0-9A-Fa-f]{2})*)?"
)


def _text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _code(text: str) -> str:
    text = _text(text)
    return text.replace("<", "&lt;") if "<" in text else text


class SubsetConverter:
    """The fast path of one renderer: its ``rel`` on links, and whether its
    sanitiser keeps the language class of code blocks."""

    def __init__(self, *, link_rel: str, code_class: bool) -> None:
        self._rel = link_rel
        self._code_class = code_class

    @classmethod
    def for_settings(
        cls, tags: Set[str], attributes: Mapping[str, Set[str]], link_rel: str
    ) -> SubsetConverter | None:
        """The converter that matches a renderer with these sanitiser
        settings, or ``None`` where its output could differ from nh3's."""
        if not SUBSET_TAGS <= tags or not link_rel or "href" not in attributes.get("a", ()):
            return None
        if any("style" in attributes.get(tag, ()) for tag in ("th", "td")):
            return None  # Python-Markdown aligns cells with a style
        if attributes.get("ol", set()) - {"class"} or "start" in attributes.get("ol", ()):
            return None
        return cls(link_rel=link_rel, code_class="class" in attributes.get("code", ()))

    def html(self, text: str) -> str | None:
        """The HTML of ``text``, or ``None`` when it is not in the subset."""
        # Without fences every line is checked at once, else line by line.
        checked = "```" not in text and "~~~" not in text
        if checked and (
            _forbidden(text) or not (text.isascii() or text.replace("\n", "").isprintable())
        ):
            return None
        lines = text.split("\n")
        blocks: list[str] = []
        index, count = 0, len(lines)
        last_list = ""  # the tag of the block before, when a list: the same again would join it
        if lines[0] and not lines[0].strip(" "):
            return None
        while index < count:
            line = lines[index]
            if not line.strip(" "):
                index += 1
                continue
            if line.startswith(("```", "~~~")):
                end = self._fence(lines, index, blocks)
                if end is None:
                    return None
                index, last_list = end, ""
                continue
            end = index + 1
            while (
                end < count and lines[end].strip(" ") and not lines[end].startswith(("```", "~~~"))
            ):
                end += 1
            block = lines[index:end]
            index = end
            first = block[0]
            if not checked:
                for row in block:
                    if not row.isprintable() or _forbidden(row):
                        return None
            if first[0] == "|":
                html, last_list = self._table(block), ""
            elif first[0] in "-*" and first[1:2] == " ":
                html, last_list = self._list(block, _UL_RE, "ul", last_list), "ul"
            elif first[0].isdigit() and _OL_RE.match(first):
                html, last_list = self._list(block, _OL_RE, "ol", last_list), "ol"
            else:
                html, last_list = self._paragraph(block), ""
            if html is None:
                return None
            blocks.append(html)
        return "\n".join(blocks)

    def _fence(self, lines: list[str], index: int, blocks: list[str]) -> int | None:
        """Add the fenced code block opened at ``index``; the index after it."""
        opening = lines[index]
        if not _FENCE_RE.fullmatch(opening):
            return None
        fence = opening[: len(opening) - len(opening.lstrip(opening[0]))]
        for end in range(index + 1, len(lines)):
            line = lines[end]
            if line.rstrip(" ") == fence:
                break
            if not line.isprintable() or (line and not line.strip(" ")):
                return None
        else:
            return None
        body = "".join(_code(line) + "\n" for line in lines[index + 1 : end])
        language = _LANG_RE.match(opening)
        assert language is not None
        attribute = ""
        if language.group(1) and self._code_class:
            attribute = f' class="language-{language.group(1)}"'
        blocks.append(f"<pre><code{attribute}>{body}</code></pre>")
        return end + 1

    def _paragraph(self, block: list[str]) -> str | None:
        parts = []
        for line in block:
            if _BAD_START_RE.match(line):
                return None
            html = self._inline(line)
            if html is None:
                return None
            parts.append(html)
        return "<p>" + "\n".join(parts) + "</p>"

    def _list(
        self, block: list[str], pattern: re.Pattern[str], tag: str, before: str
    ) -> str | None:
        if before == tag:
            return None  # a list after a blank line continues the one before, loosely
        items = [f"<{tag}>"]
        for line in block:
            match = pattern.fullmatch(line)
            if match is None or "|" in line:
                return None
            text = match.group(match.lastindex or 0)
            if _BAD_START_RE.match(text):
                return None
            html = self._inline(text)
            if html is None:
                return None
            items.append(f"<li>{html}</li>")
        items.append(f"</{tag}>")
        return "\n".join(items)

    def _table(self, block: list[str]) -> str | None:
        if len(block) < 2 or not _SEPARATOR_RE.fullmatch(block[1]):
            return None
        width = block[1].count("|") - 1
        rows = []
        for number, line in enumerate(block):
            if number == 1:
                continue
            if len(line) < 2 or line[-1] != "|" or line[0] != "|":
                return None
            cells = line[1:-1].split("|")
            if len(cells) != width:
                return None
            tag = "th" if number == 0 else "td"
            row = ["<tr>"]
            for cell in cells:
                html = self._inline(cell.strip(" "))
                if html is None:
                    return None
                row.append(f"<{tag}>{html}</{tag}>")
            row.append("</tr>")
            rows.append("\n".join(row))
        if len(rows) == 1:
            rows.append("\n".join(["<tr>", *["<td></td>"] * width, "</tr>"]))
        head = f"<table>\n<thead>\n{rows[0]}\n</thead>\n<tbody>\n"
        return head + "\n".join(rows[1:]) + "\n</tbody>\n</table>"

    def _inline(self, text: str) -> str | None:
        """The HTML of one line (or item, or cell) of inline Markdown."""
        parts: list[str] = []
        at = 0
        for match in _INLINE_RE.finditer(text):
            kind = match.lastgroup
            if kind is None:
                return None
            parts.append(_text(text[at : match.start()]))
            at = match.end()
            if kind == "code":
                code = _code_span(match.group("code"))
                if code is None:
                    return None
                parts.append(code)
            elif kind == "url" or kind == "text":
                label, url = match.group("text"), match.group("url")
                if "`" in url:  # a code span's text (Python-Markdown's unescape)
                    url = _URL_CODE_RE.sub(r"\1", url)
                if (
                    not _URL_RE.fullmatch(url)
                    or "xn--" in url.lower()
                    or ("&" in url and ";" in url)
                ):
                    return None
                inner = self._inline(label)  # code and emphasis: the label has no [ or ]
                if inner is None:
                    return None
                href = url.replace("&", "&amp;")
                parts.append(f'<a href="{href}" rel="{self._rel}">{inner}</a>')
            else:
                inner = _emphasised(match.group(kind))
                if inner is None:
                    return None
                tag = "em" if kind in ("em", "uem") else "strong"
                if kind == "strong2":
                    inner = f"<strong>{inner}</strong>"
                parts.append(f"<{tag}>{inner}</{tag}>")
        parts.append(_text(text[at:]))
        return "".join(parts)


def _code_span(content: str) -> str | None:
    """The HTML of a code span's content (spaces around it dropped), or
    ``None`` when nothing is left."""
    code = content.strip(" ")
    return f"<code>{_code(code)}</code>" if code else None


def _emphasised(content: str) -> str | None:
    """The HTML of an emphasis's content: text and code spans, or ``None``."""
    if "`" not in content:
        return None if _MARKED_RE.search(content) else _text(content)
    parts: list[str] = []
    at = 0
    for match in _CODE_SPAN_RE.finditer(content):
        between = content[at : match.start()]
        code = _code_span(match.group(1))
        if _MARKED_RE.search(between) or code is None:
            return None
        parts.append(_text(between) + code)
        at = match.end()
    rest = content[at:]
    if _MARKED_RE.search(rest):
        return None
    return "".join(parts) + _text(rest)
