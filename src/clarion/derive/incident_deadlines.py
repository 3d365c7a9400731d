"""One incident's part of the deadline report, and its reuse between builds.

What the report holds about an incident (its obligations, its own warnings,
its role warnings, what its notices lack) is a function of that incident as
published at ``now``, its notices, the rulebook (with the site's overrides),
the site's zone and ``now``: nothing here reads another incident or anything
site-wide (:func:`incident_part`). A build keeps each part as plain JSON text
keyed by a digest of exactly those inputs (:func:`input_key`); the next build
decodes the part of every incident whose digest is unchanged and computes
only the others. ``now`` is in the digest, so no part is proved independent
of the clock: when ``now`` moves, every part is computed again.

Next to each part a build keeps what the report's items show of the
incident (:func:`shown_text`, a function of the same inputs), so that a
build whose parts are all kept can tell whether the report changed without
decoding any (:mod:`clarion.derive.deadline_report`).

The JSON never runs code when read; a part that does not decode (another
shape, a damaged file) is computed again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..core.plaindata import PlainDataError, from_plain, to_plain
from ..documents import Notice
from ..errors import ContentError, SourceLocation
from ..model import Incident
from ..rules import RuleBook
from .comms import late_keys, notice_content_lint
from .deadlines import incident_lint, incident_obligations, notice_lint
from .owed import Obligation, ObligationState, short_recipient
from .part_reuse import Reuse
from .roles import ROLE_RULES, incident_role_warnings

#: A warning and what it belongs to: a role rule's id, or a notice's name.
Tagged = tuple[str, ContentError]


@dataclass(frozen=True, slots=True)
class IncidentDeadlines:
    """What the deadline report holds about one incident at ``now``."""

    obligations: tuple[Obligation, ...]
    lint: tuple[ContentError, ...]  # reopened, short monitoring, stand-in clocks
    roles: tuple[Tagged, ...]  # by role rule id, in the order of ROLE_RULES
    notices: tuple[Tagged, ...]  # by notice name: dated after now, rule not in force
    content: tuple[Tagged, ...]  # by notice name: required items, placeholders


def incident_part(
    incident: Incident,
    notices: Sequence[Notice],
    rulebook: RuleBook,
    now: datetime,
    zone: ZoneInfo,
) -> IncidentDeadlines:
    """Compute one incident's part (``notices``: the incident's own)."""
    obligations = tuple(incident_obligations(incident, notices, rulebook, now, zone))
    late = late_keys(obligations)
    return IncidentDeadlines(
        obligations=obligations,
        lint=tuple(incident_lint(incident, rulebook, now)),
        roles=tuple(
            (rule_id, warning)
            for rule_id in ROLE_RULES
            for warning in incident_role_warnings(incident, rulebook, now, only=rule_id)
        ),
        notices=tuple(
            (n.name, warning)
            for n in notices
            for warning in notice_lint(n, incident, rulebook, now)
        ),
        content=tuple(
            (n.name, warning) for n in notices for warning in notice_content_lint(n, rulebook, late)
        ),
    )


def input_key(
    reuse: Reuse, now: datetime, zone: ZoneInfo, incident: Incident, notices: Sequence[Notice]
) -> str | None:
    """A digest of every input of the incident's part, or ``None`` for an
    incident not read from a file (its digest unknown): never reused.

    The incident is named by its file and the digest of the file's bytes (the
    loader's model is a function of those and the site's settings, as the
    parsed cache already relies on; :meth:`Incident.as_of` marks the part
    published at ``now``); a breach block is added whole (a ``breach.yml``
    sidecar is not in the file), and so is every notice."""
    if not incident.digest:
        return None
    digest = _shared_inputs(reuse.rules, now, zone).copy()
    digest.update(f"{incident.source_path}\0{incident.digest}\0".encode())
    if incident.breach is not None:
        digest.update(_json(to_plain(incident.breach)).encode("utf-8") + b"\0")
    for notice in notices:
        digest.update(_json(to_plain(notice)).encode("utf-8") + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=4)
def _shared_inputs(rules: str, now: datetime, zone: ZoneInfo) -> hashlib._Hash:
    """The digest of what every part's inputs share, to be copied (never updated)."""
    digest = hashlib.sha256()
    for part in (rules, now.isoformat(), zone.key):
        digest.update(part.encode("utf-8") + b"\0")
    return digest


def incident_fields(incident: Incident) -> dict[str, object]:
    """What a report's item shows of its incident."""
    return {
        "incident": incident.slug,
        "incident_title": incident.title,
        "severity": incident.severity.value if incident.severity else None,
        "roles": incident.roles.as_dict() if incident.roles else None,
    }


def shown_text(incident: Incident) -> str:
    """What the report's items show of ``incident`` and its start, by which
    they are sorted, as one line of JSON."""
    fields = [incident_fields(incident), incident.started_at.isoformat()]
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


# -- plain data --------------------------------------------------------------------

