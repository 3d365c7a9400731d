"""Postmortem action items: the task list of a ``Postmortem`` update.

An action item is a Markdown task-list entry inside a ``Postmortem`` update::

    - [ ] Add a canary stage — @team-deploy, due 2026-12-15
    - [x] Link recent deploys to every alert page — @team-observability, done 2026-10-15

A trailing part after a separator (``—``, ``–``, ``--`` or `` - ``) holds the
item's facts, separated by commas: an owner ``@handle``, ``due YYYY-MM-DD``
and ``done YYYY-MM-DD``. The facts may also lead, as ``·``-separated parts
(``- [ ] @team-api · due 2026-12-03 · Add jitter to reconnects``, the form
``clarion new postmortem`` prompts for). Without either, an ``@handle`` and a
``due YYYY-MM-DD`` anywhere in the text are used. An item may wrap onto
indented continuation lines. ``[x]`` (or ``[X]``) marks an item done.

An open item is *past due* from the day after its due date, in the site's
zone (the due date itself is still in time). Pure: nothing here reads a file
or the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..core.text import code_lines
from ..model import Incident, Stage, Update

_ITEM_RE = re.compile(r"^(?P<indent>\s*)[-*+]\s+\[(?P<mark>[ xX])\]\s+(?P<text>.*?)\s*$")
_LIST_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_OWNER = r"@(?P<owner>[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9])"
_DATE = r"\d{4}-\d{2}-\d{2}"
_SEPARATOR_RE = re.compile(r"\s+(?:—|–|--|-)\s+")
_FACT_RES = {
    "owner": re.compile(rf"^(?:owner:?\s*)?{_OWNER}$", re.IGNORECASE),
    "due": re.compile(rf"^(?:due|by)\s*:?\s*(?P<date>{_DATE})$", re.IGNORECASE),
    "done": re.compile(rf"^(?:done|completed|closed)\s*:?\s*(?P<date>{_DATE})$", re.IGNORECASE),
}
_LOOSE_OWNER_RE = re.compile(rf"(?:^|(?<=[\s(]))(?:{_OWNER})")
_LOOSE_DUE_RE = re.compile(rf"\bdue\s*:?\s*(?P<date>{_DATE})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionItem:
    """One task-list entry of a postmortem.

    ``body_line`` is the item's 0-based line within its update's body (the
    source line is found by :func:`source_line`). ``problem`` names a fact
    that could not be read (an impossible date), else ``None``.
    """

    incident: Incident
    update: Update
    text: str  # the item without its facts tail
    done: bool
    owner: str | None = None  # without the leading "@"
    due: date | None = None
    done_on: date | None = None
    body_line: int = 0
    raw: str = ""  # the item's first line as written
    problem: str | None = None

    @property
    def slug(self) -> str:
        return self.incident.slug

    def due_end(self, zone: ZoneInfo) -> datetime | None:
        """The first moment the item is late: midnight after its due date."""
        if self.due is None:
            return None
        return datetime.combine(self.due + timedelta(days=1), time(), zone)

    def is_overdue(self, now: datetime, zone: ZoneInfo) -> bool:
        """Open, with a due date that has passed in the site's zone at ``now``."""
        end = self.due_end(zone)
        return not self.done and end is not None and now >= end

    def days_overdue(self, now: datetime, zone: ZoneInfo) -> int:
        """Whole days since the due date (0 unless past due)."""
        if not self.is_overdue(now, zone):
            return 0
        assert self.due is not None
        return (now.astimezone(zone).date() - self.due).days


def parse_task_list(body: str) -> Iterator[tuple[int, bool, str, str]]:
    """``(line index, done, text, first line)`` for each task-list entry of a
    Markdown body; continuation lines are joined with a space. Entries inside
    fenced code blocks are not tasks."""
    for index, _end, done, text, first in _task_spans(body.split("\n")):
        yield index, done, text, first


def without_owners_and_dates(body: str) -> str:
    """``body`` with each task-list entry reduced to its checkbox and text:
    owners (``@handle``) and due and done dates left out, as public pages
    show postmortems unless ``[postmortem] public_action_items = true``."""
    lines = body.split("\n")
    spans = list(_task_spans(lines))
    if not spans:
        return body
    for index, end, done, text, first in reversed(spans):
        title = parse_facts(text)[0]
        title = _LOOSE_DUE_RE.sub("", _LOOSE_OWNER_RE.sub("", title))
        title = " ".join(title.split()).rstrip(" ,;—–-") or "(action item)"
        indent = first[: len(first) - len(first.lstrip())]
        lines[index:end] = [f"{indent}- [{'x' if done else ' '}] {title}"]
    return "\n".join(lines)


