"""Bounded work: Markdown that would make the renderer quadratic, notice
templates that loop, recurse or allocate without end."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from clarion.errors import ContentErrors
from clarion.render.markdown import MarkdownRenderer
from tests.test_email import INCIDENT, SLUG, build_site


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging) when the block uses more CPU than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"more than {seconds} s of CPU")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@pytest.mark.parametrize("text", ["[" * 100_000, "[a" * 100_000, "![" * 100_000, "[x](" * 50_000])
def test_a_hundred_thousand_brackets_render_in_under_a_second(text):
    started = time.process_time()
    with cpu_budget(5):  # the old renderer took minutes (quadratic): fail, do not hang
        html = MarkdownRenderer().html(text)
    assert time.process_time() - started < 1.0
    assert html.startswith("<p>") and html.count("[") == text.count("[")


def test_ordinary_paragraphs_keep_their_links():
    text = "See [the status page](https://status.example.com/) and *this*.\n\n" + "[a](b) " * 100
    html = MarkdownRenderer().html(text)
    assert '<a href="https://status.example.com/"' in html and "<em>this</em>" in html


NOTICE = "---\nto: [customers]\nsubject: Hello\n---\nHello,\n{body}\n"  # body: line 6


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("{{ 'x' * 10**9 }}", "characters"),
        ("{{ 'x' * 999999 * 999999 }}", "characters"),
        ("{{ 9 ** 999999 }}", "power"),
        ("{{ 'x'|center(10**9) }}", "number argument"),
        ("{{ '%0999999999d' % 1 }}", "format"),
        ("{{ '{:>999999999}'.format(1) }}", "format"),
        (
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
            "loop iterations",
        ),
        ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "nested"),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
            "characters",
        ),
        ("{% for i in range(99999) %}{{ 'x' * 99 }}{% endfor %}", "output"),
    ],
    ids=[
        "multiply",
        "multiply-twice",
        "power",
        "filter-width",
        "percent-width",
        "format-width",
        "nested-loops",
        "recursion",
        "doubling",
        "output",
    ],
)
def test_a_runaway_notice_template_is_a_content_error(site_factory, body, words):
    root = site_factory(
        {f"updates/{SLUG}.md": INCIDENT, f"comms/{SLUG}/x.md": NOTICE.format(body=body)}
    )
    with cpu_budget(20), pytest.raises(ContentErrors) as info:
        build_site(root)
    message = info.value.errors[0].format()
    assert message.startswith(f"comms/{SLUG}/x.md:6: error: the template goes beyond a limit")
    assert words in message
