"""Reading ``runbooks/*.md``: what responders do when an alert fires.

A runbook is a Markdown file with front matter for its facts and one ``##``
section per part of the procedure::

    ---
    title: Fail over the primary database
    trigger: Alert "db-primary-down", or the primary unreachable for 2 minutes
    severity: SEV1
    owner: "@team-data"
    last_updated: 2026-10-01
    ---
    ## Prerequisites
    ## Steps
    ## Verification
    ## Rollback

Only the file's shape is checked here (keys, types, dates); whether the
runbook is complete and current is :mod:`clarion.derive.learning`'s lint,
which ``clarion check`` reports as warnings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path

from ..core.text import code_lines
from ..documents import Runbook, RunbookSection
from ..errors import ErrorCollector, SourceLocation, did_you_mean, display_path
from ..model import SEVERITY_WORDS, Severity
from .frontmatter import read_front_matter
from .schema import check_keys

RUNBOOKS_DIRNAME = "runbooks"
RUNBOOK_KEYS = ("title", "trigger", "severity", "owner", "last_updated", "public")
RUNBOOK_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_H2_RE = re.compile(r"^##\s+(?P<title>.+?)\s*#*\s*$")


def runbooks_dir(root: Path) -> Path:
    return root / RUNBOOKS_DIRNAME


def read_runbooks(root: Path, errors: ErrorCollector) -> list[Runbook]:
    """Every ``runbooks/*.md`` of the site (``README.md`` skipped), by id."""
    folder = runbooks_dir(root)
    if not folder.is_dir():
        return []
    books = []
    for path in sorted(folder.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        book = read_runbook(path, display_path(path, root), errors)
        if book is not None:
            books.append(book)
    return books


def read_runbook(path: Path, relpath: str, errors: ErrorCollector) -> Runbook | None:
    ident = path.stem
    failed = False
    if not RUNBOOK_ID_RE.match(ident):
        errors.error(
            SourceLocation(relpath, 1),
            f"invalid runbook file name '{path.name}': the name is the id incidents refer to",
            expected="lower-case letters, digits, '-' and '_'",
        )
        failed = True
    front = read_front_matter(path.read_bytes(), relpath, errors)
    if front is None:
        return None
    data, lines = front.data, front.lines

    def at(key: str) -> SourceLocation:
        return SourceLocation(relpath, lines.get(key, 1))

    before = len(errors.errors)
    check_keys(data, RUNBOOK_KEYS, where="the runbook's front matter", locate=at, errors=errors)
    text_fields = {key: _text(data, key, at, errors) for key in ("title", "trigger", "owner")}
    severity = _severity(data, at, errors)
    updated = _date(data.get("last_updated"), at("last_updated"), errors)
    public = data.get("public", False)
    if not isinstance(public, bool):
        errors.error(at("public"), f"public: got {public!r}", expected="true or false")
    if failed or len(errors.errors) > before:
        return None
    return Runbook(
        id=ident,
        title=text_fields["title"] or ident,
        trigger=text_fields["trigger"],
        severity=severity,
        owner=text_fields["owner"],
        last_updated=updated,
        public=bool(public),
        sections=_sections(front.body, front.body_line),
        source_path=relpath,
        lines=dict(lines),
    )


def check_runbook_references(
    incidents: Mapping[str, tuple[str, ...]],
    lines: Mapping[str, tuple[str, int | None]],
    known: tuple[str, ...],
    errors: ErrorCollector,
) -> None:
    """Report every ``runbooks:`` id of an incident that names no runbook.

    ``incidents`` maps a slug to its runbook ids, ``lines`` a slug to the file
    and line of its ``runbooks:`` key."""
    for slug, ids in incidents.items():
        path, line = lines[slug]
        for ident in ids:
            if ident in known:
                continue
            errors.error(
                SourceLocation(path, line),
                f"runbooks: unknown runbook '{ident}'",
                expected="the name of a file in runbooks/ without .md"
                + (": " + ", ".join(known) if known else " (the folder holds none)"),
                hint=did_you_mean(ident, known) or f"create it with: clarion new runbook {ident}",
            )


_Locate = Callable[[str], SourceLocation]


def _text(data: Mapping[str, object], key: str, at: _Locate, errors: ErrorCollector) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    errors.error(at(key), f"{key}: got {value!r}", expected="text")
    return ""


def _severity(data: Mapping[str, object], at: _Locate, errors: ErrorCollector) -> Severity | None:
    value = data.get("severity")
    if value is None:
        return None
    try:
        return Severity.parse(str(value))
    except ValueError:
        errors.error(
            at("severity"),
            f"severity: got {value!r}",
            expected="one of: " + ", ".join(SEVERITY_WORDS),
            hint=did_you_mean(str(value).upper(), SEVERITY_WORDS),
        )
        return None


def _date(value: object, where: SourceLocation, errors: ErrorCollector) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.error(where, f"last_updated: got {value!r}", expected="a date, YYYY-MM-DD")
        return None


def _sections(body: str, first_line: int) -> tuple[RunbookSection, ...]:
    lines = body.split("\n")
    found: list[tuple[str, int, list[str]]] = []
    for index, (line, in_code) in enumerate(zip(lines, code_lines(lines), strict=True)):
        heading = None if in_code else _H2_RE.match(line)
        if heading:
            found.append((heading["title"], first_line + index, []))
        elif found:
            found[-1][2].append(line)
    return tuple(
        RunbookSection(title=title, body="\n".join(body_lines).strip("\n"), line=line)
        for title, line, body_lines in found
    )
