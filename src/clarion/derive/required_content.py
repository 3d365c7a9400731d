"""What a notice must contain, and whether its Markdown covers it.

Pure functions of a notice and its rule: nothing here reads a file or the clock.

A regulator's notice must contain what the rule's
``must_contain`` list (from the rulebook) names. :func:`missing_items`
decides, for each item, whether the notice's Markdown body covers it:

- The item's *label* is its text up to the first ``,``, ``;``, ``:``, ``(``
  or ``incl.``, without a leading qualifier such as ``where applicable,``;
  ``nature of the breach, incl. categories ...`` has the label ``nature of the
  breach``. Words are compared in lower case, without stop words
  (``the``, ``of``, ``and`` ...) and without plural and verb endings, so
  ``Measures taken`` matches ``measures taken or proposed``.
- A **heading** (a Markdown heading of any level, or a paragraph's bold
  lead-in such as ``**Contact point:**``) names an item when it shares a
  distinctive word with the item's label (not one of the words every item
  uses, such as ``breach`` or ``data``) and either every word of the heading
  occurs in the item, or it shares two words with the label, or every
  distinctive word of the label. ``### Contact point`` names ``name and
  contact details of the DPO or other contact point``. A label made only of
  such common words (``detailed description of the incident``) is named by
  a heading that has all of them.
- A **paragraph** names an item when it contains every word of the label or
  of one of its alternatives (the label split at ``or``): a sentence "the
  reasons for the delay are ..." names ``reasons for the delay``.
- A heading whose section holds nothing but a placeholder (``(to be
  completed)``, ``TODO``, ``TBD``, ``...``) or HTML comments does not count:
  the item is reported as an empty section, at the heading's line.
- Items the rule states as conditional (``..., if notified later than 72
  hours``, ``if the communication was not immediate``) are required only when
  the notice is late: its deadline has passed unmet, or it was sent after it.
  Other conditional items (``where applicable``, ``if known``,
  ``optionally``) are listed in the skeleton but never reported missing.

HTML comments in a notice are ignored. A notice that has been sent and has no
body is a record made by ``clarion sent`` (the email went out from elsewhere)
and is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..documents import Notice
from ..rules import Rule

_STOP_WORDS = frozenset(
    (
        "a an the of and or to for in on by with its it is are be been any all other their them "
        "that this these which as at from into was were will would should can may has have had "
        "not no our your we you whether where when what who how if per such than then there so "
        "e g eg ie etc incl including"
    ).split()
)
#: Words nearly every item of a breach notice uses: a heading needs another one.
_GENERIC_WORDS = frozenset(
    (
        "breach incident data personal information notice notification report detail description"
    ).split()
)
_PLACEHOLDER_RE = re.compile(
    r"^\(?\s*(to be completed|to be written|todo|tbd|tbc|fill in|\.\.\.|…)\s*[.:!]?\s*\)?$", re.I
)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LEAD_IN_RE = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)(.+?)(?:\*\*|__)\s*[:.]?\s*(.*)$", re.S)
_FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
_WORD_RE = re.compile(r"[a-z0-9]+")
_QUALIFIER_RE = re.compile(
    r"^\s*(?:(where applicable|where available|where appropriate|where possible"
    r"|optionally|if known|if applicable)\s*,\s*"
    r"|for [a-z ]+:\s*)",
    re.I,
)
_PAREN_RE = re.compile(r"\s*\([^()]*\)")
_LABEL_END_RE = re.compile(
    r"\s*(?:[;:]|,?\s*\bincl\b\.?|,?\s*\be\.g\.|,?\s*\bi\.e\.|,\s*(?:if|where|or is|to the "
    r"extent)\b)",
    re.I,
)
_OPTIONAL_TAIL_RE = re.compile(
    r"^,?\s*(?:if known|if applicable|where applicable|where available|where "
    r"appropriate|optionally)\s*\.?$",
    re.I,
)
_LATE_TAIL_RE = re.compile(r"^,\s*if\b.*\b(?:later than|not immediate|late|delay)", re.I)


def stem(word: str) -> str:
    """A crude stemmer: enough to match ``measures`` with ``measure`` and
    ``proposed`` with ``propose`` (both become ``measur``, ``propos``)."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes", "zes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


def words(text: str) -> tuple[str, ...]:
    """The content words of ``text``, stemmed, in order (stop words dropped)."""
    return tuple(stem(w) for w in _WORD_RE.findall(text.lower()) if w not in _STOP_WORDS)


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a rule's ``must_contain`` list, prepared for matching."""

    text: str
    label: str  # the short name, e.g. "nature of the breach"
    words: frozenset[str]  # every content word of the item
    label_words: frozenset[str]
    alternatives: tuple[frozenset[str], ...]  # the label split at " or "
    condition: str  # "" (always required), "late" or "optional"

    @property
    def heading(self) -> str:
        """The label as a heading: ``Nature of the breach``."""
        return self.label[:1].upper() + self.label[1:]


