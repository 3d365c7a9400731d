"""``clarion build --explain``: why a build rebuilt what it did.

A build compares its inputs with the previous build's (the source files
parsed again, site.toml, the templates, ``now``) and its output with the
previous output, file by file. Pages are rendered again only when their
render key changes (:mod:`clarion.output.cache`), and files are written only when
their bytes differ (:mod:`clarion.output.write`), so the list of changed inputs and
the list of files whose bytes differ say why each file was rebuilt.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..config import SiteConfig
from .cache import fingerprint_files
from .write import WriteReport


def input_notes(config: SiteConfig, now: datetime) -> dict[str, str]:
    """What the next build compares its inputs with (kept in the cache's manifest)."""
    from ..render import THEME_DIR

    templates = [p for p in THEME_DIR.rglob("*") if p.is_file()]
    if config.templates_dir.is_dir():
        templates += [p for p in config.templates_dir.rglob("*") if p.is_file()]
    return {
        "now": now.isoformat(),
        "config": config.digest,
        "templates": fingerprint_files(templates),
    }


def input_changes(
    parsed_before: Mapping[str, str],
    parsed_now: Mapping[str, str],
    notes_before: Mapping[str, str],
    notes_now: Mapping[str, str],
) -> list[str]:
    """The inputs that differ from the previous build's, in words
    (``parsed_*``: source file -> digest of its bytes)."""
    if not notes_before:
        return ["no previous build to compare with: every file is new"]
    reasons = []
    if notes_before.get("config") != notes_now["config"]:
        reasons.append("site.toml changed: every page depends on it")
    if notes_before.get("templates") != notes_now["templates"]:
        reasons.append("the templates changed: every page is rendered again")
    if notes_before.get("now") != notes_now["now"]:
        reasons.append(
            f"now moved from {notes_before.get('now')} to {notes_now['now']}: pages of open "
            "incidents, the uptime bars, feeds, the API and the reports follow it"
        )
    for path in sorted(set(parsed_before) | set(parsed_now)):
        before, after = parsed_before.get(path), parsed_now.get(path)
        if before == after or (before is None and not parsed_before):
            continue
        what = "new" if before is None else "removed" if after is None else "changed"
        reasons.append(f"{path} {what}")
    return reasons or ["no input changed"]


def format_explanation(reasons: list[str], report: WriteReport) -> str:
    lines = ["Why:"] + [f"  {reason}" for reason in reasons]
    if not report.changed:
        lines.append("Every file has the bytes it had: nothing was written.")
    elif not report.changes:
        lines.append("No previous output: every file was written.")
    else:
        lines.append(f"Files whose bytes differ from the previous output ({len(report.changes)}):")
        lines += [f"  {area}/{path}  {what}" for area, path, what in report.changes]
    return "\n".join(lines)
