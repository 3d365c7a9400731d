"""A first run that guides: what ``clarion init`` does besides writing the
scaffold. It makes the folder a git repository when it is in none, sets the
page's public address, brings the workflows of an existing site up to date
(``--upgrade-workflows``) and says what to do next.

The scaffold itself is written by :func:`clarion.authoring.init_site`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from ..authoring import _write_atomic, scaffold_files, workflow_files
from ..authoring.placeholders import is_example_url
from ..config import CONFIG_RELPATH, load_config
from ..errors import UsageError
from .publishing import (
    DEADLINE_WORKFLOW,
    WORKFLOW_FOLDER,
    carry_over_triggers,
    set_deadline_schedule,
)

# -- git ----------------------------------------------------------------------------


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str] | None:
    """Run git; ``None`` when git is not installed."""
    if shutil.which("git") is None:
        return None
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def inside_repository(folder: Path) -> bool | None:
    """Whether ``folder`` is inside a git work tree (``None``: git missing)."""
    result = _git("rev-parse", "--is-inside-work-tree", cwd=folder)
    if result is None:
        return None
    return result.returncode == 0 and result.stdout.strip() == "true"


def init_repository(folder: Path, *, branch: str = "main") -> str:
    """Make ``folder`` a git repository whose first branch is ``branch`` (the
    branch the workflows publish from), unless it is inside one already.
    Returns what happened, for the user: ``created``, ``existing`` or
    ``no-git``. An existing repository is never touched."""
    inside = inside_repository(folder)
    if inside is None:
        return "no-git"
    if inside:
        return "existing"
    result = _git("init", "--quiet", f"--initial-branch={branch}", cwd=folder)
    if result is None or result.returncode != 0:  # git older than 2.28
        result = _git("init", "--quiet", cwd=folder)
        if result is not None and result.returncode == 0:
            _git("symbolic-ref", "HEAD", f"refs/heads/{branch}", cwd=folder)
    if result is None or result.returncode != 0:
        raise UsageError(f"git init failed in {folder}: {result.stderr.strip() if result else ''}")
    return "created"


# -- the page's address -------------------------------------------------------------

_BASE_URL_LINE = re.compile(r'^(?P<key>base_url[ \t]*=[ \t]*)"[^"\n]*"', re.MULTILINE)


def normalise_base_url(text: str) -> str:
    """``status.acme.io`` -> ``https://status.acme.io/``; an address that is
    not http(s) with a host is a usage error."""
    url = text.strip()
    if url and "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or " " in url
    ):
        raise UsageError(
            f"base_url: got {text!r}; expected the page's public address, "
            "e.g. https://status.acme.io/ or https://acme.github.io/status/"
        )
    return url if url.endswith("/") else url + "/"


def set_base_url(root: Path, url: str) -> str:
    """Write ``base_url`` into the site's ``site.toml``; the file is read back
    before it replaces the old one. Returns the address written."""
    url = normalise_base_url(url)
    path = root / CONFIG_RELPATH
    text = path.read_text(encoding="utf-8")
    new, count = _BASE_URL_LINE.subn(lambda m: f'{m["key"]}"{url}"', text, count=1)
    if count == 0:
        raise UsageError(f'{CONFIG_RELPATH} has no base_url line to set; add base_url = "{url}"')
    _write_atomic(path, new.encode("utf-8"))
    try:
        load_config(root)
    except Exception:
        _write_atomic(path, text.encode("utf-8"))
        raise
    return url


# -- upgrading the workflows --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkflowUpgrade:
    relpath: str
    state: str  # "created", "updated" or "unchanged"


def upgrade_workflows(
    root: Path, *, now: datetime, clarion_source: str, deadline_schedule: str | None
) -> list[WorkflowUpgrade]:
    """Rewrite only the site's workflows from this Clarion's scaffold, pinned to
    it. The schedules and branches a site chose are kept unless
    ``deadline_schedule`` names a new one; every other file is left alone."""
    if not (root / CONFIG_RELPATH).is_file():
        raise UsageError(
            f"{root} has no {CONFIG_RELPATH}: --upgrade-workflows updates an existing site\n"
            "  hint: run clarion init without --upgrade-workflows to start one"
        )
    shipped = [f for f in scaffold_files(now) if f.relpath.startswith(WORKFLOW_FOLDER)]
    results = []
    for item in workflow_files(shipped, clarion_source, None):
        path = root / item.relpath
        text = item.data.decode("utf-8")
        new_schedule = deadline_schedule if item.relpath == DEADLINE_WORKFLOW else None
        if path.is_file():
            old = path.read_text(encoding="utf-8")
            text = carry_over_triggers(old, text, schedule=new_schedule is None)
        if new_schedule is not None:
            text = set_deadline_schedule(text, new_schedule)
        data = text.encode("utf-8")
        if path.is_file() and path.read_bytes() == data:
            results.append(WorkflowUpgrade(item.relpath, "unchanged"))
            continue
        state = "updated" if path.exists() else "created"
        _write_atomic(path, data)
        results.append(WorkflowUpgrade(item.relpath, state))
    return results


# -- what to do next ----------------------------------------------------------------


def pages_address(base_url: str) -> str:
    return (
        base_url
        if base_url.startswith("http") and not is_example_url(base_url)
        else "https://OWNER.github.io/REPOSITORY/ (or your custom domain)"
    )


def next_steps(folder: str, base_url: str, repository: str) -> str:
    """The three steps from a scaffold to a published page."""
    commit = (
        "git add -A && git commit -m 'Status page'"
        if repository != "no-git"
        else "git init -b main && git add -A && git commit -m 'Status page'"
    )
    lines = [
        f"Next, in {folder}:",
        "  1. Push it to a new GitHub repository:",
        f"       cd {folder} && {commit}",
        "       git remote add origin https://github.com/OWNER/REPOSITORY.git",
        "       git push -u origin main",
        "  2. Turn on Pages: Settings > Pages > Build and deployment > Source: GitHub Actions",
        "     (then Actions > Publish > Run workflow, or push again).",
        f"  3. The page will be at {pages_address(base_url)}",
        "Before you publish: delete the example incident in updates/; `clarion check` lists",
        "what still looks like a placeholder. Preview with `clarion serve`.",
    ]
    if repository == "existing":
        lines.insert(1, "  (the folder is inside an existing git repository: it was left as it is)")
    return "\n".join(lines)
