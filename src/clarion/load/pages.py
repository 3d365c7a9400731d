"""The extra pages of ``site_src/pages/``: Markdown with an optional title."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import SiteConfig
from ..documents import Page
from ..errors import ErrorCollector, SourceLocation, display_path
from .frontmatter import FrontMatterError, split_front_matter
from .guards import decode_source
from .incident import SLUG_RE
from .schema import check_keys
from .sections import UNCLOSED_COMMENT, strip_comments, unclosed_comment


def _front_matter_line(path: str, lines: Mapping[str, int], key: str) -> SourceLocation:
    return SourceLocation(path, lines.get(key))


def read_pages(config: SiteConfig, errors: ErrorCollector) -> list[Page]:
    pages_dir = config.source_dir / "pages"
    if not pages_dir.is_dir():
        return []
    pages = []
    for path in sorted(pages_dir.glob("*.md")):
        relpath = display_path(path, config.root)
        text = decode_source(path.read_bytes(), relpath, errors)
        if text is None:
            continue
        name = path.stem
        if not SLUG_RE.match(name):
            errors.error(
                SourceLocation(relpath, 1),
                f"invalid page name '{name}'",
                expected="lower-case letters, digits, '-' and '_'",
            )
            continue
        title, body = name.replace("-", " ").capitalize(), text
        if text.startswith("---\n"):
            try:
                front = split_front_matter(text)
            except FrontMatterError as exc:
                errors.error(SourceLocation(relpath, exc.line), str(exc), hint=exc.hint)
                continue
            check_keys(
                front.data,
                ("title",),
                where="the page's front matter",
                locate=functools.partial(_front_matter_line, relpath, front.lines),
                errors=errors,
            )
            if not isinstance(front.data.get("title", title), str):
                errors.error(
                    SourceLocation(relpath, front.lines.get("title")),
                    f"title: got {front.data['title']!r}",
                    expected="text",
                    hint='put the title in quotes: title: "..."',
                )
                continue
            title = str(front.data.get("title", title))
            body = front.body
        unclosed = unclosed_comment(body)
        if unclosed is not None:
            line = text.count("\n", 0, len(text) - len(body)) + unclosed + 1
            errors.error(
                SourceLocation(relpath, line), UNCLOSED_COMMENT, hint="close it with '-->'"
            )
            continue
        pages.append(Page(name=name, title=title, body=strip_comments(body), source_path=relpath))
    return pages
