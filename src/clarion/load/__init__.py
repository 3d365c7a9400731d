"""Read a site's sources into the typed model, collecting every error.

``load_site(config)`` walks ``updates/`` (sorted, recursively),
``site_src/pages/`` and the comms folder (notices and breach sidecars); each
file is validated on its own and all problems of a run are raised together as
one :class:`~clarion.errors.ContentErrors`.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from ..cache import BuildCache
    from ..config import SiteConfig
from ..errors import ContentErrors, ErrorCollector, SourceLocation, did_you_mean, display_path
from ..model import (
    ID_RE,
    INCIDENT_IMPACTS,
    INCIDENT_STAGES,
    MAINTENANCE_STAGES,
    SEVERITY_WORDS,
    Breach,
    Impact,
    Incident,
    Kind,
    Page,
    Severity,
    Site,
    Stage,
    Update,
    Window,
)
from ..parallel import fork_map
from ..rules import RuleBook, load_rules
from .breach import read_breach_mapping
from .frontmatter import FrontMatterError, parse_yaml_with_lines, split_front_matter
from .guards import decode_source
from .links import check_no_links
from .notices import check_breach_references, load_comms
from .roles import read_roles
from .runbooks import check_runbook_references, read_runbooks, runbooks_dir
from .schema import TIME_EXPECTED, TimeError, check_keys, parse_time
from .sections import (
    UNCLOSED_COMMENT,
    RawSection,
    parse_impact_pairs,
    split_sections,
    strip_comments,
    unclosed_comment,
)

INCIDENT_KEYS = (
    "title",
    "kind",
    "severity",
    "components",
    "detected",
    "acknowledged",
    "declared",
    "customers_affected",
    "public",
    "breach",
    "window",
    "private",
    "runbooks",
    "statuspage_id",
    "imported",
    "roles",
)
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$")
_STAGE_WORDS = {s.value: s for s in Stage}


@dataclass(frozen=True)
class Sources:
    """Everything a build reads: the site's model and its rulebook (the shipped
    rules with the site's ``[rules]`` settings), read once."""

    site: Site
    rulebook: RuleBook


def load_site(config: SiteConfig, cache: BuildCache | None = None, workers: int = 1) -> Site:
    """The site's model alone (see :func:`load_sources`)."""
    return load_sources(config, cache, workers).site


