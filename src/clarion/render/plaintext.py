"""Markdown -> readable plain text, for the text part of email drafts.

The text is read from Python-Markdown's own element tree (the same parser and
extensions as the HTML part), so both parts say the same thing: headings
become lines of their own (the top two levels in capitals), emphasis and code
marks are dropped, links read ``text (URL)``, lists keep ``-`` or ``1.``
markers with indented sub-lists, block quotes keep ``>``, code blocks are
indented, table rows are cells joined by `` | ``. Raw HTML in the source
keeps its text, never its tags. No Markdown emphasis, heading or link syntax
is left for a reader to decode.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator

import markdown
import nh3
from markdown import util
from markdown.treeprocessors import Treeprocessor

from .markdown import extensions

_STASHED = re.compile(util.HTML_PLACEHOLDER % r"(\d+)")
_BLOCKS = {
    "p", "div", "ul", "ol", "li", "pre", "blockquote", "table", "thead", "tbody", "tr",
    "dl", "dt", "dd", "hr", "details", "summary",
} | {f"h{n}" for n in range(1, 7)}  # fmt: skip
_SPACES = re.compile(r"[ \t]*\n[ \t]*")
# Python-Markdown writes an autolinked address as numeric character references
# behind its own ampersand placeholder (spam protection); text reads them back.
_CHAR_REFS = re.compile(re.escape(util.AMP_SUBSTITUTE) + r"#(\d+);")
_Inline = Callable[[etree.Element], str]


class _KeepTree(Treeprocessor):
    """Runs last and keeps the finished tree for the plain-text walk."""

    root: etree.Element | None = None

    def run(self, root: etree.Element) -> None:
        self.root = root


class PlainTextRenderer:
    """``text(markdown)`` -> plain text; pure and memoised."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    @functools.cached_property
    def _converter(self) -> tuple[markdown.Markdown, _KeepTree]:
        """Python-Markdown and the tree it keeps, made when a text is first
        converted (a build that drafts no email from a new text never
        imports the extensions)."""
        md = markdown.Markdown(extensions=extensions(), output_format="html")
        keep = _KeepTree(md)
        md.treeprocessors.register(keep, "clarion_plain_text", -100)
        return md, keep

    def text(self, source: str) -> str:
        cached = self._cache.get(source)
        if cached is None:
            md, keep = self._converter
            md.reset()
            md.convert(source)
            assert keep.root is not None
            cached = "\n\n".join(_blocks(keep.root, self._inline)).strip("\n") + "\n"
            self._cache[source] = cached
        return cached

    def _inline(self, element: etree.Element) -> str:
        """The text of an inline run: marks dropped, links spelled out."""
        parts = [self._raw(element.text)]
        for child in element:
            parts.append(self._inline_element(child))
            parts.append(self._raw(child.tail))
        return "".join(parts)

    def _inline_element(self, element: etree.Element) -> str:
        tag = element.tag
        if tag == "br":
            return "\n"
        if tag == "img":
            alt, src = element.get("alt", ""), element.get("src", "")
            return f"{alt} ({src})" if alt else src
        inner = self._inline(element)
        if tag == "a":
            href = _chars(element.get("href", ""))
            shown = href.removeprefix("mailto:")
            if not href or href.startswith("#") or inner.strip() in (href, shown):
                return inner
            return f"{inner} ({shown})"
        if tag in _BLOCKS:  # a block inside an inline run (rare): keep its text
            return "\n" + inner.strip() + "\n"
        return inner

    def _raw(self, text: str | None) -> str:
        """Text with raw HTML placeholders replaced by that HTML's text."""
        if not text:
            return ""
        stash = self._converter[0].htmlStash.rawHtmlBlocks

        def unstash(match: re.Match[str]) -> str:
            index = int(match.group(1))
            raw = str(stash[index]) if index < len(stash) else ""
            return html.unescape(nh3.clean(raw, tags=set()))

        return _STASHED.sub(unstash, _chars(text))


def _chars(text: str) -> str:
    text = _CHAR_REFS.sub(lambda match: chr(int(match.group(1))), text)
    return text.replace(util.AMP_SUBSTITUTE, "&")


def _blocks(parent: etree.Element, inline: _Inline) -> Iterator[str]:
    """The blocks under ``parent``, each a string (joined by blank lines).
    Loose text between blocks (a list item's own words) is a block too."""
    run = etree.Element("span")
    run.text = parent.text
    for child in parent:
        if child.tag in _BLOCKS:
            yield from _flush(run, inline)
            run = etree.Element("span")
            run.text = child.tail
            yield from _block(child, inline)
        else:
            run.append(child)
    yield from _flush(run, inline)


def _flush(run: etree.Element, inline: _Inline) -> Iterator[str]:
    text = _SPACES.sub("\n", inline(run)).strip()
    if text:
        yield text


def _block(element: etree.Element, inline: _Inline) -> Iterator[str]:
    tag = element.tag
    if tag in {"h1", "h2"}:
        yield inline(element).strip().upper()
    elif tag in {"ul", "ol"}:
        yield _list(element, inline)
    elif tag == "pre":
        code = "".join(element.itertext()).rstrip("\n")
        yield "\n".join("    " + line if line else "" for line in code.split("\n"))
    elif tag == "blockquote":
        quoted = "\n\n".join(_blocks(element, inline))
        yield "\n".join("> " + line if line else ">" for line in quoted.split("\n"))
    elif tag == "table":
        rows = [
            " | ".join(_SPACES.sub(" ", inline(cell)).strip() for cell in row)
            for row in element.iter("tr")
        ]
        yield "\n".join(rows)
    elif tag == "hr":
        return
    elif tag == "dd":
        yield "\n".join("    " + line for line in "\n\n".join(_blocks(element, inline)).split("\n"))
    elif tag in {"div", "dl", "details", "li", "thead", "tbody", "tr"}:
        yield from _blocks(element, inline)
    else:  # p, h3-h6, dt, summary
        yield from _flush(element, inline)


def _list(element: etree.Element, inline: _Inline) -> str:
    """``- item`` or ``1. item``; an item's further lines and sub-lists are
    indented under its text. Loose and tight lists both come out tight."""
    start = int(element.get("start", "1"))
    items = []
    for number, item in enumerate((c for c in element if c.tag == "li"), start):
        marker = f"{number}. " if element.tag == "ol" else "- "
        body = "\n".join(_blocks(item, inline))
        lines = body.split("\n") or [""]
        indent = " " * len(marker)
        items.append(
            "\n".join([marker + lines[0], *(indent + line if line else "" for line in lines[1:])])
        )
    return "\n".join(items)
