"""Sources are files, not links.

A symbolic link in ``updates/``, ``site_src/`` (pages, static files),
``templates/`` or the comms folder could publish any file of the build
machine (a link to ``~/.ssh/id_ed25519`` saved as a static file). Clarion
follows no link in its sources: every link there is an error, reported before
anything is read or written.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ErrorCollector, SourceLocation, display_path


def find_links(folder: Path) -> list[Path]:
    """Every symbolic link under ``folder`` (and ``folder`` itself), sorted."""
    if folder.is_symlink():
        return [folder]
    found: list[Path] = []
    pending = [str(folder)]
    while pending:
        try:
            entries = os.scandir(pending.pop())
        except OSError:
            continue  # not a folder (or gone): nothing under it
        with entries:
            for entry in entries:  # the folder listing says what is a link: no stat
                if entry.is_symlink():
                    found.append(Path(entry.path))
                elif entry.is_dir():
                    pending.append(entry.path)
    return sorted(found)


def check_no_links(folders: list[Path], root: Path, errors: ErrorCollector) -> None:
    """Report every link in the source ``folders`` as an error."""
    for folder in folders:
        for link in find_links(folder):
            errors.error(
                SourceLocation(display_path(link, root)),
                f"is a symbolic link (to {os.readlink(link)}); Clarion does not follow links "
                "in its sources",
                expected="a regular file or folder inside the site",
                hint="replace the link with a copy of the file it points to",
            )