def load_sources(config: SiteConfig, cache: BuildCache | None = None, workers: int = 1) -> Sources:
    """Load every incident, maintenance and extra page of the site, and its rulebook.

    With a ``cache``, files whose bytes are unchanged since the last build are
    not parsed again (their warnings are reported again all the same). With
    ``workers`` > 1, the other files are parsed in worker processes
    (:mod:`clarion.parallel`); the result is the same.
    """
    errors = ErrorCollector()
    source_folders = [config.updates_dir, config.source_dir, config.templates_dir]
    source_folders += [config.paths.comms, runbooks_dir(config.root)]
    check_no_links(source_folders, config.root, errors)
    errors.raise_if_any()
    seen: dict[str, str] = {}
    parsed: dict[str, tuple[Incident | None, ErrorCollector]] = {}
    to_parse: list[tuple[Path, str]] = []
    updates_dir = config.updates_dir
    files = sorted(updates_dir.rglob("*.md")) if updates_dir.is_dir() else []
    for path in files:
        relpath = display_path(path, config.root)
        if path.name.lower() == "readme.md":
            continue
        slug = path.stem
        if slug in seen:
            errors.error(
                SourceLocation(relpath, 1),
                f"duplicate slug '{slug}': also used by {seen[slug]}",
                expected="one file per slug (the file name is the slug)",
                hint="rename one of the two files",
            )
            continue
        seen[slug] = relpath
        cached = None
        if cache is not None:
            cached = cache.parsed_incident(relpath, hashlib.sha256(path.read_bytes()).hexdigest())
        if cached is not None:
            incident, warnings = cached
            replay = ErrorCollector()
            replay.warnings.extend(warnings)
            parsed[relpath] = (incident, replay)
        else:
            to_parse.append((path, relpath))
    results = fork_map(_parse_files, config, to_parse, workers)
    for (_path, relpath), (digest, fresh, file_errors) in zip(to_parse, results, strict=True):
        parsed[relpath] = (fresh, file_errors)
        if fresh is not None and cache is not None:
            cache.store_incident(relpath, digest, fresh, file_errors.warnings)
    incidents: list[Incident] = []
    for relpath in seen.values():
        found, file_errors = parsed[relpath]
        errors.extend(file_errors)
        if found is not None:
            incidents.append(found)
    if cache is not None:
        cache.forget_missing(seen.values())
    pages = _read_pages(config, errors)
    # Notices, breach sidecars and every rule id they name, with the site's
    # [rules] settings: checked here so one run reports every problem.
    rulebook = load_rules(config, errors)
    incidents, notices = load_comms(config, incidents, seen, rulebook.ids, errors)
    check_breach_references(incidents, rulebook, errors)
    runbooks = read_runbooks(config.root, errors)
    check_runbook_references(
        {i.slug: i.runbooks for i in incidents if i.runbooks},
        {i.slug: (i.source_path, i.lines.get("runbooks")) for i in incidents if i.runbooks},
        tuple(r.id for r in runbooks),
        errors,
    )
    errors.raise_if_any()
    incidents.sort(key=lambda i: (i.started_at, i.slug))
    site = Site(
        incidents=tuple(incidents),
        pages=tuple(pages),
        notices=tuple(notices),
        runbooks=tuple(runbooks),
        warnings=tuple(errors.warnings),
    )
    return Sources(site, rulebook)


def _parse_files(
    config: SiteConfig, items: Sequence[tuple[Path, str]]
) -> list[tuple[str, Incident | None, ErrorCollector]]:
    """Parse a chunk of update files: (digest, incident or None, errors) each."""
    results = []
    for path, relpath in items:
        raw = path.read_bytes()
        file_errors = ErrorCollector()
        incident = read_incident(path, config, file_errors, relpath=relpath, raw=raw)
        results.append((hashlib.sha256(raw).hexdigest(), incident, file_errors))
    return results


def read_incident(
    path: Path,
    config: SiteConfig,
    errors: ErrorCollector,
    *,
    relpath: str | None = None,
    raw: bytes | None = None,
) -> Incident | None:
    """Read one ``updates/<slug>.md``; report problems to ``errors``."""
    relpath = relpath or display_path(path, config.root)
    if raw is None:
        raw = path.read_bytes()
    text = decode_source(raw, relpath, errors)
    if text is None:
        return None
    reader = _IncidentReader(path.stem, relpath, config, errors)
    return reader.read(text, hashlib.sha256(raw).hexdigest())


