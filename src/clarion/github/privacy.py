"""Private means private on GitHub too: what a public repository must not hold.

Notices, ``breach:`` blocks, ``private:`` fields, ``roles:`` and ``public: false`` files
are never published by Clarion, but they live in git: in a public repository
anyone can read them, and so can anyone read its workflow logs and artifacts.
``clarion check --repo-visibility public`` runs :func:`public_repository_errors`
and fails while any of them sits in the repository that holds the site.

A comms folder in a *separate* git checkout (``[paths] comms`` or ``--comms``
pointing into a second, private repository) is not part of the site's
repository and is never reported. The scan reads the raw files, not the
loaded model, so it reports even files that have other errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ContentError, SourceLocation, display_path
from ..load.frontmatter import FrontMatterError, split_front_matter

if TYPE_CHECKING:
    from ..config import SiteConfig

#: What ``--repo-visibility`` accepts: GitHub's names for a repository's visibility.
VISIBILITIES = ("public", "private", "internal")

_HISTORY = "; git history keeps old versions: rewrite it if the text must stay secret"
_HINT_COMMS = (
    "keep comms in a private repository: point [paths] comms in site_src/site.toml (or --comms) "
    "at a checkout of it, and delete the file here" + _HISTORY
)
_HINT_BREACH = (
    "move the block into comms/<slug>/breach.yml in a private repository "
    "(point [paths] comms at a checkout of it), and delete it here" + _HISTORY
)
_HINT_PRIVATE = "keep this in a private repository, or remove it from this file" + _HISTORY


@dataclass(frozen=True, slots=True)
class PrivacyReport:
    """The outcome of the public-repository check."""

    errors: tuple[ContentError, ...]
    exempt: bool = False  # a fictional site: findings are not errors

    @property
    def note(self) -> str | None:
        if self.exempt:
            found = len(self.errors)
            what = (
                f"{found} private item{'s' if found != 1 else ''} in it"
                if found
                else "nothing private in it"
            )
            return (
                "public repository: the site is fictional (demo data), so it is exempt from the "
                f"public-repository privacy check ({what})"
            )
        return None


def is_public(visibility: str | None) -> bool:
    """Only GitHub's ``public`` is public; ``private`` and ``internal`` are not."""
    return visibility == "public"


def check_public_repository(config: SiteConfig) -> PrivacyReport:
    """Findings for a site in a public repository; a fictional site is exempt."""
    errors = tuple(public_repository_errors(config))
    return PrivacyReport(errors=errors, exempt=config.fictional)


def public_repository_errors(config: SiteConfig) -> Iterator[ContentError]:
    """Every private item in the site's own repository, in file order."""
    repository = repository_root(config.root)
    updates = config.updates_dir
    for path in sorted(updates.rglob("*.md")) if updates.is_dir() else ():
        if path.name.lower() == "readme.md" or repository_root(path) != repository:
            continue
        yield from _incident_findings(path, display_path(path, config.root))
    comms = config.paths.comms
    if not comms.is_dir():
        return
    for path in sorted(comms.rglob("*")):
        if not path.is_file() or repository_root(path) != repository:
            continue
        relative = path.relative_to(comms)
        if any(part.startswith(".") for part in relative.parts) or path.name.lower() == "readme.md":
            continue
        shown = _comms_shown(path, config)
        if path.name in ("breach.yml", "breach.yaml"):
            yield _finding(shown, 1, "a breach sidecar (breach details)", _HINT_COMMS)
        elif path.suffix.lower() == ".md":
            yield _finding(shown, 1, "a notice (a customer or regulator email)", _HINT_COMMS)
        else:
            yield _finding(shown, 1, "a file in the comms folder", _HINT_COMMS)


def _incident_findings(path: Path, shown: str) -> Iterator[ContentError]:
    try:
        front = split_front_matter(
            path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        )
    except FrontMatterError:
        return  # the loader reports it; nothing can be read from it here
    data = front.data
    if data.get("public") is False:
        line = front.lines.get("public", 1)
        yield _finding(shown, line, "a 'public: false' file (a private incident)", _HINT_PRIVATE)
        return  # the whole file is private: one finding is enough
    if "breach" in data:
        yield _finding(shown, front.lines.get("breach", 1), "a 'breach:' block", _HINT_BREACH)
    if "private" in data:
        yield _finding(shown, front.lines.get("private", 1), "a 'private:' field", _HINT_PRIVATE)
    if "roles" in data:
        yield _finding(
            shown, front.lines.get("roles", 1), "a 'roles:' block (names)", _HINT_PRIVATE
        )


def _finding(shown: str, line: int, what: str, hint: str) -> ContentError:
    return ContentError(
        location=SourceLocation(shown, line),
        message=f"public repository: {what} is readable by anyone here",
        expected=(
            "no notices, breach blocks, private: fields, roles "
            "or public: false files in a public repository"
        ),
        hint=hint,
    )


def _comms_shown(path: Path, config: SiteConfig) -> str:
    resolved = path.resolve()
    if resolved.is_relative_to(config.root):
        return resolved.relative_to(config.root).as_posix()
    comms = config.paths.comms
    return (Path(comms.name) / resolved.relative_to(comms)).as_posix()


def repository_root(path: Path) -> Path | None:
    """The work tree of the git repository holding ``path``: the nearest folder
    with a ``.git`` entry (a folder, or a file for worktrees and submodules);
    ``None`` outside any repository."""
    current = path.resolve()
    if not current.is_dir():
        current = current.parent
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None
