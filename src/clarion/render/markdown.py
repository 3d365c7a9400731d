"""Markdown -> safe HTML: Python-Markdown, then nh3 (an allow-list sanitiser).

Update text is untrusted: raw HTML in it is allowed through Markdown and then
cleaned, so ``<script>``, event handlers (``onerror=``) and ``javascript:``
URLs never reach a reader's browser. Results are memoised by text, so a
summary rendered for the page, the feeds and the API is converted once.

Two exact fast paths skip the pipeline: :func:`prose_html` for text with no
Markdown syntax at all, and :class:`~clarion.render.markdown_subset.SubsetConverter`
for the formatting updates commonly use (strong, emphasis, code, links,
fenced code, simple lists and tables). Each returns the bytes of
``MarkdownRenderer._convert`` or ``None``; only ``_convert``'s results are
kept in the build cache (the fast paths are cheaper than a cache look-up).

Python-Markdown takes quadratic time on some paragraphs (it scans ahead
from every ``[`` for a closing bracket, and rebuilds the paragraph for every
inline match). A paragraph with more than :data:`MAX_MARKS` markup
characters is not one a reader wants formatted: it is shown as written,
escaped, without Markdown, so 100,000 brackets render in a fraction of a
second.
"""

from __future__ import annotations

import hashlib
import html as _html
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .markdown_subset import SubsetConverter

PAGE_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "kbd",
    "label",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
PAGE_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
    "input": {"type", "checked", "disabled"},
    "li": {"class"},
    "ul": {"class"},
}
# Emails: no form controls or disclosure widgets (mail clients drop them);
# top-level headings are allowed, since an email has no page title around it.
EMAIL_TAGS = (PAGE_TAGS - {"input", "details", "summary"}) | {"h1", "h2"}
EMAIL_ATTRIBUTES = {
    tag: attrs for tag, attrs in PAGE_ATTRIBUTES.items() if tag in {"a", "abbr", "img", "td", "th"}
}
_TASK_RE = re.compile(r"\[( |x|X)\] ")
# Elements a task item's label stops at: the item's own blocks (a nested list).
_BLOCK_TAGS = {"ul", "ol", "p", "div", "pre", "blockquote", "table", "dl", "hr"} | {
    f"h{n}" for n in range(1, 7)
}
# Prose that no Markdown rule can touch: letters, digits and light punctuation,
# no line starting with a list, code or definition marker, no hard line breaks.
_PROSE_RE = re.compile(r"[A-Za-z0-9 .,;:!?'\"()/%\n-]*")
_PROSE_LINE_START = set(" -:0123456789")
_BLANK_LINES_RE = re.compile(r"\n[ ]*\n")


#: More markup characters than this in one paragraph: the paragraph is shown as text.
MAX_MARKS = 1000
_MARKS_RE = re.compile(r"[\[\]\\`*_<&!(]")
_PARAGRAPH_RE = re.compile(r"(\n[ \t]*\n)")
_FENCE_RE = re.compile(r"\s{0,3}(`{3,}|~{3,})")  # code blocks take linear time


def _many_marks(text: str) -> bool:
    """Whether ``text`` may hold a paragraph that :func:`set_aside_marked_blocks` sets aside."""
    return len(text) > MAX_MARKS and len(_MARKS_RE.findall(text)) > MAX_MARKS


def set_aside_marked_blocks(text: str) -> tuple[str, dict[str, str]]:
    """``text`` with every paragraph of more than :data:`MAX_MARKS` markup
    characters replaced by a token, and the escaped text of each token."""
    if len(_MARKS_RE.findall(text)) <= MAX_MARKS:
        return text, {}
    salt = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    literals: dict[str, str] = {}
    parts = _PARAGRAPH_RE.split(text)
    for index in range(0, len(parts), 2):
        block = parts[index]
        if len(_MARKS_RE.findall(block)) > MAX_MARKS and not _FENCE_RE.match(block):
            token = f"clarionliteral{salt}n{index}"
            literals[token] = _html.escape(block.strip("\n"), quote=False)
            parts[index] = token
    return "".join(parts), literals


def prose_html(text: str) -> str | None:
    """The HTML Python-Markdown makes of plain prose, or ``None`` when the text
    uses any Markdown syntax. Most status updates are plain prose; this skips
    the full parser for them (tests check it agrees with Python-Markdown)."""
    if not _PROSE_RE.fullmatch(text):
        return None
    paragraphs = []
    for block in _BLANK_LINES_RE.split(text.strip("\n")):
        block = block.strip("\n")
        if not block:
            continue
        for line in block.split("\n"):
            if not line or line[0] in _PROSE_LINE_START or line.endswith(" "):
                return None
        paragraphs.append(f"<p>{block}</p>")
    return "\n".join(paragraphs)


def extensions() -> list[Extension]:
    """Python-Markdown's ``extra`` and ``sane_lists``, as instances: ``extra``
    is these seven by name, and a name is looked up among every installed
    package's entry points (tens of milliseconds, in every process that
    converts). Imported here, when a converter is made: a build that
    converts no text does not import them (nor Pygments, which
    ``fenced_code`` imports)."""
    from markdown.extensions.abbr import AbbrExtension
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.def_list import DefListExtension
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.md_in_html import MarkdownInHtmlExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    return [
        FencedCodeExtension(),
        FootnoteExtension(),
        AttrListExtension(),
        DefListExtension(),
        TableExtension(),
        AbbrExtension(),
        MarkdownInHtmlExtension(),
        SaneListExtension(),
    ]


