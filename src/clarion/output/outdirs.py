"""Where a build may write: never over, into or around the sources.

A public or private folder that is, contains or sits inside ``updates/``,
``site_src/``, ``templates/``, ``runbooks/`` or the comms folder, or that is or contains the
site root, would let one mistyped flag delete the incident files: such a
folder is refused before anything is read or written. The public and private
folders may not overlap either (private drafts would be published).
"""

from __future__ import annotations

import os
from pathlib import Path

from .generations import store_for


def absolute_folder(path: Path) -> Path:
    """``path`` made absolute, with links resolved in its parents but not in
    its last part (the output folders are links Clarion makes and replaces)."""
    plain = Path(os.path.abspath(path))
    if plain.parent == plain:
        return plain
    return plain.parent.resolve() / plain.name


def source_folders(root: Path, comms: Path) -> dict[str, Path]:
    """The folders a build reads, by the name users know them by."""
    root = root.resolve()
    return {
        "updates/": root / "updates",
        "site_src/": root / "site_src",
        "templates/": root / "templates",
        "runbooks/": root / "runbooks",
        "the comms folder": comms.resolve(),
    }


def _overlap(a: Path, b: Path) -> bool:
    """The folders are the same or one is inside the other, as written or
    once links are followed."""
    for x, y in ((a, b), (Path(os.path.realpath(a)), Path(os.path.realpath(b)))):
        if x == y or x.is_relative_to(y) or y.is_relative_to(x):
            return True
    return False


def output_folder_problems(
    root: Path, comms: Path, public: Path, private: Path
) -> list[tuple[str, str]]:
    """Why the output folders are unsafe: ``(which, message)`` pairs, where
    ``which`` is ``"public"`` or ``"private"``; empty when they are fine."""
    problems: list[tuple[str, str]] = []
    root = root.resolve()
    for which, folder in (("public", public), ("private", private)):
        if root.is_relative_to(folder):
            problems.append(
                (which, f"the {which} folder {folder} is or contains the site root {root}")
            )
            continue
        for name, source in source_folders(root, comms).items():
            if _overlap(folder, source):
                problems.append(
                    (
                        which,
                        f"the {which} folder {folder} overlaps {name} ({source}): "
                        "a build replaces its output folders and would delete the sources",
                    )
                )
    store = store_for(public)
    if absolute_folder(private).is_relative_to(os.path.realpath(store)):
        problems.append(
            ("private", f"the private folder {private} is inside Clarion's store {store}")
        )
    if _overlap(public, private):
        problems.append(
            (
                "private",
                f"the private folder {private} and the public folder {public} overlap: "
                "private drafts must never be inside the public site, "
                "nor the public site inside them",
            )
        )
    return problems
