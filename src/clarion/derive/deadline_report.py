"""The deadline report of a site at ``now``: every obligation, sorted, with the lint.

The report is put together from each incident's part
(:mod:`clarion.derive.incident_deadlines`: its obligations, from
:mod:`clarion.derive.deadlines`, its warnings and what its notices lack, from
:mod:`clarion.derive.comms`); this module sits above them. With a
:class:`~clarion.derive.part_reuse.Reuse`, the parts of the last build
whose inputs are unchanged are reused instead of computed again
(:func:`report_parts`): they stay JSON text until something reads them, so
that a build can tell from the text alone whether the report changed
(:attr:`ReportParts.digest`), and a reader that needs a few incidents' items
(the email drafts) decodes only theirs (:attr:`ReportParts.by_key`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from ..core.plaindata import to_plain
from ..documents import Notice
from ..errors import ContentError
from ..model import Incident, Site
from ..rules import RuleBook
from .comms import notice_content_lint
from .deadlines import DeadlineReport, Obligation, notice_lint
from .incident_deadlines import (
    IncidentDeadlines,
    decode,
    decode_warnings,
    encode,
    incident_part,
    input_key,
    shown_text,
    text_digest,
    warnings_text,
)
from .incident_facts import metrics_text
from .part_reuse import Reuse
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
    if reuse is not None:
        return report_parts(site, rulebook, now, zone, reuse).report(warn_within)
    by_slug = _notices_by_slug(site)
    parts = [
        incident_part(incident, by_slug.get(incident.slug, []), rulebook, now, zone)
        for incident in site.incidents
    ]
    return _report(site, rulebook, now, zone, parts, warn_within)


class _Part:
    """One incident's part: its line (kept or made now: what the items show
    of the incident, the digest of what the metrics read of it, its
    warnings alone, its mark and its text, tab-separated) and, once read,
    its items. The mark says whether the part has items and holds the
    digest of its text: a line the last build kept is read without its text
    (:meth:`ReportParts.part` reads it when an incident's items are asked
    for), and what the text shows is known from the mark. The fields are
    cut from the line when asked for."""

    __slots__ = ("incident", "notices", "line", "_tabs", "decoded")

    def __init__(
        self,
        incident: Incident,
        notices: Sequence[Notice],
        line: str,
        decoded: IncidentDeadlines | None,
    ) -> None:
        self.incident = incident
        self.notices = notices
        self.decoded = decoded
        self.read(line)

    def read(self, line: str) -> None:
        """Take ``line`` as the part's line (whole, or without its text)."""
        self.line = line
        first = line.index("\t")
        second = line.index("\t", first + 1)
        third = line.index("\t", second + 1)
        self._tabs = (first, second, third, line.find("\t", third + 1))

    @property
    def shown(self) -> str:
        return self.line[: self._tabs[0]]

    @property
    def metrics(self) -> str:
        return self.line[self._tabs[0] + 1 : self._tabs[1]]

    @property
    def warnings(self) -> str:
        return self.line[self._tabs[1] + 1 : self._tabs[2]]

    @property
    def mark(self) -> str:
        """Whether the part has items (``1`` or ``0``) and the SHA-256 of its text."""
        return self.head[self._tabs[2] + 1 :]

    @property
    def head(self) -> str:
        """The line without its text: what it shows, with its text's digest."""
        end = self._tabs[3]
        return self.line if end < 0 else self.line[:end]

    @property
    def held(self) -> bool:
        """Whether the part's text is held (not: read without it)."""
        return self._tabs[3] >= 0

    @property
    def text(self) -> str:
        if not self.held:
            raise LookupError("a part read without its text")
        return self.line[self._tabs[3] + 1 :]

    @property
    def has_items(self) -> bool:
        return self.line[self._tabs[2] + 1] == "1"


def _mark(text: str) -> str:
    """A part's mark (:attr:`_Part.mark`) from its text."""
    return ("0" if text.startswith("[[]") else "1") + text_digest(text)


