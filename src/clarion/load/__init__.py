"""Read a site's sources into the typed model, collecting every error.

``load_site(config)`` walks ``updates/`` (sorted, recursively),
``site_src/pages/`` and the comms folder (notices and breach sidecars); each
file is validated on its own and all problems of a run are raised together as
one :class:`~clarion.errors.ContentErrors`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import SiteConfig
    from ..output.cache import BuildCache
from ..core.parallel import fork_map
from ..errors import ContentErrors, ErrorCollector, SourceLocation, display_path
from ..model import Incident, Site
from ..rules import RuleBook, load_rules
from .breach import read_breach_mapping
from .frontmatter import parse_yaml_with_lines
from .incident import read_incident
from .links import check_no_links
from .notices import check_breach_references, load_comms
from .pages import read_pages
from .runbooks import check_runbook_references, read_runbooks, runbooks_dir


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
    (:mod:`clarion.core.parallel`); the result is the same.
    """
    errors = ErrorCollector()
    source_folders = [config.updates_dir, config.source_dir, config.templates_dir]
    source_folders += [config.paths.comms, runbooks_dir(config.root)]
    check_no_links(source_folders, config.root, errors)
    errors.raise_if_any()
    seen: dict[str, str] = {}
    parsed: dict[str, tuple[Incident | None, ErrorCollector]] = {}
    to_parse: list[tuple[Path, str]] = []
    for path, relpath in _update_files(config.updates_dir, config.root):
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
            cached = cache.parsed_incident(relpath, cache.source_digest(path))
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
    pages = read_pages(config, errors)
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


def _update_files(folder: Path, root: Path) -> list[tuple[Path, str]]:
    """Every ``*.md`` under ``folder`` (links are not followed; the sources hold
    none), sorted as paths sort, with its path relative to ``root``."""
    found: list[tuple[list[str], str]] = []
    pending: list[tuple[str, list[str]]] = [(str(folder), [])]
    while pending:
        where, parts = pending.pop()
        try:
            entries = os.scandir(where)
        except OSError:
            continue  # no such folder (or not one): no files there
        with entries:
            for entry in entries:
                here = [*parts, entry.name]
                if entry.name.endswith(".md"):
                    found.append((here, entry.path))
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, here))
    found.sort(key=lambda item: item[0])
    base = display_path(folder, root)
    under = str(folder).startswith(str(root).rstrip(os.sep) + os.sep)
    return [
        (Path(path), f"{base}/{'/'.join(parts)}" if under else display_path(Path(path), root))
        for parts, path in found
    ]


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


__all__ = [
    "Sources",
    "load_site",
    "load_sources",
    "read_incident",
    "read_breach_mapping",
    "parse_yaml_with_lines",
    "ContentErrors",
]
