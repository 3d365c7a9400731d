"""``clarion import``: bring a status page's history from another tool.

One module per source reads it into an :class:`~.records.ImportBatch`
(:mod:`.statuspage`, with :mod:`.statuspage_files` to get its documents;
:mod:`.cstate`; :mod:`.upptime`); :mod:`.plan` maps
components and slugs and renders the files; :mod:`.apply` writes them all or
nothing. Instatus is not supported: its public status data has no
documented shape (docs/moving.md says what to do instead).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from .records import ImportBatch

FORMATS = ("statuspage", "cstate", "upptime", "instatus")
INSTATUS_REASON = (
    "Instatus publishes no documented shape for a page's public data, so Clarion cannot import "
    "it faithfully; if your Instatus page serves Statuspage-style api/v2 JSON, save those files "
    "and use `clarion import statuspage` (docs/moving.md)"
)


def read_source(
    kind: str, source: Path | None, *, url: str | None = None, issues: Path | None = None
) -> ImportBatch:
    """Read one source into a batch (errors name the source file and record)."""
    if kind == "instatus":
        raise UsageError(INSTATUS_REASON)
    if kind == "statuspage":
        from .statuspage import read_statuspage
        from .statuspage_files import fetch_page, read_folder

        if url:
            return read_statuspage(fetch_page(url))
        if source is None:
            raise UsageError("give the folder holding the saved api/v2 JSON files, or --url")
        return read_statuspage(read_folder(source))
    if source is None:
        raise UsageError(f"give the {kind} folder to import")
    if kind == "cstate":
        from .cstate import read_cstate

        return read_cstate(source)
    if kind == "upptime":
        from .upptime import read_upptime

        return read_upptime(source, issues)
    raise UsageError(f"unknown format {kind!r}; expected one of: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "ImportBatch", "read_source"]
