"""The plain-text part of email drafts: Markdown read as text, not shown as source."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from markdown_it import MarkdownIt

from clarion.build import build
from clarion.config import load_config
from clarion.render.plaintext import PlainTextRenderer
from tests.conftest import NOW, copy_example

REPO = Path(__file__).resolve().parent.parent
# What a reader would have to decode: emphasis, headings and links, as an
# independent CommonMark parser finds them.
MARKDOWN_TOKENS = {"em_open", "strong_open", "heading_open", "link_open", "image"}


def markdown_syntax(text: str) -> set[str]:
    found = set()
    for token in MarkdownIt("commonmark").parse(text):
        found |= {t.type for t in [token, *(token.children or [])] if t.type in MARKDOWN_TOKENS}
    return found


def test_headings_emphasis_and_links_read_as_text():
    text = PlainTextRenderer().text(
        "# Notice\n\nHello **there**, _see_ [the page](https://status.example/) or "
        "<https://status.example/a_b>.\nMail [us](mailto:ops@example.com) or <ops@example.com>.\n\n"
        "### Nature of the breach\n\nIt was `cache-7`.\n"
    )
    assert text == (
        "NOTICE\n\nHello there, see the page (https://status.example/) or "
        "https://status.example/a_b.\nMail us (ops@example.com) or ops@example.com.\n\n"
        "Nature of the breach\n\nIt was cache-7.\n"
    )
    assert markdown_syntax(text) == set()


def test_lists_quotes_code_and_tables_keep_their_shape():
    text = PlainTextRenderer().text(
        "- **Controller:** Northwind\n- two\n    1. sub one\n    2. sub two\n\n"
        "1. first\n\n2. second\n   more\n\n> quoted *text*\n\n    code\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert text == (
        "- Controller: Northwind\n- two\n  1. sub one\n  2. sub two\n\n"
        "1. first\n2. second\n   more\n\n> quoted text\n\n    code\n\na | b\n1 | 2\n"
    )


def test_raw_html_keeps_its_text_and_drops_its_tags():
    text = PlainTextRenderer().text(
        "<div>raw <b>bold</b> &amp; <script>x</script></div>\n\nA &copy; B"
    )
    assert "<" not in text and "raw bold &" in text and "A © B" in text


def test_every_draft_of_the_example_reads_as_plain_text(tmp_path):
    root = copy_example(tmp_path / "example")
    build(load_config(root), now=NOW, use_cache=False)
    drafts = sorted((root / "private/comms").rglob("*.eml"))
    assert len(drafts) >= 5
    sources = "".join(p.read_text() for p in (REPO / "comms").rglob("*.md"))
    assert "**" in sources and "### " in sources  # the notices do use Markdown
    for path in drafts:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
        assert markdown_syntax(text) == set(), path.name
        assert "**" not in text and "\n#" not in text and "](" not in text, path.name
    regulator = (root / "private/comms/2026-11-25-export-files-other-accounts").glob("gdpr*.eml")
    msg = email.message_from_bytes(next(regulator).read_bytes(), policy=email.policy.default)
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert "\n\nNature of the breach\n\n" in text and "Controller: Northwind Cloud Ltd." in text


def test_the_renderer_imports_markdown_extensions_only_to_convert_a_text() -> None:
    # the email drafts of a build that converts no new text (an edit at a
    # large site) make a renderer and never use it
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from clarion.render.plaintext import PlainTextRenderer\n"
        "renderer = PlainTextRenderer()\n"
        "print('markdown.extensions.fenced_code' in sys.modules)\n"
        "print(renderer.text('Some **bold** text.'), end='')\n"
        "print('markdown.extensions.fenced_code' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n") == ["False", "Some bold text.", "True", ""]
