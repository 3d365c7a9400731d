"""``clarion init``: the scaffold of a new site, written from the package data."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..errors import UsageError
from .common import _write_atomic

SCAFFOLD = "scaffold"
_TEMPLATE_SUFFIX = ".tmpl"
_DOT_PREFIX = "dot-"  # package data skips dotfiles: ``dot-gitignore`` becomes ``.gitignore``


@dataclass(frozen=True, slots=True)
class ScaffoldFile:
    relpath: str  # in the new site, ``/`` separators
    data: bytes


def scaffold_files(now: datetime) -> list[ScaffoldFile]:
    """The files ``clarion init`` writes, from the package data under
    ``clarion/scaffold/``. ``*.tmpl`` files get ``${date}`` (the day before
    ``now``, UTC) filled in; ``DATE`` in a file name is that date too, so the
    example incident always lies in the recent past."""
    day = (now.astimezone(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    files: list[ScaffoldFile] = []

    def walk(node: Traversable, parts: tuple[str, ...]) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            name = child.name
            if name.startswith((".", "__")):
                continue
            if name.startswith(_DOT_PREFIX):
                name = "." + name[len(_DOT_PREFIX) :]
            if child.is_dir():
                walk(child, (*parts, name))
                continue
            data = child.read_bytes()
            if name.endswith(_TEMPLATE_SUFFIX):
                name = name[: -len(_TEMPLATE_SUFFIX)].replace("DATE", day)
                data = string.Template(data.decode("utf-8")).substitute(date=day).encode("utf-8")
            files.append(ScaffoldFile("/".join((*parts, name)), data))

    walk(resources.files("clarion").joinpath(SCAFFOLD), ())
    return sorted(files, key=lambda f: f.relpath)


def workflow_files(
    files: Sequence[ScaffoldFile], clarion_source: str, deadline_schedule: str | None
) -> list[ScaffoldFile]:
    """``files`` with the workflows customised for the Clarion running now."""
    from ..github.publishing import WORKFLOW_FOLDER, customise_workflow, running_clarion

    pin = running_clarion()
    return [
        ScaffoldFile(
            f.relpath,
            customise_workflow(
                f.relpath,
                f.data.decode("utf-8"),
                pin=pin,
                source=clarion_source,
                deadline_schedule=deadline_schedule,
            ).encode("utf-8"),
        )
        if f.relpath.startswith(WORKFLOW_FOLDER)
        else f
        for f in files
    ]


@dataclass(frozen=True, slots=True)
class InitResult:
    root: Path
    created: tuple[str, ...]
    replaced: tuple[str, ...]


def init_site(
    target: Path,
    *,
    now: datetime,
    force: bool = False,
    deadline_schedule: str | None = None,
    clarion_source: str = "action",
) -> InitResult:
    """Scaffold a status site in ``target`` (created if missing).

    Existing files are never overwritten unless ``force``; other files already
    in ``target`` are left alone, so a site can be added to an existing repository.
    The CI workflows install this Clarion (its version, and its commit when it
    runs from a git checkout) from ``clarion_source``; ``deadline_schedule`` names
    how often the deadline workflow runs (:data:`clarion.github.publishing.DEADLINE_SCHEDULES`).
    """
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    files = workflow_files(scaffold_files(now), clarion_source, deadline_schedule)
    existing = [f.relpath for f in files if (target / f.relpath).exists()]
    if existing and not force:
        shown = ", ".join(existing[:8]) + (
            f" and {len(existing) - 8} more" if len(existing) > 8 else ""
        )
        raise UsageError(
            f"{target} already has {shown}; nothing was written.\n"
            "  hint: pass --force to overwrite these files, or choose an empty folder"
        )
    for item in files:
        _write_atomic(target / item.relpath, item.data)
    return InitResult(
        root=target,
        created=tuple(f.relpath for f in files if f.relpath not in existing),
        replaced=tuple(existing),
    )
