"""The deadline report of a site at ``now``: every obligation, sorted, with the lint.

The report is put together from each incident's part
(:mod:`clarion.derive.incident_deadlines`: its obligations, from
:mod:`clarion.derive.deadlines`, its warnings and what its notices lack, from
:mod:`clarion.derive.comms`); this module sits above them. With a
:class:`~clarion.derive.incident_deadlines.Reuse`, the parts of the last build
whose inputs are unchanged are reused instead of computed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..core.plaindata import to_plain
from ..errors import ContentError
from ..model import Notice, Site
from ..rules import RuleBook
from .comms import notice_content_lint
from .deadlines import DeadlineReport, Obligation, notice_lint
from .incident_deadlines import IncidentDeadlines, Reuse, decode, encode, incident_part, input_key
from .roles import ROLE_RULES


def evaluate(
    site: Site,
    rulebook: RuleBook,
    now: datetime,
    zone: ZoneInfo,
    *,
    warn_within: timedelta | None = None,
    reuse: Reuse | None = None,
) -> DeadlineReport:
    """Every obligation of ``site`` at ``now``, sorted by state, due time and
    incident, with the content lint (including what regulator notices still
    lack: :func:`clarion.derive.comms.content_lint`). With ``reuse``, the
    parts of incidents whose inputs are unchanged are taken from it, and the
    report carries its digest and its parts for the next build."""
    by_slug: dict[str, list[Notice]] = {}
    for notice in site.notices:
        by_slug.setdefault(notice.slug, []).append(notice)
    parts: list[IncidentDeadlines] = []
    texts: list[str] = []
    kept: dict[str, str] = {}
    by_slug_text: dict[str, str] = {}
    reused = 0
    for incident in site.incidents:
        notices = by_slug.get(incident.slug, [])
        key = input_key(reuse, now, zone, incident, notices) if reuse is not None else None
        text = reuse.previous.get(key) if reuse is not None and key is not None else None
        part = decode(text, incident, rulebook) if text is not None else None
        if part is None:
            part = incident_part(incident, notices, rulebook, now, zone)
            text = encode(part) if reuse is not None else None
        else:
            reused += 1
        parts.append(part)
        if text is not None:
            texts.append(text)
            by_slug_text[incident.slug] = text
            if key is not None:
                kept[key] = text
    items = [o for part in parts for o in part.obligations]
    items.sort(key=_sort_key)
    lint, site_wide = _lint(site, rulebook, now, parts)
    digest = _digest(site, texts, site_wide) if reuse is not None else ""
    return DeadlineReport(
        now=now,
        zone=zone,
        obligations=tuple(items),
        lint=lint,
        warn_within=warn_within,
        digest=digest,
        kept=kept,
        reused=reused,
        parts=by_slug_text,
    )


def _lint(
    site: Site, rulebook: RuleBook, now: datetime, parts: Sequence[IncidentDeadlines]
) -> tuple[tuple[ContentError, ...], list[ContentError]]:
    """The report's lint in its order (the loader's warnings, each incident's
    own, the role warnings rule by rule, the notices' dates and rules, what
    notices lack), and the part of it no incident's part holds: the loader's
    warnings and those of notices whose incident is not published at ``now``."""
    site_wide = [w for w in site.warnings if isinstance(w, ContentError)]
    out = list(site_wide)
    for part in parts:
        out.extend(part.lint)
    for rule_id in ROLE_RULES:
        out.extend(w for part in parts for tag, w in part.roles if tag == rule_id)
    own = {incident.slug: part for incident, part in zip(site.incidents, parts, strict=True)}
    for notice in site.notices:
        found = own.get(notice.slug)
        dated = (
            notice_lint(notice, None, rulebook, now)
            if found is None
            else [w for tag, w in found.notices if tag == notice.name]
        )
        out.extend(dated)
        site_wide.extend(dated if found is None else ())
    for notice in site.notices:
        found = own.get(notice.slug)
        lacking = (
            notice_content_lint(notice, rulebook, ())
            if found is None
            else [w for tag, w in found.content if tag == notice.name]
        )
        out.extend(lacking)
        site_wide.extend(lacking if found is None else ())
    return tuple(out), site_wide


def _digest(site: Site, texts: Sequence[str], site_wide: Sequence[ContentError]) -> str:
    """Every part's text, by incident, and the site-wide lint."""
    digest = hashlib.sha256()
    for incident, text in zip(site.incidents, texts, strict=True):
        digest.update(f"{incident.slug}\0{text}\0".encode())
    lint = [to_plain(e) for e in site_wide]
    digest.update(json.dumps(lint, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def _sort_key(o: Obligation) -> tuple[object, ...]:
    due = o.due_at.timestamp() if o.due_at else float("inf")
    return (o.state.rank, due, o.incident.started_at, o.incident.slug, o.key)
