"""What the publishing workflows ask Clarion: when does the page next change by
itself, what is the page now, and how often should the deadline job run.

A static page cannot change by itself, but what it shows depends on ``now``:
a maintenance window opens or closes, an update written ahead of time
becomes due, a new day moves the uptime bars on. :func:`next_change` names
the next such moment; ``clarion next-change`` prints it. The scheduled
``publish.yml`` run then compares :func:`public_digest` of a fresh build with
the digest of the last deploy and deploys only when they differ. Builds are
deterministic (the same sources and state give the same bytes), so equal
digests mean an unchanged page, whatever made it change.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..derive.changes import Change, next_change, next_midnight
from ..errors import UsageError

if TYPE_CHECKING:
    from ..derive import State

# -- the next change ----------------------------------------------------------------
# (what the next change is lives in clarion.derive.changes)

__all__ = [
    "Change",
    "next_change",
    "next_midnight",
    "change_data",
    "public_digest",
]


def change_data(change: Change, state: State) -> dict[str, object]:
    now = state.now
    return {
        "now": _iso(now),
        # pages show times, not running durations: they never change between
        # two changes (the key stays for workflows written against older releases)
        "continuous": False,
        "next_change_at": _iso(change.at),
        "seconds_until": int((change.at - now).total_seconds()),
        "reason": change.kind,
        "incident": change.slug,
        "title": change.title,
        "description": change.describe(),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the page now -------------------------------------------------------------------


def public_digest(folder: Path) -> str | None:
    """A digest of every file in ``folder`` (paths and bytes, in sorted order),
    ``sha256:<hex>``; ``None`` when the folder does not exist (not built yet)."""
    if not folder.is_dir():
        return None
    total = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relpath = path.relative_to(folder).as_posix().encode("utf-8")
        total.update(len(relpath).to_bytes(4, "big") + relpath)
        total.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + total.hexdigest()


def github_output(values: Mapping[str, object]) -> str:
    """``name=value`` lines for ``$GITHUB_OUTPUT`` (values on one line)."""
    lines = []
    for name, value in values.items():
        text = (
            ""
            if value is None
            else ("true" if value is True else "false" if value is False else str(value))
        )
        lines.append(f"{name}={' '.join(text.split())}")
    return "\n".join(lines) + "\n"


# -- how often the deadline job runs ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    cron: str | None  # None: no schedule, push only
    runs_per_day: int
    description: str


#: ``clarion init --deadline-schedule``: the choices, with what they cost. A run
#: of the deadline job takes well under a minute; GitHub bills each job rounded
#: up to a whole minute, so a run costs one minute on a private repository.
DEADLINE_SCHEDULES: Mapping[str, Schedule] = {
    s.name: s
    for s in (
        Schedule("15min", "7,22,37,52 * * * *", 96, "every 15 minutes"),
        Schedule("30min", "7,37 * * * *", 48, "every 30 minutes"),
        Schedule("hourly", "7 * * * *", 24, "every hour"),
        Schedule("6h", "7 */6 * * *", 4, "every 6 hours"),
        Schedule("daily", "7 6 * * *", 1, "every day at 06:07 UTC"),
        Schedule("off", None, 0, "never on a schedule, only on push"),
    )
}
DEFAULT_DEADLINE_SCHEDULE = "hourly"
#: Where ``clarion init`` writes the deadline workflow (relative to the site root).
DEADLINE_WORKFLOW = ".github/workflows/deadlines.yml"

_SCHEDULE_RE = re.compile(
    r"^(?P<indent>[ \t]*)schedule:[^\n]*\n(?P<cron>[ \t]*- cron: \"[^\"]*\"[^\n]*\n)", re.MULTILINE
)


def minutes_per_month(schedule: Schedule) -> int:
    """Actions minutes a month (30 days) of scheduled runs, one minute each."""
    return schedule.runs_per_day * 30


def schedule_choices_text() -> str:
    return "; ".join(
        f"{s.name}: {s.description}"
        + (f", about {minutes_per_month(s):,} min/month" if s.cron else "")
        for s in DEADLINE_SCHEDULES.values()
    )


def set_deadline_schedule(workflow: str, name: str) -> str:
    """``deadlines.yml`` with its ``schedule:`` trigger set to the choice ``name``
    (removed for ``off``)."""
    schedule = DEADLINE_SCHEDULES.get(name)
    if schedule is None:
        raise UsageError(
            f"--deadline-schedule: got {name!r}; expected one of: {', '.join(DEADLINE_SCHEDULES)}"
        )
    match = _SCHEDULE_RE.search(workflow)
    if match is None:
        raise UsageError("the deadline workflow has no 'schedule:' trigger to set")
    if schedule.cron is None:
        return workflow[: match.start()] + workflow[match.end() :]
    indent = match["indent"]
    block = (
        f"{indent}schedule:  # clarion init --deadline-schedule "
        f"{schedule.name}: {schedule.description}\n"
        f'{indent}  - cron: "{schedule.cron}"\n'
    )
    return workflow[: match.start()] + block + workflow[match.end() :]


# -- how the workflows install Clarion ----------------------------------------------

#: The repository of Clarion's source, whose root holds the GitHub Action.
ACTION_REPOSITORY = "clarion-status/clarion"
#: ``clarion init --clarion-source``: where a site's workflows get Clarion.
CLARION_SOURCES = ("action", "pip", "git")
DEFAULT_CLARION_SOURCE = "action"
#: Where the workflows ``clarion init`` writes live (relative to the site root).
WORKFLOW_FOLDER = ".github/workflows/"
PYTHON_VERSION = "3.12"


@dataclass(frozen=True, slots=True)
class ClarionPin:
    """The Clarion a site's workflows install: the release that wrote them
    and, when ``clarion init`` ran from a git checkout, its commit."""

    version: str
    commit: str | None = None

    @property
    def ref(self) -> str:
        """The git ref of this Clarion: its commit, else its release tag."""
        return self.commit or f"v{self.version}"

    def describe(self) -> str:
        return f"clarion-status {self.version}" + (
            f", commit {self.commit[:12]}" if self.commit else ""
        )


def running_clarion() -> ClarionPin:
    """The Clarion running now: its version and, from a git checkout (an
    editable install of Clarion's repository), the commit checked out."""
    from .. import __version__

    root = Path(__file__).resolve().parents[3]
    if not (root / "pyproject.toml").is_file() or not (root / ".git").exists():
        return ClarionPin(__version__)
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ClarionPin(__version__)
    commit = result.stdout.strip()
    ok = result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", commit)
    return ClarionPin(__version__, commit if ok else None)


_INSTALL_STEP_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?:#[^\n]*\n(?P=indent))*- name: Install Clarion\n"
    r"(?:(?P=indent)  [^\n]*\n)*",
    re.MULTILINE,
)


