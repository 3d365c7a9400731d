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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .derive.changes import Change, next_change, next_midnight
from .errors import UsageError

if TYPE_CHECKING:
    from .derive import State

# -- the next change ----------------------------------------------------------------
# (what the next change is lives in clarion.derive.changes)

__all__ = [
    "Change",
    "next_change",
    "next_midnight",
    "change_data",
    "changes_continuously",
    "public_digest",
]


def changes_continuously(state: State) -> bool:
    """While an incident is active its duration and the uptime figures grow
    with every minute, so the page changes all the time."""
    return bool(state.active_incidents)


def change_data(change: Change, state: State) -> dict[str, object]:
    now = state.now
    return {
        "now": _iso(now),
        "continuous": changes_continuously(state),
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
        f"{indent}schedule:  # clarion init --deadline-schedule {schedule.name}: {schedule.description}\n"
        f'{indent}  - cron: "{schedule.cron}"\n'
    )
    return workflow[: match.start()] + block + workflow[match.end() :]


_VERSION_RE = re.compile(r'^(?P<key>[ \t]*CLARION_VERSION:[ \t]*)"[^"\n]*"', re.MULTILINE)


def pin_clarion_version(workflow: str, version: str) -> str:
    """A workflow with ``CLARION_VERSION`` set to ``version``."""
    return _VERSION_RE.sub(lambda m: f'{m["key"]}"{version}"', workflow)


def customise_workflow(
    relpath: str, text: str, *, version: str, deadline_schedule: str | None = None
) -> str:
    """What ``clarion init`` changes in a shipped workflow: the Clarion version
    it installs (the one running ``init``) and the deadline job's schedule."""
    if not relpath.startswith(".github/workflows/"):
        return text
    text = pin_clarion_version(text, version)
    if relpath == DEADLINE_WORKFLOW and deadline_schedule is not None:
        text = set_deadline_schedule(text, deadline_schedule)
    return text
