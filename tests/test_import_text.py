"""What ``clarion import`` writes into files: source text reads back as the
same words, HTML is sanitised, titles survive YAML, ``statuspage_id`` is
validated."""

from __future__ import annotations

import re

import pytest
import yaml

from clarion.errors import ContentErrors
from clarion.importers.plan import heading_time, yaml_text
from clarion.importers.text import body_markdown
from clarion.load.sections import split_sections
from clarion.render.items import plain_text
from clarion.render.markdown import MarkdownRenderer

PLAIN = [
    "a *b* _c_ [x](y) `code` ~~s~~ AT&T R&D &copy; 1 < 2 > 0 <not-a-tag>",
    "# Heading\n- item\n+ plus\n1. one\n2) two\n===\n---\n: definition\n    indented code",
    "Impact: api=major_outage, web=operational",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Straße 😀 ¿qué? <!-- not a comment --> {: .cls} *[HTML]: abbr [^1] [ ] task",
    "back\\slash \\* and \\",
    "> quoted\n>> twice",
]


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_reads_back_as_the_same_words(text: str) -> None:
    body, was_html = body_markdown(text)
    assert not was_html
    assert normal(plain_text(MarkdownRenderer(), body)) == normal(text)
    # Nothing in it can end the update or become its Impact: line.
    _, sections = split_sections("## 2026-01-01 10:00 UTC · Investigating\n" + body, 1)
    assert len(sections) == 1 and sections[0].impact_text is None


def test_html_is_sanitised_and_converted() -> None:
    body, was_html = body_markdown(
        '<h1>Title</h1><p>We are <b>on it</b>. <a href="javascript:alert(1)">x</a>'
        '<img src=x onerror="alert(1)"><script>steal()</script></p><ul><li>one</li></ul>'
    )
    assert was_html
    assert "### Title" in body and "**on it**" in body and "- one" in body
    for bad in ("script", "steal", "javascript", "onerror"):
        assert bad not in body


@pytest.mark.parametrize(
    "title",
    [
        "API errors",
        "yes",
        "null",
        "True",
        "1.0",
        "a: b",
        "#hash",
        "- dash",
        " lead space",
        "'quoted'",
        'say "hi"',
        "Zürich – 東京 😀",
        "line\u2028separator",
        "tab\there",
        "back\\slash",
        "x",
        "We're down (again).",
    ],
)
def test_titles_survive_yaml(title: str) -> None:
    assert yaml.safe_load(f"title: {yaml_text(title)}")["title"] == title


def test_heading_times_keep_seconds_and_milliseconds() -> None:
    from datetime import datetime

    assert heading_time(datetime.fromisoformat("2026-10-01T08:02:00-06:00")) == (
        "2026-10-01 14:02 UTC"
    )
    assert heading_time(datetime.fromisoformat("2026-10-01T08:02:11.500-06:00")) == (
        "2026-10-01 14:02:11.500 UTC"
    )


@pytest.mark.parametrize("value", ["[1, 2]", '"has space"', "true"])
def test_a_bad_statuspage_id_is_an_error(load, value: str) -> None:
    with pytest.raises(ContentErrors, match="statuspage_id"):
        load(
            {
                "updates/2026-01-01-x.md": f"""\
                ---
                title: X
                severity: SEV2
                statuspage_id: {value}
                ---
                ## 2026-01-01 10:00 UTC · Investigating
                Text.
                """
            }
        )


def test_site_toml_additions_read_back_and_map_ids_are_checked() -> None:
    import tomllib

    from clarion.errors import UsageError
    from clarion.importers.plan import _toml_table, parse_maps

    name = 'a\x7fb "q" \\ \n é \x01 # not a comment'
    assert tomllib.loads(_toml_table("components", "x", {"name": name}))["components"]["x"] == {
        "name": name
    }
    assert parse_maps(["Media Proxy=cdn", "c0api=api"]) == {"Media Proxy": "cdn", "c0api": "api"}
    with pytest.raises(UsageError, match="not a component id"):
        parse_maps(["API=My API"])
