"""The Markdown fast path gives the full pipeline's bytes, or nothing.

Documents are generated from the subset's grammar (the fast path must
answer them, with Python-Markdown + nh3's exact output, for the page and
the email renderer), then mutated: a character inserted, deleted or
doubled anywhere. Whenever the fast path answers a mutant, its answer must
be the full pipeline's. The benchmark's Markdown corpus is checked too.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clarion.config import load_config
from clarion.load import load_site
from clarion.render.markdown import EMAIL_ATTRIBUTES, EMAIL_TAGS, MarkdownRenderer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import generate  # noqa: E402

PAGE = MarkdownRenderer()
EMAIL = MarkdownRenderer(
    tags=EMAIL_TAGS,
    attributes=EMAIL_ATTRIBUTES,
    link_rel="noopener noreferrer",
    task_checkboxes=False,
)
RENDERERS = [PAGE, EMAIL]
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the subset's grammar -------------------------------------------------

WORD = st.sampled_from(
    [
        "api",
        "Fixed",
        "rollback",
        "5xx",
        "v2.3",
        "eu-west-1",
        "snake_case",
        "AT&T",
        "x>y",
        "50%",
        "(retry)",
        "re-run",
        '"quoted"',
        "it's",
        "café",
        "日本",
        "a|b",
        "naïve",
        "100",
        "#42",
        "user@example.com",
        "https://plain.example/x",
        "~tilde",
        "$HOME",
        "p=1;",
        "Q&A",
        "->",
        "!",
    ]
)
PUNCT = st.sampled_from(["", "", "", ".", ",", ":", "!", "?", ")", "'s"])
URL = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["example.com", "docs.bench.example", "a-b.c.example", "localhost"]),
    st.sampled_from(
        [
            "",
            "/",
            "/status",
            "/a_b/c*d",
            "/x?y=1&z=2",
            "/#frag",
            "/~u/p.html",
            "/%20x",
            "/a:b@c!$,+=",
            "/`deploy-26`/167",  # a code span in a URL: its text
            "/`v2.3_x~`",
            "/a/`b`/`c`",
        ]
    ),
)
CODE_TEXT = st.text(
    alphabet=st.sampled_from("abcXYZ019 .,-_*[]()#|&>!'\"=/:~^%$@"), min_size=1, max_size=12
).filter(lambda s: s.strip(" ") and "|" not in s and "&#" not in s)


BLOCK_START = re.compile(r"[#>|~-]|\d+[.)]")


def _words(draw: st.DrawFn, low: int, high: int) -> str:
    return " ".join(draw(WORD) for _ in range(draw(st.integers(low, high))))


@st.composite
def emphasis(draw: st.DrawFn) -> str:
    """Emphasis around words, sometimes with a code span among them."""
    text = _words(draw, 1, 3)
    if draw(st.booleans()):
        code = f"`{draw(CODE_TEXT.filter(lambda s: not set(s) & set('*_[]')))}`"
        text = draw(st.sampled_from([code, f"{code} {text}", f"{text} {code}"]))
    mark = draw(st.sampled_from(["**", "*", "_", "****"]))
    return f"{mark}{text}{mark}"


@st.composite
def inline_line(draw: st.DrawFn, table: bool = False, touching: bool = False) -> str:
    """A line of words, emphasis, code spans and links, separated by spaces
    (or not, where the grammar allows touching)."""
    parts = []
    for _ in range(draw(st.integers(1, 7))):
        kind = draw(st.sampled_from(["word", "word", "word", "emph", "code", "link"]))
        if kind == "word":
            part = draw(WORD)
        elif kind == "emph":
            part = draw(emphasis())
        elif kind == "code":
            part = f"`{draw(CODE_TEXT)}`"
        else:
            code = f"`{draw(CODE_TEXT.filter(lambda s: not set(s) & set('[]')))}`"
            label = draw(
                st.one_of(
                    st.just(_words(draw, 1, 3)),
                    emphasis(),
                    st.sampled_from([code, f"{code} {_words(draw, 1, 2)}"]),
                )
            )
            part = f"[{label}]({draw(URL)})"
        parts.append(part + draw(PUNCT))
    line = parts[0]
    for part in parts[1:]:
        line += draw(st.sampled_from([" ", ""])) if touching else " "
        line += part
    if table:
        line = line.replace("|", "/")
    if BLOCK_START.match(line):
        return "Text " + line  # a heading, quote, list item, table row, ...
    return line[0].upper() + line[1:]


@st.composite
def paragraph(draw: st.DrawFn, touching: bool = False) -> str:
    lines = [draw(inline_line(touching=touching)) for _ in range(draw(st.integers(1, 3)))]
    return "\n".join(lines)


@st.composite
def bullets(draw: st.DrawFn, touching: bool = False) -> str:
    ordered = draw(st.booleans())
    items = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        text = draw(inline_line(touching=touching)).replace("|", "/")
        marker = f"{number}." if ordered else draw(st.sampled_from(["-", "*"]))
        items.append(f"{marker} {text}")
    return "\n".join(items)


@st.composite
def fence(draw: st.DrawFn) -> str:
    mark = draw(st.sampled_from(["```", "~~~", "````"]))
    language = draw(st.sampled_from(["", "", "python", "sh", "c++", "objective-c", "yaml"]))
    body = draw(
        st.lists(
            st.text(alphabet=st.sampled_from("ab $<>&\"'\\{}`~*_[]#|-"), max_size=20).filter(
                lambda s: s.strip(" ") or not s
            ),
            max_size=4,
        )
    )
    body = [line for line in body if not line.startswith(mark[:3])]
    return "\n".join([mark + language, *body, mark])


@st.composite
def table(draw: st.DrawFn, touching: bool = False) -> str:
    width = draw(st.integers(1, 3))

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    lines = [row([draw(inline_line(table=True, touching=touching)) for _ in range(width)])]
    lines.append(
        "|"
        + "|".join(draw(st.sampled_from(["---", ":--", "--:", ":-:"])) for _ in range(width))
        + "|"
    )
    for _ in range(draw(st.integers(0, 3))):
        lines.append(row([draw(st.sampled_from(["", "1", "2 %", "**x**"])) for _ in range(width)]))
    return "\n".join(lines)


def _list_kind(block: str) -> str:
    return "ul" if block[:2] in ("- ", "* ") else "ol" if block[:1].isdigit() else ""


@st.composite
def document(draw: st.DrawFn, touching: bool = False) -> str:
    """Blocks of the subset; ``touching``: inline parts not always apart."""
    blocks: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["paragraph", "paragraph", "list", "fence", "table"]))
        strategy = {"paragraph": paragraph, "list": bullets, "fence": fence, "table": table}[kind]
        block = draw(strategy(touching=touching) if kind != "fence" else fence())
        if blocks and _list_kind(block) and _list_kind(block) == _list_kind(blocks[-1]):
            block = draw(
                paragraph(touching=touching)
            )  # two lists of a kind in a row make one loose list
        blocks.append(block)
    separators = [draw(st.sampled_from(["\n\n", "\n\n", "\n\n\n", "\n  \n"])) for _ in blocks]
    return "".join(block + sep for block, sep in zip(blocks, separators, strict=True)).rstrip("\n ")


MUTATIONS = list("<>&\\*_`[]()!#|-:~{}\n\t\r \xa0^=+.0123456789aZ;\"'@") + [
    "&amp;",
    "&#35;",
    "<b>",
    "    ",
    "  \n",
    "\n\n",
    "\n- ",
    "\n1. ",
    "\n> ",
    "\n# ",
    "```",
    "~~~",
    "[^1]",
    "[x] ",
    "![",
    "*[",
    "\u200b",
    "\u2028",
    "\x00",
    "é",
    "__",
    "***",
    "http://",
    "xn--",
]


def assert_agrees(text: str, *, must_answer: bool) -> None:
    for renderer in RENDERERS:
        fast = renderer._subset.html(text) if renderer._subset else None
        if must_answer:
            assert fast is not None, text
        if fast is not None:
            assert fast == renderer._convert(text), text


# --- the tests ------------------------------------------------------------


@SETTINGS
@given(document())
def test_subset_documents_take_the_fast_path_with_the_same_html(text):
    assert_agrees(text, must_answer=True)


@SETTINGS
@given(
    document(touching=True),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(MUTATIONS + ["del", "dup"])),
        min_size=1,
        max_size=3,
    ),
)
def test_near_misses_answer_only_with_the_same_html(text, edits):
    for at, what in edits:
        at %= len(text) + 1
        if what == "del":
            text = text[:at] + text[at + 1 :]
        elif what == "dup":
            text = text[:at] + text[at : at + 1] + text[at:]
        else:
            text = text[:at] + what + text[at:]
    assume(text)
    assert_agrees(text, must_answer=False)


def test_the_benchmark_corpus_takes_the_fast_path(tmp_path):
    """Every update text of a generated benchmark site (``bench/generate.py
    --markdown``, as Clarion's loader reads it): the same HTML, every one
    answered (the generator's bold inside bold, and code in a link's text
    and URL, included)."""
    generate(400, tmp_path, markdown=True)
    site = load_site(load_config(tmp_path))
    texts = [u.body for incident in site.incidents for u in incident.updates]
    assert len(texts) > 1200
    answered = 0
    for text in texts:
        for renderer in RENDERERS:
            fast = renderer._subset.html(text) if renderer._subset else None
            if fast is not None:
                answered += 1
                assert fast == renderer._convert(text), text
    assert answered == 2 * len(texts)


@pytest.mark.parametrize(
    "text",
    [
        "**bold** and *em* and _em_ with `code` and [a link](https://example.com/x).",
        'Rolled back:\n```sh\n$ kubectl rollout undo deploy/api && echo "<done>"\n```\nWatching.',
        "- one **two**\n- three\n\n1. first\n2. second",
        "| region | error rate |\n|---|---:|\n| eu | 1 % |",
        "AT&T and Q&A -> fine; snake_case_name stays.",
        "Rolled back [`deploy-26`](https://docs.example/deploy/`deploy-26`) on **`api-1`**.",
        "The _`worker` pool_ and [the `queue` docs](https://docs.example/q) are ****fine****.",
    ],
)
def test_common_update_shapes_take_the_fast_path(text):
    assert_agrees(text, must_answer=True)


@pytest.mark.parametrize(
    "text",
    [
        "a <b>tag</b>",
        "an &amp; entity",
        "a character reference &#42 without its semicolon",
        "escaped \\*star\\*",
        "**nested *em***",
        "[ref][1]\n\n[1]: https://example.com",
        "![image](https://example.com/i.png)",
        "# Heading",
        "> quote",
        "    indented code",
        "para\n- lazy list",
        "- item\n\n- loose item",
        "- [ ] task",
        "line break  \nnext",
        "[js](javascript:alert(1))",
        '[title](https://example.com "title")',
        "<https://example.com>",
        "tab\there",
        "unclosed **bold",
        "*a*b*",
        "[x](https://xn--abc.example/)",
        "[x](https://10.0.0.1/)",
        "**a `b** c` d**",
        "[`a``b`](https://example.com/)",
        "[a](https://example.com/`a b`)",
        "[a](https://example.com/`a&b`)",
        "******a******",
    ],
)
def test_outside_the_subset_the_full_pipeline_runs(text):
    assert PAGE._subset is not None
    assert PAGE._subset.html(text) is None


def test_the_renderer_uses_the_fast_path(monkeypatch):
    """A subset text never reaches Python-Markdown; one outside it does."""
    converted: list[str] = []
    convert = MarkdownRenderer._convert
    monkeypatch.setattr(
        MarkdownRenderer,
        "_convert",
        lambda self, text: converted.append(text) or convert(self, text),
    )
    renderer = MarkdownRenderer()
    inside, outside = "**Fixed** in `v2`.", "**Fixed** in <i>v2</i>."
    assert renderer.html(inside) == "<p><strong>Fixed</strong> in <code>v2</code>.</p>"
    assert renderer.html(outside) == "<p><strong>Fixed</strong> in <i>v2</i>.</p>"
    assert converted == [outside]
    assert list(renderer.converted.values()) == [renderer.html(outside)]  # only what _convert made


def test_a_paragraph_set_aside_for_its_markup_stays_set_aside():
    """More than MAX_MARKS markup characters: the full pipeline shows the
    paragraph as written, and the fast path must not format it instead."""
    text = " ".join(["**x**"] * 300)
    assert PAGE._subset is not None and PAGE._subset.html(text) is not None  # in the subset
    assert PAGE.html(text) == PAGE._convert(text) == f"<p>{text}</p>"


def test_a_renderer_that_keeps_more_gets_no_fast_path():
    assert MarkdownRenderer(attributes={"a": {"href"}, "th": {"style"}})._subset is None
    assert MarkdownRenderer(tags={"p", "a"})._subset is None
    assert MarkdownRenderer(link_rel="")._subset is None
