"""Markdown rendering: sanitising and the plain-prose fast path."""

from __future__ import annotations

import random

import markdown
import pytest

from clarion.render.markdown import MarkdownRenderer, prose_html


def reference(text: str) -> str:
    return markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html").convert(text)


def test_prose_fast_path_agrees_with_python_markdown():
    rng = random.Random(7)
    alphabet = "abcdefghij KLMNOP 0123456789 .,;:!?'\"()/%-" + "\n" * 6 + "  "
    checked = 0
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))
        fast = prose_html(text)
        if fast is not None:
            checked += 1
            assert fast == reference(text), repr(text)
    assert checked > 500  # the comparison ran on many texts


@pytest.mark.parametrize(
    "text",
    [
        "- a list",
        "1. first",
        "    code",
        "line with break  \nnext",
        "**bold**",
        "a <b>tag</b>",
        "Term\n: definition",
        "a | b",
    ],
)
def test_markdown_syntax_takes_the_full_parser(text):
    assert prose_html(text) is None


def test_prose_paragraphs():
    assert (
        prose_html("One line.\nSame paragraph.\n\nSecond (100%).")
        == "<p>One line.\nSame paragraph.</p>\n<p>Second (100%).</p>"
    )


def test_sanitiser_removes_active_content():
    html = MarkdownRenderer().html(
        '<script>alert(1)</script><img src="x" onerror="alert(1)"> [a](javascript:alert(1))'
    )
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_task_lists_render_as_labelled_disabled_checkboxes():
    """Each box sits in a <label> with its item's text (an unlabelled form
    control is a critical accessibility error), in tight and loose lists."""
    html = MarkdownRenderer().html("- [ ] open **item**\n- [x] done item\n    - [ ] nested")
    assert '<label><input disabled="" type="checkbox"> open <strong>item</strong></label>' in html
    assert '<label><input checked="" disabled="" type="checkbox"> done item</label><ul>' in html
    assert '<label><input disabled="" type="checkbox"> nested</label>' in html
    loose = MarkdownRenderer().html("- [ ] one\n\n- [x] two")
    assert '<p><label><input disabled="" type="checkbox"> one</label></p>' in loose
    assert "[ ]" not in html + loose


def test_plain_text_for_api_bodies():
    assert (
        MarkdownRenderer().plain("**Fixed** the <b>cache</b> & restarted.")
        == "Fixed the cache & restarted."
    )


def test_python_markdown_is_made_only_when_a_text_needs_converting(monkeypatch) -> None:
    import markdown as python_markdown

    from clarion.render.markdown import MarkdownRenderer, text_digest

    made: list[object] = []
    original = python_markdown.Markdown

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(python_markdown, "Markdown", counting)
    renderer = MarkdownRenderer()
    renderer.stored = {text_digest("**kept**"): "<p><strong>kept</strong></p>"}
    assert renderer.html("Plain prose.") == "<p>Plain prose.</p>"
    assert renderer.html("**kept**") == "<p><strong>kept</strong></p>"  # converted earlier
    assert made == []
    assert renderer.html("**new**") == "<p><strong>new</strong></p>"
    assert "checkbox" in renderer.html("- [x] done")  # task lists still registered
    assert len(made) == 1


def _registered(md: markdown.Markdown) -> list[tuple[str, list[tuple[str, float]]]]:
    stages = ("preprocessors", "parser.blockprocessors", "inlinePatterns")
    stages += ("treeprocessors", "postprocessors")
    found = []
    for stage in stages:
        registry = md
        for name in stage.split("."):
            registry = getattr(registry, name)
        found.append((stage, [(item.name, item.priority) for item in registry._priority]))
    return found


def test_converter_is_extra_and_sane_lists_without_looking_up_entry_points(monkeypatch) -> None:
    """The converter is made from extension instances: the same processors
    as ``extra`` and ``sane_lists`` by name, with no scan of the installed
    packages' entry points (which a name costs)."""
    from markdown import util

    from clarion.render.markdown import extensions

    by_name = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")

    def no_scan() -> object:
        raise AssertionError("entry points looked up")

    monkeypatch.setattr(util, "get_installed_extensions", no_scan)
    made = markdown.Markdown(extensions=extensions(), output_format="html")
    assert _registered(made) == _registered(by_name)
    text = (
        "Term\n: definition\n\n*[HTML]: Hyper Text\n\nHTML[^1] {: .x }\n\n"
        "```py\ncode\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n1. one\n* two\n\n"
        '<div markdown="1">**in html**</div>\n\n[^1]: A note.\n'
    )
    assert made.convert(text) == by_name.reset().convert(text)
    renderer = MarkdownRenderer()
    assert "<table>" in renderer.html("| a | b |\n|---|---|\n| 1 | 2 |\n\nand **bold** [x](")