@dataclass(frozen=True, eq=False)
class ReportParts:
    """Every incident's part of the report at ``now``, in the site's order,
    as text (kept by the last build or computed now), decoded on first use."""

    site: Site
    rulebook: RuleBook
    now: datetime
    zone: ZoneInfo
    parts: dict[str, _Part]  # by slug
    #: The parts for the next build, by the digest of their inputs: their
    #: lines (:class:`_Part`), ``None`` for the last build's line, as it is.
    kept: dict[str, str | None] = field(default_factory=dict)
    reused: int = 0
    #: The digest of each part's inputs, by slug (none for an incident not
    #: read from a file).
    inputs: dict[str, str] = field(default_factory=dict)
    #: The digest of what every part shares (:class:`Reuse`): the rules among it.
    rules: str = ""
    #: What reads the last build's lines whole (:attr:`Reuse.whole_lines`).
    whole_lines: Callable[[Collection[str]], Mapping[str, str]] | None = None

    @cached_property
    def digest(self) -> str:
        """Every part's text and what its items show of the incident, incident
        by incident, and the site-wide lint: everything the report's files
        show but its rules (the same for every part: :class:`Reuse`)."""
        digest = hashlib.sha256()
        for slug, part in self.parts.items():  # (what the items show, and the text's digest)
            digest.update(f"{slug}\0{part.head}\0".encode())
        lint = self._site_wide
        digest.update(json.dumps(lint, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        return digest.hexdigest()

    @cached_property
    def _site_wide(self) -> list[object]:
        """The site-wide lint (:func:`_site_wide_lint`) as plain data."""
        return [to_plain(e) for e in _site_wide_lint(self.site, self.rulebook, self.now)]

    @cached_property
    def lint_digest(self) -> str:
        """Everything the report's lint shows: each part's warnings, by
        incident, the notices (by which they are ordered) and the site-wide
        lint."""
        digest = hashlib.sha256()
        for slug, part in self.parts.items():
            digest.update(f"{slug}\0{part.warnings}\0".encode())
        notices = [[n.slug, n.name] for n in self.site.notices]
        plain = json.dumps([notices, self._site_wide], ensure_ascii=False, sort_keys=True)
        digest.update(plain.encode("utf-8"))
        return digest.hexdigest()

    @property
    def shown(self) -> dict[str, str]:
        """What the items show of each incident and its start (JSON text), by slug."""
        return {slug: part.shown for slug, part in self.parts.items()}

    @cached_property
    def metrics(self) -> dict[str, str]:
        """The digest of what the metrics read of each incident
        (:func:`~clarion.derive.incident_facts.metrics_text`), by slug."""
        return {slug: part.metrics for slug, part in self.parts.items()}

    def part(self, slug: str) -> IncidentDeadlines | None:
        """The part of the incident ``slug`` (``None``: no such incident)."""
        found = self.parts.get(slug)
        if found is None:
            return None
        if found.decoded is None:
            if not found.held:
                self._read_texts()
            decoded = decode(found.text, found.incident, self.rulebook) if found.held else None
            if decoded is None:  # not Clarion's text: computed, and its line not kept
                incident = found.incident
                decoded = incident_part(incident, found.notices, self.rulebook, self.now, self.zone)
                self.kept.pop(self.inputs.pop(slug, ""), None)  # (not kept: read again next time)
            found.decoded = decoded
        return found.decoded

    def _read_texts(self) -> None:
        """Read the text of every part read without it, in one pass over
        the last build's file: a build that asks for one part's items often
        asks for many (the whole report). A line that is not the one read
        before, with its text (the file changed since), is left: its part
        is computed when read."""
        cut = {self.inputs[s]: p for s, p in self.parts.items() if not p.held and s in self.inputs}
        lines = self.whole_lines(cut) if self.whole_lines is not None and cut else {}
        for key, part in cut.items():
            line = lines.get(key)
            if line is not None and line.startswith(part.line + "\t") and _whole(line):
                part.read(line)

    def _keys(self, slug: str) -> frozenset[str]:
        found = self.parts.get(slug)
        if found is None:
            return frozenset()
        if found.decoded is not None:
            return frozenset(o.key for o in found.decoded.obligations)
        if not found.has_items:
            return frozenset()
        part = self.part(slug)
        return frozenset(o.key for o in part.obligations) if part is not None else frozenset()

    @cached_property
    def by_key(self) -> Mapping[str, Obligation]:
        """Every item by its key, decoding only the parts of the incidents asked about."""
        return _ByKey(self)

    def lint(self) -> tuple[ContentError, ...] | None:
        """The report's lint, reading only the warnings of each part
        (``None``: a part's text does not decode)."""
        warnings: list[IncidentDeadlines] = []
        for part in self.parts.values():
            found = part.decoded or decode_warnings(part.warnings)
            if found is None:
                return None
            warnings.append(found)
        return _lint(self.site, self.rulebook, self.now, warnings)

    def report(self, warn_within: timedelta | None = None) -> DeadlineReport:
        """The whole report (every part decoded)."""
        parts = [self.part(slug) for slug in self.parts]
        report = _report(
            self.site, self.rulebook, self.now, self.zone, [p for p in parts if p], warn_within
        )
        return replace(report, digest=self.digest, kept=self.kept, reused=self.reused)


class _ByKey(Mapping[str, Obligation]):
    """The report's items by key (``<slug>/<rule>[/<n>]``), read part by part."""

    def __init__(self, parts: ReportParts) -> None:
        self._parts = parts

    def __getitem__(self, key: str) -> Obligation:
        part = self._parts.part(key.partition("/")[0])
        for o in part.obligations if part is not None else ():
            if o.key == key:
                return o
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._parts._keys(key.partition("/")[0])

    def __iter__(self) -> Iterator[str]:
        for slug in self._parts.parts:
            part = self._parts.part(slug)
            yield from (o.key for o in part.obligations) if part is not None else ()

    def __len__(self) -> int:
        return sum(1 for _ in self)


def report_parts(
    site: Site,
    rulebook: RuleBook,
    now: datetime,
    zone: ZoneInfo,
    reuse: Reuse,
    kept: dict[str, str | None] | None = None,
) -> ReportParts:
    """Every incident's part at ``now``: the text of those ``reuse`` holds
    for their inputs (not decoded), the others computed and encoded; the
    lines to keep for the next build go into ``kept`` (by input digest)."""
    by_slug = _notices_by_slug(site)
    parts: dict[str, _Part] = {}
    kept = {} if kept is None else kept
    key_of: dict[str, str] = {}
    reused = 0
    none: tuple[Notice, ...] = ()
    keys = [
        input_key(reuse, now, zone, incident, by_slug.get(incident.slug, none))
        for incident in site.incidents
    ]
    if reuse.keep_only is not None:  # (the last build's lines for other inputs are not read,
        # and those read are read without their texts: 800 bytes a part, rarely decoded)
        reuse.keep_only({key for key in keys if key is not None}, True)
    for incident, key in zip(site.incidents, keys, strict=True):
        notices = by_slug.get(incident.slug, none)
        line = reuse.previous.get(key) if key is not None else None
        if line is not None and _whole(line):
            reused += 1
            part = _Part(incident, notices, line, None)
        else:
            computed = incident_part(incident, notices, rulebook, now, zone)
            warnings = warnings_text(computed)
            text = encode(computed, warnings)
            made = (
                shown_text(incident),
                text_digest(metrics_text(incident)),
                warnings,
                _mark(text),
                text,
            )
            part = _Part(incident, notices, "\t".join(made), computed)
        parts[incident.slug] = part
        if key is not None:
            kept[key] = part.line if part.held else None  # (None: the file's line, as it is)
            key_of[incident.slug] = key
    return ReportParts(
        site, rulebook, now, zone, parts, kept, reused, key_of, reuse.rules, reuse.whole_lines
    )


def _whole(line: str) -> bool:
    """Whether a kept part's line looks whole (its fields JSON, its mark a
    flag and a digest, its text, when read with it, an array): it is
    decoded when first read, and computed then if it does not decode."""
    tabs = line.count("\t")
    if tabs not in (3, 4) or not line.startswith("["):
        return False
    fields = line.split("\t", 4)
    mark = fields[3]
    if len(mark) != 65 or mark[0] not in "01":
        return False
    return tabs == 3 or (fields[4].startswith("[") and fields[4].endswith("]"))


def _notices_by_slug(site: Site) -> dict[str, list[Notice]]:
    by_slug: dict[str, list[Notice]] = {}
    for notice in site.notices:
        by_slug.setdefault(notice.slug, []).append(notice)
    return by_slug


def _report(
    site: Site,
    rulebook: RuleBook,
    now: datetime,
    zone: ZoneInfo,
    parts: Sequence[IncidentDeadlines],
    warn_within: timedelta | None,
) -> DeadlineReport:
    items = [o for part in parts for o in part.obligations]
    items.sort(key=sort_key)
    return DeadlineReport(
        now=now,
        zone=zone,
        obligations=tuple(items),
        lint=_lint(site, rulebook, now, parts),
        warn_within=warn_within,
    )


def _lint(
    site: Site, rulebook: RuleBook, now: datetime, parts: Sequence[IncidentDeadlines]
) -> tuple[ContentError, ...]:
    """The report's lint in its order: the loader's warnings, each incident's
    own, the role warnings rule by rule, the notices' dates and rules, what
    notices lack (those of a notice whose incident is not published at
    ``now`` are site-wide: :func:`_site_wide_lint`)."""
    out = [w for w in site.warnings if isinstance(w, ContentError)]
    for part in parts:
        out.extend(part.lint)
    for rule_id in ROLE_RULES:
        out.extend(w for part in parts for tag, w in part.roles if tag == rule_id)
    own = {incident.slug: part for incident, part in zip(site.incidents, parts, strict=True)}
    for notice in site.notices:
        found = own.get(notice.slug)
        if found is None:
            out.extend(notice_lint(notice, None, rulebook, now))
        else:
            out.extend(w for tag, w in found.notices if tag == notice.name)
    for notice in site.notices:
        found = own.get(notice.slug)
        if found is None:
            out.extend(notice_content_lint(notice, rulebook, ()))
        else:
            out.extend(w for tag, w in found.content if tag == notice.name)
    return tuple(out)


def _site_wide_lint(site: Site, rulebook: RuleBook, now: datetime) -> list[ContentError]:
    """The part of the lint no incident's part holds: the loader's warnings
    and those of notices whose incident is not published at ``now``."""
    out = [w for w in site.warnings if isinstance(w, ContentError)]
    slugs = {incident.slug for incident in site.incidents}
    orphans = [notice for notice in site.notices if notice.slug not in slugs]
    for notice in orphans:
        out.extend(notice_lint(notice, None, rulebook, now))
    for notice in orphans:
        out.extend(notice_content_lint(notice, rulebook, ()))
    return out


def sort_key(o: Obligation) -> tuple[object, ...]:
    """The report's order: by state, due time, incident start and slug, key."""
    due = o.due_at.timestamp() if o.due_at else float("inf")
    return (o.state.rank, due, o.incident.started_at, o.incident.slug, o.key)
