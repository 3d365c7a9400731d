"""The site's update files, each read on its own.

:func:`read_update_files` walks ``updates/`` (sorted, recursively) and parses
every ``*.md`` file (unchanged ones come from the build cache);
:func:`reread_update_file` parses one of them again after it was saved and
returns the set with only that file's result replaced (``clarion serve``).
What spans files (comms, rules, runbooks) is checked afterwards, by
:func:`clarion.load.assemble_sources`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import SiteConfig
    from ..output.cache import BuildCache
from ..core.parallel import fork_map
from ..errors import ErrorCollector, SourceLocation, display_path
from ..model import Incident
from ..output.parsed_texts import compressor, hold_texts
from .incident import read_incident


@dataclass(frozen=True)
class UpdateFiles:
    """Every update file of a site and what reading it gave."""

    #: slug -> the file that holds it (display path), in file order; a
    #: second file with the same slug is left out (its error is in ``walk``)
    slugs: Mapping[str, str]
    #: display path -> (the incident, or ``None`` when the file has errors; its errors)
    parsed: Mapping[str, tuple[Incident | None, ErrorCollector]]
    #: problems found while walking the folder (duplicate slugs)
    walk: ErrorCollector


def read_update_files(
    config: SiteConfig, cache: BuildCache | None = None, workers: int = 1
) -> UpdateFiles:
    """Read every update file. With a ``cache``, files whose bytes are
    unchanged since the last build are not parsed again (their warnings come
    back all the same); with ``workers`` > 1 the others are parsed in worker
    processes (:mod:`clarion.core.parallel`). The result is the same."""
    walk = ErrorCollector()
    seen: dict[str, str] = {}
    parsed: dict[str, tuple[Incident | None, ErrorCollector]] = {}
    to_parse: list[tuple[Path, str]] = []
    for name, relpath in _update_files(config.updates_dir, config.root):
        base = os.path.basename(name)
        if base.lower() == "readme.md":
            continue
        slug = base[: base.rindex(".")] if base.rfind(".") > 0 else base  # as Path.stem
        if slug in seen:
            walk.error(
                SourceLocation(relpath, 1),
                f"duplicate slug '{slug}': also used by {seen[slug]}",
                expected="one file per slug (the file name is the slug)",
                hint="rename one of the two files",
            )
            continue
        seen[slug] = relpath
        cached = None
        if cache is not None:
            cached = cache.parsed_incident(relpath, name)
        if cached is not None:
            incident, warnings = cached
            replay = ErrorCollector()
            replay.warnings.extend(warnings)
            parsed[relpath] = (incident, replay)
        else:
            to_parse.append((Path(name), relpath))
    results = fork_map(_parse_files, config, to_parse, workers)
    for (_path, relpath), (digest, fresh, file_errors) in zip(to_parse, results, strict=True):
        parsed[relpath] = (fresh, file_errors)
        if fresh is not None and cache is not None:
            cache.store_incident(relpath, digest, fresh, file_errors.warnings)
    if cache is not None:
        cache.forget_missing(seen.values())
    return UpdateFiles(seen, {relpath: parsed[relpath] for relpath in seen.values()}, walk)


def _update_files(folder: Path, root: Path) -> list[tuple[str, str]]:
    """Every ``*.md`` under ``folder`` (links are not followed; the sources hold
    none), sorted as paths sort: its path, and its path relative to ``root``."""
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
        (path, f"{base}/{'/'.join(parts)}" if under else display_path(Path(path), root))
        for parts, path in found
    ]


def reread_update_file(
    config: SiteConfig, files: UpdateFiles, path: Path, cache: BuildCache | None = None
) -> UpdateFiles | None:
    """``files`` with the file at ``path`` read again, or ``None`` when that
    file is not one of them (a new, deleted or renamed file, a second file
    with a slug already taken, a file turned into a link): only reading the
    whole folder again gives the right answer then."""
    relpath = display_path(path, config.root)
    if relpath not in files.parsed or path.is_symlink() or not path.is_file():
        return None
    ((digest, incident, file_errors),) = _parse_files(config, [(path, relpath)])
    if incident is not None and cache is not None:
        cache.store_incident(relpath, digest, incident, file_errors.warnings)
    return replace(files, parsed={**files.parsed, relpath: (incident, file_errors)})


def _parse_files(
    config: SiteConfig, items: Sequence[tuple[Path, str]]
) -> list[tuple[str, Incident | None, ErrorCollector]]:
    """Parse a chunk of update files: (digest, incident or None, errors) each,
    each incident's texts held as their frame (:func:`hold_texts`)."""
    results = []
    compressing = compressor()
    for path, relpath in items:
        raw = path.read_bytes()
        file_errors = ErrorCollector()
        incident = read_incident(path, config, file_errors, relpath=relpath, raw=raw)
        digest = hashlib.sha256(raw).hexdigest()
        if incident is not None:
            hold_texts(incident, digest, compressing)
        results.append((digest, incident, file_errors))
    return results
