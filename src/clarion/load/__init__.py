"""Read a site's sources into the typed model, collecting every error.

``load_site(config)`` walks ``updates/`` (sorted, recursively),
``site_src/pages/`` and the comms folder (notices and breach sidecars); each
file is validated on its own and all problems of a run are raised together as
one :class:`~clarion.errors.ContentErrors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from ..config import SiteConfig
    from ..output.cache import BuildCache
from ..errors import ContentErrors, ErrorCollector
from ..model import Incident, Site
from ..rules import RuleBook, load_rules
from .breach import read_breach_mapping
from .frontmatter import parse_yaml_with_lines
from .incident import read_incident
from .links import check_no_links
from .notices import check_breach_references, load_comms
from .pages import read_pages
from .runbooks import check_runbook_references, read_runbooks, runbooks_dir
from .updates import UpdateFiles, read_update_files, reread_update_file


@dataclass(frozen=True)
class Sources:
    """Everything a build reads: the site's model and its rulebook (the shipped
    rules with the site's ``[rules]`` settings), read once, and the update
    files it was made from (``clarion serve`` reads one of them again)."""

    site: Site
    rulebook: RuleBook
    files: UpdateFiles


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
    kept = cache.folder if cache is not None else None
    return assemble_sources(config, read_sources(config, cache, workers), kept)


def read_sources(
    config: SiteConfig, cache: BuildCache | None = None, workers: int = 1
) -> UpdateFiles:
    """The first half of :func:`load_sources`: no source may be a link (else
    ``ContentErrors``), then every update file is read, each on its own."""
    errors = ErrorCollector()
    source_folders = [config.updates_dir, config.source_dir, config.templates_dir]
    source_folders += [config.paths.comms, runbooks_dir(config.root)]
    check_no_links(source_folders, config.root, errors)
    errors.raise_if_any()
    return read_update_files(config, cache, workers)


def assemble_sources(config: SiteConfig, files: UpdateFiles, kept: Path | None = None) -> Sources:
    """The site made of its update ``files`` and everything read with them:
    extra pages, the rulebook, notices and breach sidecars, runbooks; every
    check that spans files runs here. Raises ``ContentErrors`` with every
    problem of every file. ``kept``: the build cache folder (the shipped
    rulebook's data is kept there)."""
    errors = ErrorCollector()
    errors.extend(files.walk)
    incidents: list[Incident] = []
    for relpath in files.slugs.values():
        found, file_errors = files.parsed[relpath]
        errors.extend(file_errors)
        if found is not None:
            incidents.append(found)
    pages = read_pages(config, errors)
    # Notices, breach sidecars and every rule id they name, with the site's
    # [rules] settings: checked here so one run reports every problem.
    rulebook = load_rules(config, errors, kept)
    incidents, notices = load_comms(config, incidents, files.slugs, rulebook.ids, errors)
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
    return Sources(site, rulebook, files)


__all__ = [
    "Sources",
    "UpdateFiles",
    "assemble_sources",
    "load_site",
    "load_sources",
    "read_incident",
    "read_sources",
    "read_update_files",
    "reread_update_file",
    "read_breach_mapping",
    "parse_yaml_with_lines",
    "ContentErrors",
]