def text_digest(text: str) -> str:
    """The key of a text's stored conversion."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class MarkdownRenderer:
    """One configured converter; ``html(text)`` is pure and memoised.

    The defaults suit status pages; email drafts pass :data:`EMAIL_TAGS` and
    :data:`EMAIL_ATTRIBUTES` and keep task lists as written.
    """

    def __init__(
        self,
        *,
        tags: set[str] = PAGE_TAGS,
        attributes: dict[str, set[str]] = PAGE_ATTRIBUTES,
        link_rel: str = "noopener noreferrer nofollow",
        task_checkboxes: bool = True,
    ) -> None:
        self._md: markdown.Markdown | None = None  # made on the first conversion
        self._cache: dict[str, str] = {}
        self._tags = tags
        self._attributes = attributes
        self._link_rel = link_rel
        self._task_checkboxes = task_checkboxes
        # the exact fast path for common formatting (None where nh3 would keep more)
        self._subset = SubsetConverter.for_settings(tags, attributes, link_rel)
        self.stored: Mapping[str, str] = {}  # text digest -> HTML, from an earlier build
        self.converted: dict[str, str] = {}  # text digest -> HTML of the texts converted here
        self.order: list[str] = []  # the digests of ``converted``, in the order converted

    @property
    def settings(self) -> str:
        """What the HTML of a text depends on besides the text: the converter's
        version and this renderer's settings (the key of stored conversions)."""
        digest = hashlib.sha256()
        for part in (
            markdown.__version__,
            getattr(nh3, "__version__", ""),
            sorted(self._tags),
            sorted((tag, sorted(names)) for tag, names in self._attributes.items()),
            self._link_rel,
            self._task_checkboxes,
            MAX_MARKS,
        ):
            digest.update(f"{part}\0".encode())
        return digest.hexdigest()

    def html(self, text: str) -> str:
        cached = self._cache.get(text)
        if cached is None:
            cached = prose_html(text)  # no markup characters at all: nothing to clean
        if cached is None and self._subset is not None and not _many_marks(text):
            cached = self._subset.html(text)  # the same bytes as _convert, or None
            if cached is not None:
                self._cache[text] = cached
        if cached is None:
            name = text_digest(text)
            cached = self.stored.get(name)
            if cached is None:
                cached = self._convert(text)
            if name not in self.converted:
                self.converted[name] = cached
                self.order.append(name)
            self._cache[text] = cached
        return cached

    def forget_since(self, start: int) -> None:
        """Let go of the conversions made since ``len(self.order)`` was
        ``start``, and of the memo of texts (a page worker, once it has sent
        them to the build with its pages)."""
        for name in self.order[start:]:
            self.converted.pop(name, None)
        del self.order[start:]
        self._cache.clear()

    def _convert(self, text: str) -> str:
        md = self._converter()
        md.reset()
        marked, literals = set_aside_marked_blocks(text)
        raw = md.convert(marked)
        for token, literal in literals.items():
            raw = raw.replace(token, literal)
        return nh3.clean(
            raw,
            tags=self._tags,
            attributes=self._attributes,
            url_schemes={"http", "https", "mailto"},
            link_rel=self._link_rel,
        )

    def _converter(self) -> markdown.Markdown:
        """Python-Markdown, made when a text first needs it: most builds find
        every text converted already (the cache, plain prose), and making it
        (its extensions, their patterns) takes a few milliseconds."""
        if self._md is None:
            self._md = markdown.Markdown(extensions=extensions(), output_format="html")
            if self._task_checkboxes:
                self._md.treeprocessors.register(_TaskLists(self._md), "clarion_tasks", 15)
        return self._md

    def plain(self, text: str) -> str:
        """Text without markup, for API bodies, feed summaries and titles."""
        return _html.unescape(nh3.clean(self.html(text), tags=set())).strip()


class _TaskLists(Treeprocessor):
    """GitHub-style task lists: an item starting ``[ ]`` or ``[x]`` becomes a
    disabled checkbox inside a ``<label>`` with the item's text, so the box
    has an accessible name (tight and loose lists alike)."""

    def run(self, root: etree.Element) -> None:
        for item in root.iter("li"):
            holder = item
            if not (item.text or "").strip() and len(item) and item[0].tag == "p":
                holder = item[0]  # a loose list: the text sits in a paragraph
            match = _TASK_RE.match(holder.text or "")
            if match is None:
                continue
            item.set("class", "task")
            label = etree.Element("label")
            box = etree.SubElement(label, "input", {"type": "checkbox", "disabled": "disabled"})
            if match.group(1) in "xX":
                box.set("checked", "checked")
            box.tail = " " + (holder.text or "")[match.end() :]
            holder.text = None
            while len(holder) and holder[0].tag not in _BLOCK_TAGS:
                child = holder[0]
                holder.remove(child)
                label.append(child)
            holder.insert(0, label)
