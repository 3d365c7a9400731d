"""Write a :class:`~clarion.importers.plan.Plan`, all or nothing.

Every file is first written into a scratch copy of the site (its new
``site.toml`` and the new ``updates/`` files) and read back with Clarion's
own loader; only when all of it loads are the files moved into place, and
``site.toml`` last. Existing files are replaced only with ``--force``
(unchanged ones are left alone), and ``site.toml`` only grows: the new
tables are appended after its text, comments and all.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import SiteConfig, load_config
from ..errors import ContentError, ContentErrors, ErrorCollector, UsageError
from ..load import read_incident
from ..parallel import default_workers, fork_map
from .plan import Plan


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


_STAGED: SiteConfig | None = None  # the scratch site being checked, for worker processes


def _check_files(files: Sequence[tuple[Path, str]]) -> list[ContentError]:
    """Read staged files back with Clarion's loader: their errors."""
    assert _STAGED is not None
    errors = ErrorCollector()
    for path, relpath in files:
        read_incident(path, _STAGED, errors, relpath=relpath)
    return errors.errors


def apply_plan(plan: Plan, config: SiteConfig, *, force: bool) -> Outcome:
    """Validate everything in a scratch folder, then move it into place."""
    check_conflicts(plan, force)
    to_write = [f for f in plan.files if f.state != "unchanged"]
    scratch = Path(tempfile.mkdtemp(prefix=".clarion-import-", dir=config.root))
    try:
        site_dir = scratch / "site_src"
        site_dir.mkdir()
        (site_dir / "site.toml").write_text(plan.site_toml or plan.old_site_toml, encoding="utf-8")
        global _STAGED
        _STAGED = load_config(scratch)
        checks = []
        for planned in to_write:
            target = scratch / planned.relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(planned.text.encode("utf-8"))
            checks.append((target, f"{planned.relpath} (from {planned.item.origin})"))
        try:
            problems = fork_map(_check_files, checks, default_workers())
        finally:
            _STAGED = None
        if problems:
            raise ContentErrors(problems)
        for planned in to_write:
            destination = config.root / planned.relpath
            destination.parent.mkdir(parents=True, exist_ok=True)
            staged = scratch / planned.relpath
            os.chmod(staged, destination.stat().st_mode & 0o777 if destination.exists() else 0o644)
            os.replace(staged, destination)
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