def parse_item(text: str) -> Item:
    """Split a ``must_contain`` entry into its label, words and condition."""
    rest = text.strip()
    while _PAREN_RE.search(rest):
        rest = _PAREN_RE.sub("", rest)
    condition = ""
    qualifier = _QUALIFIER_RE.match(rest)
    if qualifier:
        rest = rest[qualifier.end() :]
        condition = "optional"
    parts = _LABEL_END_RE.split(rest, maxsplit=1)
    label = re.sub(r"\s+(?:and|or)$", "", parts[0].strip(" ,.")) or rest.strip(" ,.")
    tail = rest[len(parts[0]) :].strip() if len(parts) > 1 else ""
    if _LATE_TAIL_RE.match(tail):
        condition = "late"
    elif _OPTIONAL_TAIL_RE.match(tail):
        condition = "optional"
    alternatives = tuple(
        frozenset(ws) for part in re.split(r"\bor\b", label) if (ws := words(part))
    )
    return Item(
        text=text,
        label=label,
        words=frozenset(words(text)),
        label_words=frozenset(words(label)),
        alternatives=alternatives,
        condition=condition,
    )


@dataclass(frozen=True, slots=True)
class Block:
    """A heading (``level`` > 0, or -1 for a bold lead-in) or a paragraph (0)."""

    level: int
    text: str  # the heading's text, or the paragraph
    line: int  # 1-based, in the notice file
    rest: str = ""  # a lead-in's text after the bold part


def blocks(body: str, first_line: int = 1) -> list[Block]:
    """The headings and paragraphs of a Markdown body, with file lines.
    HTML comments and fenced code are skipped (line numbers are kept)."""
    body = _COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    out: list[Block] = []
    para: list[str] = []
    para_line = 0
    fence: str | None = None

    def flush() -> None:
        nonlocal para
        if para:
            text = "\n".join(para).strip()
            lead = _LEAD_IN_RE.match(text)
            if lead and lead.group(1).strip():
                out.append(Block(-1, lead.group(1).strip(), para_line, lead.group(2).strip()))
            elif text:
                out.append(Block(0, text, para_line))
        para = []

    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        fenced = _FENCE_RE.match(line)
        if fence is not None:
            if fenced and fenced.group(1) == fence:
                fence = None
            continue
        if fenced:
            flush()
            fence = fenced.group(1)
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            flush()
            out.append(Block(len(heading.group(1)), heading.group(2), number))
        elif not line.strip():
            flush()
        else:
            if not para:
                para_line = number
            para.append(line)
    flush()
    return out


def is_placeholder(text: str) -> bool:
    return not text.strip() or bool(_PLACEHOLDER_RE.match(text.strip()))


def _heading_names(heading: frozenset[str], item: Item) -> bool:
    shared = heading & item.label_words
    if not shared:
        return False
    label_distinctive = item.label_words - _GENERIC_WORDS
    if not label_distinctive:  # a label of common words only: the heading must say them all
        return item.label_words <= heading
    distinctive = shared - _GENERIC_WORDS
    if not distinctive:
        return False
    return heading <= item.words or len(shared) >= 2 or distinctive == label_distinctive


@dataclass(frozen=True, slots=True)
class Missing:
    """A required item a notice does not cover, and where to look."""

    item: Item
    line: int  # the empty section's heading, or the body's first line
    empty_section: str | None = None  # the heading that names it, when its section is empty


def missing_items(notice: Notice, rule: Rule, *, late: bool = False) -> list[Missing]:
    """The items of ``rule.must_contain`` that ``notice`` does not cover (see
    the module's docstring for the matching rule). ``late``: the notice is
    (or will be) late, so "reasons for the delay" items are required."""
    parsed = blocks(notice.body, notice.body_line)
    sections = [
        (block, _section_has_content(parsed, index))
        for index, block in enumerate(parsed)
        if block.level != 0
    ]
    paragraphs = [
        frozenset(words(b.rest if b.level == -1 else b.text)) for b in parsed if b.level <= 0
    ]
    out: list[Missing] = []
    for text in rule.must_contain:
        item = parse_item(text)
        if (
            item.condition == "optional"
            or (item.condition == "late" and not late)
            or not item.label_words
        ):
            continue
        empty: Block | None = None
        covered = False
        for block, has_content in sections:
            if _heading_names(frozenset(words(block.text)), item):
                if has_content:
                    covered = True
                    break
                empty = empty or block
        covered = covered or any(alt <= para for para in paragraphs for alt in item.alternatives)
        if not covered:
            out.append(
                Missing(
                    item, empty.line if empty else notice.body_line, empty.text if empty else None
                )
            )
    return out


def _section_has_content(parsed: Sequence[Block], index: int) -> bool:
    """Whether the heading or lead-in at ``index`` is followed by real text
    (not a placeholder) before the next heading of its level or above."""
    head = parsed[index]
    if head.level == -1 and not is_placeholder(head.rest):
        return True
    for block in parsed[index + 1 :]:
        if head.level == -1 and block.level != 0:
            return False  # a lead-in's section ends at the next heading or lead-in
        if 0 < block.level <= head.level:
            return False
        if block.level == 0 and not is_placeholder(block.text):
            return True
        if block.level == -1 and not is_placeholder(block.rest or block.text):
            return True
    return False


def has_body(notice: Notice) -> bool:
    """Whether the notice has text besides HTML comments."""
    return bool(_COMMENT_RE.sub("", notice.body).strip())
