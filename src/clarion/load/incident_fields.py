"""The front-matter fields of one update file, each read and checked on its own.

:class:`IncidentFieldReader` holds where the file is and what went wrong; every
check reports to the run's :class:`~clarion.errors.ErrorCollector` and carries
on, so one run names every problem of the file. :mod:`clarion.load.incident`
builds the whole :class:`~clarion.model.Incident` on top of it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from ..config import SiteConfig
from ..errors import ErrorCollector, SourceLocation, did_you_mean
from ..model import (
    ID_RE,
    INCIDENT_IMPACTS,
    SEVERITY_WORDS,
    Breach,
    Impact,
    Kind,
    Severity,
    Window,
)
from .breach import read_breach_mapping
from .schema import TIME_EXPECTED, TimeError, check_keys, parse_time


@dataclass(frozen=True)
class ReadingSettings:
    """All that reading one update file takes from the site's configuration:
    the zone of times written without one (``None`` when ``site.toml``
    names no time zone: such times are errors) and the component ids. The
    build cache keys each parsed file on :attr:`digest`, so an edit to
    ``site.toml`` that changes neither parses no file again."""

    zone: ZoneInfo | None
    component_ids: tuple[str, ...]

    @classmethod
    def of(cls, config: SiteConfig) -> ReadingSettings:
        zone = config.timezone if config.timezone_explicit else None
        return cls(zone=zone, component_ids=config.component_ids)

    @property
    def digest(self) -> str:
        zone = "" if self.zone is None else self.zone.key
        text = "\0".join([zone, *self.component_ids])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class IncidentFieldReader:
    """Reads the front-matter fields of one incident file; every check reports
    and carries on."""

    def __init__(self, slug: str, relpath: str, settings: ReadingSettings, errors: ErrorCollector):
        self.slug = slug
        self.relpath = relpath
        self.settings = settings
        self.errors = errors
        self.zone = settings.zone
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

    def read_title(self, data: Mapping[str, object]) -> str:
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
                hint=(
                    'put the title in quotes: title: "..." (yes, no, numbers and [..] are not text)'
                ),
            )
            title = ""
        return title

    def read_severity(self, data: Mapping[str, object], kind: Kind | None) -> Severity | None:
        value = data.get("severity")
        if value is None:
            if kind is Kind.INCIDENT:
                self.error(
                    self.at(line=1),
                    "the incident has no severity",
                    expected="severity: SEV0, SEV1, SEV2 or SEV3 (P0-P3 are aliases)",
                    hint=(
                        "SEV0 critical outage, SEV1 major degradation, SEV2 minor, SEV3 low impact"
                    ),
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
        ids = self.settings.component_ids
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
                expected=(
                    "a mapping of component id to impact, e.g.\n    components:\n      api: "
                    "partial_outage"
                ),
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