#: The fields of an :class:`Obligation` a part keeps, in order; the incident
#: and the rule are the build's own, the recipient is the rule's.
ROW_FIELDS = (
    "rule",
    "state",
    "due_at",
    "outer_limit",
    "clock",
    "clock_at",
    "satisfied_at",
    "satisfied_by",
    "detail",
    "location",
    "key",
)


def encode(part: IncidentDeadlines, warnings: str | None = None) -> str:
    """The part as one line of JSON: its items, then its warnings as
    :func:`warnings_text` writes them (``warnings``: that text, made already)."""
    warnings = warnings_text(part) if warnings is None else warnings
    return f"[{_json([_row(o) for o in part.obligations])},{warnings[1:]}"


def decode(text: str, incident: Incident, rulebook: RuleBook) -> IncidentDeadlines | None:
    """The part :func:`encode` wrote, for ``incident``; ``None`` when it does
    not decode (it is then computed again)."""
    try:
        rows, *warnings = json.loads(text)
        return _part(tuple(_obligation(row, incident, rulebook) for row in rows), *warnings)
    except (ValueError, TypeError, KeyError, AttributeError, PlainDataError):
        return None


#: :func:`warnings_text` of a part without warnings of any kind.
NO_WARNINGS = "[[],[],[],[]]"


def warnings_text(part: IncidentDeadlines) -> str:
    """The part's warnings (its own, its roles', its notices') as one line
    of JSON, as :func:`encode` writes them after its items."""
    if not (part.lint or part.roles or part.notices or part.content):
        return NO_WARNINGS
    data = [
        [_error_row(e) for e in part.lint],
        [[tag, _error_row(e)] for tag, e in part.roles],
        [[tag, _error_row(e)] for tag, e in part.notices],
        [[tag, _error_row(e)] for tag, e in part.content],
    ]
    return _json(data)


def decode_warnings(text: str) -> IncidentDeadlines | None:
    """The warnings :func:`warnings_text` wrote, as a part without items
    (``None``: they do not decode)."""
    if text == NO_WARNINGS:
        return IncidentDeadlines((), (), (), (), ())
    try:
        return _part((), *json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError, PlainDataError):
        return None


def _part(
    obligations: tuple[Obligation, ...], lint: Any, roles: Any, notices: Any, content: Any
) -> IncidentDeadlines:
    """A part from its items and its warnings as :func:`warnings_text` writes them."""
    return IncidentDeadlines(
        obligations=obligations,
        lint=tuple(_error(e) for e in lint),
        roles=_tagged(roles),
        notices=_tagged(notices),
        content=_tagged(content),
    )


def _row(o: Obligation) -> list[Any]:
    return [
        o.rule.id,
        o.state.value,
        _when(o.due_at),
        _when(o.outer_limit),
        o.clock,
        _when(o.clock_at),
        _when(o.satisfied_at),
        o.satisfied_by,
        o.detail,
        [o.location.path, o.location.line],
        o.key,
    ]


def _obligation(row: list[Any], incident: Incident, rulebook: RuleBook) -> Obligation:
    rule_id, state, due_at, outer, clock, clock_at, satisfied_at, by, detail, where, key = row
    rule = rulebook[_text(rule_id)]
    path, line = where
    return Obligation(
        rule=rule,
        incident=incident,
        recipient=_recipient(rule.recipient),
        state=ObligationState(state),
        due_at=_moment(due_at),
        outer_limit=_moment(outer),
        clock=_text(clock),
        clock_at=_moment(clock_at),
        satisfied_at=_moment(satisfied_at),
        satisfied_by=None if by is None else _text(by),
        detail=_text(detail),
        location=SourceLocation(_text(path), _line(line)),
        key=_text(key),
    )


def _tagged(data: Any) -> tuple[Tagged, ...]:
    return tuple((_text(tag), _error(e)) for tag, e in data)


def _error_row(e: ContentError) -> list[Any]:
    return [e.location.path, e.location.line, e.message, e.expected, e.hint, e.severity]


def _error(row: list[Any]) -> ContentError:
    path, line, message, expected, hint, severity = row
    return ContentError(
        location=SourceLocation(_text(path), _line(line)),
        message=_text(message),
        expected=None if expected is None else _text(expected),
        hint=None if hint is None else _text(hint),
        severity=_text(severity),
    )


def _when(moment: datetime | None) -> Any:
    """A time in UTC as ISO text (the common case), any other as the plain
    data of :func:`to_plain` (its zone kept)."""
    if moment is None:
        return None
    if moment.tzinfo is UTC:
        return moment.isoformat()
    return to_plain(moment)


def _moment(data: Any) -> datetime | None:
    if data is None:
        return None
    if isinstance(data, str):
        moment = datetime.fromisoformat(data)
        if moment.tzinfo is not UTC:
            raise PlainDataError("expected a time in UTC")
        return moment
    return from_plain(datetime, data)


def _line(data: Any) -> int | None:
    if data is not None and (isinstance(data, bool) or not isinstance(data, int)):
        raise PlainDataError("expected a line number")
    return data


@functools.cache
def _recipient(text: str) -> str:
    return short_recipient(text)


def _text(data: Any) -> str:
    if not isinstance(data, str):
        raise PlainDataError("expected text")
    return data


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