def _task_spans(lines: list[str]) -> Iterator[tuple[int, int, bool, str, str]]:
    """``(first line, end, done, text, first line)``: each entry and the
    lines it spans (``end`` exclusive)."""
    in_code = code_lines(lines)
    index = 0
    while index < len(lines):
        line = lines[index]
        match = None if in_code[index] else _ITEM_RE.match(line)
        if match is None:
            index += 1
            continue
        indent = len(match["indent"].expandtabs(4))
        parts = [match["text"]]
        following = index + 1
        while following < len(lines):
            nxt = lines[following]
            if not nxt.strip() or _LIST_RE.match(nxt) or len(nxt) - len(nxt.lstrip()) <= indent:
                break
            parts.append(nxt.strip())
            following += 1
        yield index, following, match["mark"] in "xX", " ".join(p for p in parts if p), line
        index = following


def parse_facts(text: str) -> tuple[str, str | None, str | None, str | None]:
    """Split an item's text into ``(text, owner, due, done)``, the dates as
    written (``YYYY-MM-DD``). See the module docstring."""
    if "·" in text:
        dotted = _dotted_facts(text)
        if dotted is not None:
            return dotted
    for match in reversed(list(_SEPARATOR_RE.finditer(text))):
        head, tail = text[: match.start()], text[match.end() :]
        facts = _tail_facts(tail)
        if facts is not None and head.strip():
            return (head.strip(), *facts)
    owner = _LOOSE_OWNER_RE.search(text)
    due = _LOOSE_DUE_RE.search(text)
    return text.strip(), owner["owner"] if owner else None, due["date"] if due else None, None


def _dotted_facts(text: str) -> tuple[str, str | None, str | None, str | None] | None:
    """``@owner · due 2026-12-01 · text``: facts and text as ``·``-separated
    parts in any order; None unless at least one part is a fact."""
    found: dict[str, str] = {}
    words: list[str] = []
    for piece in (p.strip() for p in text.split("·")):
        for name, pattern in _FACT_RES.items():
            match = pattern.match(piece)
            if match and name not in found:
                found[name] = match["owner"] if name == "owner" else match["date"]
                break
        else:
            if piece:
                words.append(piece)
    if not found or not words:
        return None
    return " · ".join(words), found.get("owner"), found.get("due"), found.get("done")


def _tail_facts(tail: str) -> tuple[str | None, str | None, str | None] | None:
    found: dict[str, str] = {}
    pieces = [p.strip() for p in re.split(r"[,;]", tail.strip().rstrip("."))]
    if not any(pieces):
        return None
    for piece in pieces:
        if not piece:
            continue
        for name, pattern in _FACT_RES.items():
            match = pattern.match(piece)
            if match and name not in found:
                found[name] = match["owner"] if name == "owner" else match["date"]
                break
        else:
            return None
    return found.get("owner"), found.get("due"), found.get("done")


def _date(text: str | None, what: str, problems: list[str]) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{what} {text} is not a date")
        return None


def items_of_update(incident: Incident, update: Update) -> tuple[ActionItem, ...]:
    """The action items of one update (none unless it is a postmortem)."""
    if update.stage is not Stage.POSTMORTEM:
        return ()
    items = []
    for index, done, text, raw in parse_task_list(update.body):
        title, owner, due_text, done_text = parse_facts(text)
        problems: list[str] = []
        due = _date(due_text, "due", problems)
        done_on = _date(done_text, "done", problems)
        items.append(
            ActionItem(
                incident=incident,
                update=update,
                text=title,
                done=done,
                owner=owner,
                due=due,
                done_on=done_on,
                body_line=index,
                raw=raw.strip(),
                problem="; ".join(problems) or None,
            )
        )
    return tuple(items)


def action_items(incident: Incident, now: datetime | None = None) -> tuple[ActionItem, ...]:
    """Every action item of an incident's ``Postmortem`` updates, in file
    order; with ``now``, only postmortems dated at or before ``now``."""
    if incident.is_maintenance:
        return ()
    out: list[ActionItem] = []
    for update in incident.updates:
        if update.stage is Stage.POSTMORTEM and (now is None or update.at <= now):
            out.extend(items_of_update(incident, update))
    return tuple(out)


def all_action_items(
    incidents: Iterable[Incident], now: datetime | None = None
) -> tuple[ActionItem, ...]:
    return tuple(item for incident in incidents for item in action_items(incident, now))


def overdue_items(
    items: Iterable[ActionItem], now: datetime, zone: ZoneInfo
) -> tuple[ActionItem, ...]:
    """Open items past their due date at ``now``, the longest overdue first."""
    late = [i for i in items if i.is_overdue(now, zone)]
    late.sort(key=lambda i: (i.due, i.slug, i.update.position, i.body_line))
    return tuple(late)


def source_line(item: ActionItem, source_lines: list[str]) -> int:
    """The 1-based line of ``item`` in its incident file, whose lines are
    ``source_lines``: the line after the postmortem heading that reads as the
    item's first line (the n-th such line for the n-th identical item); the
    heading's line when it cannot be found."""
    occurrence = sum(
        1 for line in item.update.body.split("\n")[: item.body_line] if line.strip() == item.raw
    )
    heading = item.update.line
    for index in range(heading, len(source_lines)):  # index ``heading`` is the line after it
        line = source_lines[index].strip()
        if line.startswith("## "):
            break
        if line == item.raw:
            if occurrence == 0:
                return index + 1
            occurrence -= 1
    return heading
