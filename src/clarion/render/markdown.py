"""Markdown -> safe HTML: Python-Markdown, then nh3 (an allow-list sanitiser).

Update text is untrusted: raw HTML in it is allowed through Markdown and then
cleaned, so ``<script>``, event handlers (``onerror=``) and ``javascript:``
URLs never reach a reader's browser. Results are memoised by text, so a
summary rendered for the page, the feeds and the API is converted once.
"""

from __future__ import annotations

import html as _html
import re

import markdown
import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "kbd", "li", "ol", "p", "pre", "s",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {
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
_TASK_RE = re.compile(r"<li>\[( |x|X)\] ")


class MarkdownRenderer:
    """One configured converter; ``html(text)`` is pure and memoised."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
        self._cache: dict[str, str] = {}

    def html(self, text: str) -> str:
        cached = self._cache.get(text)
        if cached is None:
            self._md.reset()
            raw = self._md.convert(text)
            raw = _TASK_RE.sub(_task_item, raw)
            cached = nh3.clean(
                raw,
                tags=_ALLOWED_TAGS,
                attributes=_ALLOWED_ATTRIBUTES,
                url_schemes={"http", "https", "mailto"},
                link_rel="noopener noreferrer nofollow",
            )
            self._cache[text] = cached
        return cached

    def plain(self, text: str) -> str:
        """Text without markup, for API bodies, feed summaries and titles."""
        return _html.unescape(nh3.clean(self.html(text), tags=set())).strip()


def _task_item(match: re.Match[str]) -> str:
    checked = " checked" if match.group(1) in "xX" else ""
    return f'<li class="task"><input type="checkbox" disabled{checked}> '