class _IncidentReader:
    """Validates one incident file; every check reports and carries on."""

    def __init__(self, slug: str, relpath: str, config: SiteConfig, errors: ErrorCollector):
        self.slug = slug
        self.relpath = relpath
        self.config = config
        self.errors = errors
        self.zone: ZoneInfo | None = config.timezone if config.timezone_explicit else None
        self.lines: dict[str, int] = {}
        self.failed = False

    def at(self, key: str | None = None, line: int | None = None) -> SourceLocation:
        if line is None and key is not None:
            line = self.lines.get(key)
            while line is None and "." in key:
                key = key.rsplit(".", 1)[0]
                line = self.lines.get(key)
        return SourceLocation(self.relpath, line)

    def error(self, location: SourceLocation, message: str, **kw: str | None) -> None:
        self.failed = True
        self.errors.error(location, message, **kw)

    def read(self, text: str, digest: str) -> Incident | None:
        if not SLUG_RE.match(self.slug):
            suggestion = re.sub(r"[^a-z0-9_.-]+", "-", self.slug.lower()).strip("-.") or "incident"
            self.error(
                self.at(line=1),
                f"invalid file name: the slug '{self.slug}' appears in URLs",
                expected="lower-case letters, digits, '-', '_' and '.'",
                hint=f"rename the file to {suggestion}.md",
            )
        try:
            front = split_front_matter(text)
        except FrontMatterError as exc:
            self.error(self.at(line=exc.line), str(exc), hint=exc.hint)
            return None
        data, self.lines = front.data, front.lines
        check_keys(
            data,
            INCIDENT_KEYS,
            where="the front matter",
            locate=lambda k: self.at(k),
            errors=self.errors,
        )
        if any(k not in INCIDENT_KEYS for k in data):
            self.failed = True

        kind = self.read_kind(data)
        title = data.get("title")
        if title is None or (isinstance(title, str) and not title.strip()):
            self.error(
                self.at(line=1),
                "the front matter has no title",
                expected="title: A short public headline",
            )
            title = ""
        elif not isinstance(title, str):
            self.error(
                self.at("title"),
                f"title: got {title!r}",
                expected="text",
                hint='put the title in quotes: title: "..." (yes, no, numbers and [..] are not text)',
            )
            title = ""
        severity = self.read_severity(data, kind)
        components = self.read_components(data.get("components"), kind)
        declared = self.read_time(data, "declared")
        detected = self.read_time(data, "detected")
        acknowledged = self.read_time(data, "acknowledged")
        customers_affected = self.read_bool(data, "customers_affected", False)
        public = self.read_bool(data, "public", True)
        window = self.read_window(data.get("window"), kind)
        breach = self.read_breach(data.get("breach"))
        runbooks = self.read_runbook_ids(data.get("runbooks"))
        statuspage_id = self.read_statuspage_id(data.get("statuspage_id"))
        imported = self.read_imported(data.get("imported"))
        roles = read_roles(data.get("roles"), self.at, self.error)
        unclosed = unclosed_comment(front.body)
        if unclosed is not None:
            self.error(
                self.at(line=front.body_line + unclosed),
                UNCLOSED_COMMENT,
                expected="<!-- a comment -->",
                hint="close the comment with '-->' where it should end",
            )
        summary, raw_sections = split_sections(front.body, front.body_line)
        updates = self.read_updates(raw_sections, kind)
        if kind is Kind.INCIDENT and not raw_sections and declared is None:
            self.error(
                self.at(line=front.body_line),
                "the incident has neither a 'declared' time nor any update",
                expected="a '## 2026-11-20 14:05 UTC · Investigating' section or 'declared:' in the front matter",
            )
        if self.failed:
            return None
        assert kind is not None
        return Incident(
            slug=self.slug,
            kind=kind,
            title=title.strip(),
            severity=severity,
            components=components,
            updates=tuple(updates),
            summary=summary,
            declared_at=declared,
            detected_at=detected,
            acknowledged_at=acknowledged,
            customers_affected=customers_affected,
            public=public,
            breach=breach,
            window=window,
            statuspage_id=statuspage_id,
            imported=imported,
            roles=roles,
            source_path=self.relpath,
            lines=dict(self.lines),
            digest=digest,
            runbooks=runbooks,
        )

    # -- front-matter fields -------------------------------------------------

    def read_kind(self, data: Mapping[str, object]) -> Kind | None:
        value = data.get("kind", "incident")
        try:
            return Kind(str(value).strip().lower())
        except ValueError:
            self.error(
                self.at("kind"),
                f"kind: got {value!r}",
                expected="incident or maintenance",
                hint=did_you_mean(str(value), [k.value for k in Kind]),
            )
            return None

    def read_severity(self, data: Mapping[str, object], kind: Kind | None) -> Severity | None:
        value = data.get("severity")
        if value is None:
            if kind is Kind.INCIDENT:
                self.error(
                    self.at(line=1),
                    "the incident has no severity",
                    expected="severity: SEV0, SEV1, SEV2 or SEV3 (P0-P3 are aliases)",
                    hint="SEV0 critical outage, SEV1 major degradation, SEV2 minor, SEV3 low impact",
                )
            return None
        try:
            return Severity.parse(str(value))
        except ValueError:
            self.error(
                self.at("severity"),
                f"severity: got {value!r}",
                expected="one of: " + ", ".join(SEVERITY_WORDS),
                hint=did_you_mean(str(value).upper(), SEVERITY_WORDS),
            )
            return None

    def check_component(self, component_id: object, location: SourceLocation) -> bool:
        ids = self.config.component_ids
        if component_id in ids:
            return True
        self.error(
            location,
            f"unknown component '{component_id}'",
            expected="a component id from site_src/site.toml: " + ", ".join(ids),
            hint=did_you_mean(str(component_id), ids)
            or (
                f"add [components.{component_id}] to site_src/site.toml"
                if ID_RE.match(str(component_id))
                else "component ids are lower-case letters, digits, '-' and '_'"
            ),
        )
        return False

    def read_impact(
        self, word: object, location: SourceLocation, allowed: tuple[Impact, ...]
    ) -> Impact | None:
        text = str(word).strip().lower().replace(" ", "_").replace("-", "_")
        try:
            impact = Impact(text)
            if impact in allowed:
                return impact
        except ValueError:
            pass
        words = [i.value for i in allowed]
        self.error(
            location,
            f"got impact '{word}'",
            expected="one of: " + ", ".join(words),
            hint=did_you_mean(text, words),
        )
        return None

    def read_components(self, value: object, kind: Kind | None) -> dict[str, Impact]:
        if value is None:
            return {}
        result: dict[str, Impact] = {}
        if kind is Kind.MAINTENANCE and isinstance(value, list):
            for index, cid in enumerate(value):
                if self.check_component(cid, self.at(f"components.{index}")):
                    result[str(cid)] = Impact.UNDER_MAINTENANCE
            return result
        if not isinstance(value, dict):
            self.error(
                self.at("components"),
                f"components: got {value!r}",
                expected="a mapping of component id to impact, e.g.\n    components:\n      api: partial_outage",
            )
            return {}
        allowed = (Impact.UNDER_MAINTENANCE,) if kind is Kind.MAINTENANCE else INCIDENT_IMPACTS
        for cid, word in value.items():
            location = self.at(f"components.{cid}")
            known = self.check_component(cid, location)  # the impact is checked either way
            if kind is Kind.MAINTENANCE and word in (None, "", "under_maintenance"):
                if known:
                    result[str(cid)] = Impact.UNDER_MAINTENANCE
                continue
            impact = self.read_impact(word, location, allowed)
            if impact is not None and known:
                result[str(cid)] = impact
        return result

    def read_time(self, data: Mapping[str, object], key: str, prefix: str = "") -> datetime | None:
        value = data.get(key)
        if value is None:
            return None
        try:
            return parse_time(value, self.zone)
        except TimeError as exc:
            self.error(
                self.at(prefix + key),
                f"{prefix}{key}: {exc}",
                expected=TIME_EXPECTED,
                hint=None
                if self.zone
                else "add a zone to the time, or set [site] timezone in site_src/site.toml",
            )
            return None

    def read_imported(self, value: object) -> str | None:
        """``imported: statuspage``: the incident's history was written in
        another tool (``clarion import`` sets it)."""
        if value is None:
            return None
        if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", value):
            return value
        self.error(
            self.at("imported"),
            f"imported: got {value!r}",
            expected="the name of the tool it came from, e.g. imported: statuspage",
        )
        return None

    def read_statuspage_id(self, value: object) -> str | None:
        if value is None:
            return None
        if (
            isinstance(value, (str, int))
            and not isinstance(value, bool)
            and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", str(value))
        ):
            return str(value)
        self.error(
            self.at("statuspage_id"),
            f"statuspage_id: got {value!r}",
            expected="the incident's id on Statuspage (letters and digits, e.g. 8q8jx2bj4k7y)",
        )
        return None

    def read_bool(self, data: Mapping[str, object], key: str, default: bool) -> bool:
        value = data.get(key, default)
        if isinstance(value, bool):
            return value
        self.error(self.at(key), f"{key}: got {value!r}", expected="true or false")
        return default

    def read_runbook_ids(self, value: object) -> tuple[str, ...]:
        """``runbooks: [db-failover]``: ids only; whether each names a file of
        ``runbooks/`` is checked once every file is read."""
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            self.error(
                self.at("runbooks"),
                f"runbooks: got {value!r}",
                expected="a list of runbook ids, e.g. runbooks: [db-failover]",
            )
            return ()
        return tuple(dict.fromkeys(i.strip() for i in items if i.strip()))

    def read_window(self, value: object, kind: Kind | None) -> Window | None:
        if kind is not Kind.MAINTENANCE:
            if value is not None:
                self.error(
                    self.at("window"),
                    "only maintenance has a window",
                    hint="add 'kind: maintenance' or remove 'window'",
                )
            return None
        if not isinstance(value, dict):
            self.error(
                self.at("window") if value is not None else self.at(line=1),
                "maintenance needs a window",
                expected="window: {start: 2026-12-01T02:00:00Z, end: 2026-12-01T04:00:00Z}",
            )
            return None
        check_keys(
            value,
            ("start", "end"),
            where="window",
            locate=lambda k: self.at(f"window.{k}"),
            errors=self.errors,
        )
        start = self.read_time(value, "start", "window.")
        end = self.read_time(value, "end", "window.")
        if start is None or end is None:
            if value.get("start") is None or value.get("end") is None:
                self.error(
                    self.at("window"),
                    "the window needs both start and end",
                    expected="window: {start: ..., end: ...}",
                )
            return None
        if end <= start:
            self.error(
                self.at("window.end"),
                "the window ends before it starts",
                expected="end after start",
            )
            return None
        return Window(start=start, end=end)

    def read_breach(self, value: object) -> Breach | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(
                self.at("breach"),
                f"breach: got {value!r}",
                expected="a mapping such as\n    breach:\n      aware: 2026-11-20T16:00:00Z",
            )
            return None
        breach = read_breach_mapping(
            value, self.lines, "breach.", self.relpath, self.zone, self.errors
        )
        if breach is None:
            self.failed = True
        return breach

    # -- update sections ------------------------------------------------------

    def read_updates(self, sections: list[RawSection], kind: Kind | None) -> list[Update]:
        allowed = MAINTENANCE_STAGES if kind is Kind.MAINTENANCE else INCIDENT_STAGES
        words = [s.value for s in allowed]
        updates: list[Update] = []
        previous: datetime | None = None
        for section in sections:
            location = self.at(line=section.line)
            if section.time_text is None:
                self.error(
                    location,
                    f"the heading '## {section.heading}' is not an update",
                    expected="'## <time with zone> · <stage>', e.g. '## 2026-11-20 14:05 UTC · Investigating'",
                    hint="use '###' for headings inside an update",
                )
                continue
            # the time, the stage and the Impact: line are checked independently
            at: datetime | None = None
            try:
                at = parse_time(section.time_text, self.zone)
            except TimeError as exc:
                self.error(
                    location,
                    f"update heading: {exc}",
                    expected=TIME_EXPECTED,
                    hint=None
                    if self.zone
                    else "add a zone (UTC, +01:00, Europe/Berlin) or set [site] timezone",
                )
            stage_text = section.stage_text or ""  # set whenever the time is
            stage_key = stage_text.strip().lower().replace(" ", "_").replace("-", "_")
            stage = _STAGE_WORDS.get(stage_key)
            if stage not in allowed:
                self.error(
                    location,
                    f"unknown stage '{section.stage_text}' for {kind.value if kind else 'an incident'}",
                    expected="one of: " + ", ".join(words),
                    hint=did_you_mean(stage_key, words),
                )
            impact = None
            if section.impact_text is not None:
                impact = self.read_impact_line(
                    section.impact_text, SourceLocation(self.relpath, section.impact_line), kind
                )
            if at is None or stage is None or stage not in allowed:
                continue
            if previous is not None and at < previous:
                self.error(
                    location,
                    "updates are out of time order",
                    expected=f"a time at or after the previous update ({previous.isoformat()})",
                    hint="move this section so that updates read oldest first",
                )
            previous = at if previous is None or at > previous else previous
            updates.append(
                Update(
                    at=at,
                    stage=stage,
                    body=section.body,
                    impact=impact,
                    line=section.line,
                    position=len(updates),
                )
            )
        return updates

    def read_impact_line(
        self, text: str, location: SourceLocation, kind: Kind | None
    ) -> dict[str, Impact] | None:
        if kind is Kind.MAINTENANCE:
            self.error(
                location,
                "maintenance updates take no 'Impact:' line",
                hint="components are under maintenance while the window is open",
            )
            return None
        try:
            pairs = parse_impact_pairs(text)
        except ValueError as bad:
            self.error(
                location,
                f"cannot read '{bad}' in the Impact: line",
                expected="Impact: api=degraded_performance, dashboard=operational",
            )
            return None
        result: dict[str, Impact] = {}
        for cid, word in pairs:
            known = self.check_component(cid, location)  # the impact is checked either way
            impact = self.read_impact(word, location, INCIDENT_IMPACTS)
            if impact is not None and known:
                result[cid] = impact
        return result


