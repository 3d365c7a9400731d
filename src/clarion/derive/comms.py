"""Notices against their rules: required content, and the customer emails owed.

Pure functions of the model, the rulebook and ``now``: nothing here reads a
file, renders a template or reads the clock.

**Required content.** A regulator's notice must contain what the rule's
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

**Owed customer emails.** :func:`owed_emails` gives, for each incident, the
customer emails a practice rule owes (``customer-ack``,
``customer-resolution``: SEV0/SEV1 with ``customers_affected: true``) that no
notice covers yet: the build drafts them from built-in templates.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..errors import ContentError, SourceLocation
from ..model import Incident, Notice, Site
from ..rules import Rule, RuleBook
from .deadlines import Obligation, ObligationState, obligation_for

#: Owed emails are drafted while their clock started at most this long before
#: ``now`` (an acknowledgement weeks late helps nobody); older ones stay in the
#: deadline report and are only counted in the private index, so a long
#: history costs nothing per build.
DRAFT_WINDOW = timedelta(days=14)

#: States in which an owed email is drafted (the clock runs and nothing was sent).
DRAFT_STATES = frozenset(
    {ObligationState.DUE, ObligationState.OVERDUE, ObligationState.NO_DEADLINE}
)

_STOP_WORDS = frozenset(
    "a an the of and or to for in on by with its it is are be been any all other their them that this these "
    "which as at from into was were will would should can may has have had not no our your we you whether "
    "where when what who how if per such than then there so e g eg ie etc incl including".split()
)
#: Words nearly every item of a breach notice uses: a heading needs another one.
_GENERIC_WORDS = frozenset(
    "breach incident data personal information notice notification report detail description".split()
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
    r"^\s*(?:(where applicable|where available|where appropriate|where possible|optionally|if known|if applicable)\s*,\s*"
    r"|for [a-z ]+:\s*)",
    re.I,
)
_PAREN_RE = re.compile(r"\s*\([^()]*\)")
_LABEL_END_RE = re.compile(
    r"\s*(?:[;:]|,?\s*\bincl\b\.?|,?\s*\be\.g\.|,?\s*\bi\.e\.|,\s*(?:if|where|or is|to the extent)\b)",
    re.I,
)
_OPTIONAL_TAIL_RE = re.compile(
    r"^,?\s*(?:if known|if applicable|where applicable|where available|where appropriate|optionally)\s*\.?$",
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


def _is_placeholder(text: str) -> bool:
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
    if head.level == -1 and not _is_placeholder(head.rest):
        return True
    for block in parsed[index + 1 :]:
        if head.level == -1 and block.level != 0:
            return False  # a lead-in's section ends at the next heading or lead-in
        if 0 < block.level <= head.level:
            return False
        if block.level == 0 and not _is_placeholder(block.text):
            return True
        if block.level == -1 and not _is_placeholder(block.rest or block.text):
            return True
    return False


def has_body(notice: Notice) -> bool:
    """Whether the notice has text besides HTML comments."""
    return bool(_COMMENT_RE.sub("", notice.body).strip())


def content_lint(
    site: Site, rulebook: RuleBook, obligations: Sequence[Obligation] = ()
) -> list[ContentError]:
    """One warning per required item a regulator notice does not cover, at the
    notice's file and line. ``obligations`` (from the deadline report) tell
    which notices are late, for "reasons for the delay" items."""
    late_keys = {
        o.key for o in obligations if o.state in (ObligationState.OVERDUE, ObligationState.MET_LATE)
    }
    out: list[ContentError] = []
    for notice in site.notices:
        if notice.is_sent and not has_body(notice):
            continue  # a record of an email sent from elsewhere
        flagged: set[int] = set()
        rule = _checked_rule(notice, rulebook)
        if rule is not None:
            target = rule.limits or rule.id
            late = f"{notice.slug}/{target}" in late_keys
            for missing in missing_items(notice, rule, late=late):
                out.append(_missing_warning(notice, rule, missing))
                if missing.empty_section is not None:
                    flagged.add(missing.line)
        if not notice.is_sent:
            out.extend(_placeholder_warnings(notice, flagged))
    return out


def send_blockers(notice: Notice, rulebook: RuleBook) -> list[str]:
    """Why ``notice`` is not ready to be recorded as sent: placeholders still
    in it, no recipients, required items of its rule it does not cover (as
    ``clarion check`` counts them). ``clarion sent`` refuses such a notice
    unless ``--force``."""
    rule = _checked_rule(notice, rulebook)
    out = []
    placeholders = list(_placeholder_warnings(notice, ()))
    if placeholders:
        out.append(
            f"it still holds {len(placeholders)} placeholder"
            f"{'s' if len(placeholders) != 1 else ''} ("
            + ", ".join(f"line {p.location.line}" for p in placeholders[:5])
            + ")"
        )
    if not notice.to:
        out.append("it names no recipients (to:)")
    if rule is not None:
        missing = missing_items(notice, rule)
        if missing:
            out.append(
                f"it does not cover what {rule.id} requires: "
                + "; ".join(m.item.text for m in missing[:5])
            )
    return out


def _placeholder_warnings(notice: Notice, flagged: Collection[int]) -> Iterator[ContentError]:
    """A draft's placeholders ("(to be completed)") outside the sections
    already reported as empty."""
    heading_line: int | None = None
    for block in blocks(notice.body, notice.body_line):
        if block.level != 0:
            heading_line = block.line
            if block.level == -1 and block.rest and _is_placeholder(block.rest):
                placeholder = block.rest
            else:
                continue
        elif block.text.strip() and _is_placeholder(block.text):
            placeholder = block.text
        else:
            continue
        if heading_line in flagged:
            continue
        yield ContentError(
            location=SourceLocation(notice.source_path, block.line),
            message=f"the draft still holds the placeholder '{placeholder.strip()}'",
            hint="write the text, or delete the section if it does not apply",
            severity="warning",
        )


def _checked_rule(notice: Notice, rulebook: RuleBook) -> Rule | None:
    if notice.rule is None or notice.rule not in rulebook:
        return None
    rule = rulebook[notice.rule]
    if rule.is_practice or not rule.must_contain:
        return None
    return rule


def _missing_warning(notice: Notice, rule: Rule, missing: Missing) -> ContentError:
    item = missing.item
    state = "sent" if notice.is_sent else "draft"
    if missing.empty_section is not None:
        message = f"{rule.id}: the section '{missing.empty_section}' is still empty ({state}); required: {item.text}"
        hint = "write the section before the notice is sent"
    else:
        message = f"{rule.id}: the notice does not cover a required item ({state}): {item.text}"
        hint = f"add a section '### {item.heading}' (`clarion rules {rule.id}` lists what the notice must contain)"
    return ContentError(
        location=SourceLocation(notice.source_path, missing.line),
        message=message,
        hint=hint,
        severity="warning",
    )


# -- owed customer emails -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwedEmail:
    """A customer email a practice rule owes and no notice covers yet."""

    obligation: Obligation

    @property
    def rule(self) -> Rule:
        return self.obligation.rule

    @property
    def incident(self) -> Incident:
        return self.obligation.incident


@dataclass(frozen=True, slots=True)
class OwedEmails:
    """The owed emails to draft, and how many older ones are left to the
    deadline report (their clock started more than :data:`DRAFT_WINDOW` ago)."""

    recent: tuple[OwedEmail, ...]
    older: int = 0
    older_by_rule: Mapping[str, int] = field(default_factory=dict)

    def only(self, rule_ids: Collection[str]) -> OwedEmails:
        """The same, for ``rule_ids`` alone (the rules a site has an email template for)."""
        older = {r: n for r, n in self.older_by_rule.items() if r in rule_ids}
        recent = tuple(o for o in self.recent if o.rule.id in rule_ids)
        return OwedEmails(recent, sum(older.values()), older)


def email_rules(rulebook: RuleBook, templates: Collection[str] | None = None) -> tuple[Rule, ...]:
    """Enabled practice rules addressed to an audience (``customer-ack``,
    ``customer-resolution``); with ``templates``, only those that have one."""
    return tuple(
        r
        for r in rulebook
        if r.is_practice and r.enabled and r.audience and (templates is None or r.id in templates)
    )


def owed_emails(
    site: Site, rulebook: RuleBook, now: datetime, zone: ZoneInfo, rules: Sequence[Rule]
) -> OwedEmails:
    """Customer emails owed at ``now`` that no notice covers (draft or sent),
    in incident order, whose clock started within :data:`DRAFT_WINDOW`.

    Cheap for long histories: the rules' conditions (severity, customers
    affected) and the age of the clock are tested before any deadline is
    computed, and older items are only counted."""
    by_slug: dict[str, list[Notice]] = {}
    for notice in site.notices:
        by_slug.setdefault(notice.slug, []).append(notice)
    recent: list[OwedEmail] = []
    older: dict[str, int] = {}
    for incident in site.incidents:
        if incident.is_maintenance or incident.started_at > now:
            continue
        for rule in rules:
            cond = rule.conditions
            if cond.severity is not None and incident.severity not in cond.severity:
                continue
            if cond.customers_affected and not incident.customers_affected:
                continue
            notices = by_slug.get(incident.slug, [])
            if any(n.rule in rulebook.satisfying_rules(rule) for n in notices):
                continue  # a notice covers the rule: it is drafted from the notice
            start = _clock_start(incident, rule, now)
            if start is not None and now - start > DRAFT_WINDOW:
                older[rule.id] = older.get(rule.id, 0) + 1
                continue
            obligation = obligation_for(incident, rule, rulebook, notices, now, zone)
            if obligation is None or obligation.state not in DRAFT_STATES:
                continue
            recent.append(OwedEmail(obligation))
    return OwedEmails(tuple(recent), sum(older.values()), older)


def _clock_start(incident: Incident, rule: Rule, now: datetime) -> datetime | None:
    """When a customer rule's clock started, where that is cheap to know
    (``None``: ask :func:`obligation_for`)."""
    if rule.clock.kind != "incident":
        return None
    if rule.clock.field == "declared":
        return incident.started_at
    if rule.clock.field == "resolved":
        resolved = incident.resolved_at
        return resolved if resolved is not None and resolved <= now else None
    return None
