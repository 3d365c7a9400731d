"""One ``updates/<slug>.md`` from bytes to :class:`~clarion.model.Incident`.

The front-matter fields are read by :class:`~clarion.load.incident_fields.IncidentFieldReader`;
this module adds the file name check, the body's update sections and their
``Impact:`` lines, and puts the incident together.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import SiteConfig
from ..errors import ErrorCollector, SourceLocation, did_you_mean, display_path
from ..model import (
    INCIDENT_IMPACTS,
    INCIDENT_STAGES,
    MAINTENANCE_STAGES,
    Impact,
    Incident,
    Kind,
    Stage,
    Update,
)
from .frontmatter import FrontMatterError, split_front_matter
from .guards import decode_source
from .incident_fields import IncidentFieldReader, ReadingSettings
from .roles import read_roles
from .schema import TIME_EXPECTED, TimeError, check_keys, parse_time
from .sections import (
    UNCLOSED_COMMENT,
    RawSection,
    parse_impact_pairs,
    split_sections,
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
    reader = IncidentReader(path.stem, relpath, ReadingSettings.of(config), errors)
    return reader.read(text, hashlib.sha256(raw).hexdigest())


class IncidentReader(IncidentFieldReader):
    """Validates one incident file; every check reports and carries on."""

    def read(self, text: str, digest: str) -> Incident | None:
        self.check_slug()
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
        title = self.read_title(data)
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
                expected=(
                    "a '## 2026-11-20 14:05 UTC · Investigating' section or 'declared:' in the "
                    "front matter"
                ),
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

    def check_slug(self) -> None:
        """The file name is the slug, and the slug appears in URLs."""
        if not SLUG_RE.match(self.slug):
            suggestion = re.sub(r"[^a-z0-9_.-]+", "-", self.slug.lower()).strip("-.") or "incident"
            self.error(
                self.at(line=1),
                f"invalid file name: the slug '{self.slug}' appears in URLs",
                expected="lower-case letters, digits, '-', '_' and '.'",
                hint=f"rename the file to {suggestion}.md",
            )

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
                    expected=(
                        "'## <time with zone> · <stage>', e.g. '## 2026-11-20 14:05 UTC · "
                        "Investigating'"
                    ),
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
                    f"unknown stage '{section.stage_text}' for "
                    f"{kind.value if kind else 'an incident'}",
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
