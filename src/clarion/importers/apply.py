"""Write a :class:`~clarion.importers.plan.Plan`, all or nothing.

Every file is first read with Clarion's own loader (from memory, against
the new ``site.toml``) and written into a scratch folder next to the site;
only when all of it loads are the files moved into place, and ``site.toml``
last. Existing files are replaced only with ``--force``
(unchanged ones are left alone), and ``site.toml`` only grows: the new
tables are appended after its text, comments and all.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import SiteConfig, load_config
from ..core.parallel import default_workers, fork_map
from ..errors import ContentError, ContentErrors, ErrorCollector, UsageError
from ..load import read_incident
from .plan import Plan, PlannedFile


@dataclass(frozen=True)
class Outcome:
    new: int
    changed: int
    unchanged: int
    site_toml_changed: bool


def site_toml_diff(plan: Plan, config: SiteConfig) -> str:
    """A unified diff of the additions to ``site.toml`` ("" when none)."""
    if not plan.site_toml:
        return ""
    name = (config.source_dir / "site.toml").relative_to(config.root).as_posix()
    return "".join(
        difflib.unified_diff(
            plan.old_site_toml.splitlines(keepends=True),
            plan.site_toml.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
    )


def check_conflicts(plan: Plan, force: bool) -> None:
    changed = [f.relpath for f in plan.files if f.state == "changed"]
    if changed and not force:
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        raise UsageError(
            f"{len(changed)} file{'s' if len(changed) != 1 else ''} from an earlier import "
            f"would change: {shown}; nothing was written (pass --force to overwrite them)"
        )


def _check_files(
    inputs: tuple[SiteConfig, Sequence[PlannedFile]], indices: Sequence[int]
) -> list[ContentError]:
    """Read planned files with Clarion's loader, from memory: their errors.
    ``inputs``: the site as it will be and the files to check (workers inherit
    them; only indices travel)."""
    staged, files = inputs
    errors = ErrorCollector()
    for index in indices:
        planned = files[index]
        read_incident(
            staged.root / planned.relpath,
            staged,
            errors,
            relpath=f"{planned.relpath} (from {planned.item.origin})",
            raw=planned.text.encode("utf-8"),
        )
    return errors.errors


def _check(files: Sequence[PlannedFile], staged: SiteConfig) -> None:
    problems = fork_map(_check_files, (staged, files), range(len(files)), default_workers())
    if problems:
        raise ContentErrors(problems)


def apply_plan(plan: Plan, config: SiteConfig, *, force: bool) -> Outcome:
    """Check every file with the loader, write them into a scratch folder,
    then move them into place (``site.toml`` last)."""
    check_conflicts(plan, force)
    to_write = [f for f in plan.files if f.state != "unchanged"]
    scratch = Path(tempfile.mkdtemp(prefix=".clarion-import-", dir=config.root))
    try:
        site_dir = scratch / "site_src"
        site_dir.mkdir()
        (site_dir / "site.toml").write_text(plan.site_toml or plan.old_site_toml, encoding="utf-8")
        _check(to_write, replace(load_config(scratch), root=config.root))
        folders: set[Path] = set()
        for planned in to_write:
            staged = scratch / planned.relpath
            if staged.parent not in folders:
                staged.parent.mkdir(parents=True, exist_ok=True)
                folders.add(staged.parent)
            staged.write_bytes(planned.text.encode("utf-8"))
        for planned in to_write:
            destination = config.root / planned.relpath
            if destination.parent not in folders:
                destination.parent.mkdir(parents=True, exist_ok=True)
                folders.add(destination.parent)
            if planned.state == "changed":
                os.chmod(scratch / planned.relpath, destination.stat().st_mode & 0o777)
            os.replace(scratch / planned.relpath, destination)
        if plan.site_toml:
            staged_toml = site_dir / "site.toml"
            os.chmod(staged_toml, (config.source_dir / "site.toml").stat().st_mode & 0o777)
            os.replace(staged_toml, config.source_dir / "site.toml")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    counts = {
        state: sum(1 for f in plan.files if f.state == state)
        for state in ("new", "changed", "unchanged")
    }
    return Outcome(counts["new"], counts["changed"], counts["unchanged"], bool(plan.site_toml))