def _front_matter_line(path: str, lines: Mapping[str, int], key: str) -> SourceLocation:
    return SourceLocation(path, lines.get(key))


def _read_pages(config: SiteConfig, errors: ErrorCollector) -> list[Page]:
    pages_dir = config.source_dir / "pages"
    if not pages_dir.is_dir():
        return []
    pages = []
    for path in sorted(pages_dir.glob("*.md")):
        relpath = display_path(path, config.root)
        text = decode_source(path.read_bytes(), relpath, errors)
        if text is None:
            continue
        name = path.stem
        if not SLUG_RE.match(name):
            errors.error(
                SourceLocation(relpath, 1),
                f"invalid page name '{name}'",
                expected="lower-case letters, digits, '-' and '_'",
            )
            continue
        title, body = name.replace("-", " ").capitalize(), text
        if text.startswith("---\n"):
            try:
                front = split_front_matter(text)
            except FrontMatterError as exc:
                errors.error(SourceLocation(relpath, exc.line), str(exc), hint=exc.hint)
                continue
            check_keys(
                front.data,
                ("title",),
                where="the page's front matter",
                locate=functools.partial(_front_matter_line, relpath, front.lines),
                errors=errors,
            )
            if not isinstance(front.data.get("title", title), str):
                errors.error(
                    SourceLocation(relpath, front.lines.get("title")),
                    f"title: got {front.data['title']!r}",
                    expected="text",
                    hint='put the title in quotes: title: "..."',
                )
                continue
            title = str(front.data.get("title", title))
            body = front.body
        unclosed = unclosed_comment(body)
        if unclosed is not None:
            line = text.count("\n", 0, len(text) - len(body)) + unclosed + 1
            errors.error(
                SourceLocation(relpath, line), UNCLOSED_COMMENT, hint="close it with '-->'"
            )
            continue
        pages.append(Page(name=name, title=title, body=strip_comments(body), source_path=relpath))
    return pages


__all__ = [
    "Sources",
    "load_site",
    "load_sources",
    "read_incident",
    "read_breach_mapping",
    "parse_yaml_with_lines",
    "ContentErrors",
]