def install_step(pin: ClarionPin, source: str, indent: str) -> str:
    """The workflow steps that install Clarion from ``source``."""
    if source not in CLARION_SOURCES:
        raise UsageError(
            f"--clarion-source: got {source!r}; expected one of: {', '.join(CLARION_SOURCES)}"
        )
    upgrade = "clarion init --upgrade-workflows" + (
        "" if source == DEFAULT_CLARION_SOURCE else f" --clarion-source {source}"
    )
    if source == "action":
        lines = [
            "# Clarion's own action installs Clarion from the files of the ref",
            "# named here (no package index serves it) and puts `clarion` on PATH.",
            "# `clarion init` pinned the Clarion that wrote this file; raise it on",
            f"# purpose, after a local build looked right: `{upgrade}`.",
            "- name: Install Clarion",
            f"  uses: {ACTION_REPOSITORY}@{pin.ref}  # {pin.describe()}",
            "  with:",
            f'    python-version: "{PYTHON_VERSION}"',
        ]
    else:
        requirement = (
            f"clarion-status=={pin.version}"
            if source == "pip"
            else f"clarion-status @ git+https://github.com/{ACTION_REPOSITORY}@{pin.ref}"
        )
        lines = [
            "- uses: actions/setup-python@v6",
            "  with:",
            f'    python-version: "{PYTHON_VERSION}"',
            "",
            f"# {pin.describe()}, pinned by `clarion init`; raise it on purpose,",
            f"# after a local build looked right: `{upgrade}`.",
            "- name: Install Clarion",
            f'  run: python -m pip install --disable-pip-version-check "{requirement}"',
        ]
    return "".join(f"{indent}{line}\n" if line else "\n" for line in lines)


def set_install_step(workflow: str, pin: ClarionPin, source: str) -> str:
    """``workflow`` with each "Install Clarion" step (one a job) installing
    ``pin`` from ``source``."""
    text, count = _INSTALL_STEP_RE.subn(lambda m: install_step(pin, source, m["indent"]), workflow)
    if count == 0:
        raise UsageError("the workflow has no 'Install Clarion' step to set")
    return text


def customise_workflow(
    relpath: str,
    text: str,
    *,
    pin: ClarionPin,
    source: str = DEFAULT_CLARION_SOURCE,
    deadline_schedule: str | None = None,
) -> str:
    """What ``clarion init`` changes in a shipped workflow: where it installs
    Clarion from, pinned to ``pin`` (the Clarion running ``init``), and the
    deadline job's schedule."""
    if not relpath.startswith(WORKFLOW_FOLDER):
        return text
    if _INSTALL_STEP_RE.search(text):
        text = set_install_step(text, pin, source)
    if relpath == DEADLINE_WORKFLOW and deadline_schedule is not None:
        text = set_deadline_schedule(text, deadline_schedule)
    return text


_TRIGGER_RES = (
    re.compile(r"^[ \t]*schedule:[^\n]*\n(?:[ \t]*(?:#[^\n]*|- cron: [^\n]*)\n)+", re.MULTILINE),
    re.compile(r"^[ \t]*branches: [^\n]*\n", re.MULTILINE),
)


def carry_over_triggers(old: str, new: str, *, schedule: bool = True) -> str:
    """``new`` with the schedule (unless not ``schedule``) and branches of
    ``old``: what a site chose survives ``clarion init --upgrade-workflows``."""
    for pattern in _TRIGGER_RES if schedule else _TRIGGER_RES[1:]:
        mine, theirs = pattern.search(new), pattern.search(old)
        if mine is None:
            continue
        kept = theirs[0] if theirs is not None else ""
        new = new[: mine.start()] + kept + new[mine.end() :]
    return new
