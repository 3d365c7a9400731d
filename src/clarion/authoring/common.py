"""What every authoring command shares: the result type, time formats, YAML
quoting, atomic writes, slugs and finding or reading an incident's file."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from ..config import SiteConfig
from ..errors import ContentErrors, ErrorCollector, UsageError, did_you_mean, display_path
from ..load import read_incident
from ..model import (
    Impact,
    Incident,
    Stage,
)

_SLUG_WORDS = 6
_SLUG_CHARS = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Written:
    """What an authoring command did: the file, the incident's slug and
    anything the author should know (odd transitions, placement, ...)."""

    path: Path
    relpath: str  # relative to the site root, ``/`` separators
    slug: str
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


# -- time formats ---------------------------------------------------------------


def heading_time(at: datetime) -> str:
    """``2026-11-20 14:05 UTC``: the time of an update heading."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso_time(at: datetime) -> str:
    """``2026-11-20T14:05:00Z``: a front-matter time."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_minute(at: datetime) -> datetime:
    """Headings carry minutes; everything written is rounded down to the minute."""
    return at.astimezone(UTC).replace(second=0, microsecond=0)


def _raise_problems(problems: Sequence[str]) -> None:
    if problems:
        raise UsageError("\n".join(problems))


def slugify(title: str) -> str:
    """``"API errors in EU (Frankfurt)!"`` -> ``api-errors-in-eu-frankfurt``:
    ASCII, lower case, the first few words."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", text)[:_SLUG_WORDS]
    slug = "-".join(words)
    while len(slug) > _SLUG_CHARS and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return slug[:_SLUG_CHARS]


def incident_slug(title: str, day: datetime) -> str:
    words = slugify(title)
    if not words:
        raise UsageError(f"cannot make a file name from the title {title!r}; pass --slug WORDS")
    return f"{day:%Y-%m-%d}-{words}"


def _update_files(config: SiteConfig) -> list[Path]:
    folder = config.updates_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.md") if p.name.lower() != "readme.md")


def _without_date(slug: str) -> str:
    return re.sub(r"^\d{4}-\d{2}-\d{2}-", "", slug)


def find_incident_file(config: SiteConfig, prefix: str) -> Path:
    """The file of the incident whose slug is ``prefix`` or starts with it.

    The date may be left out: ``api-err`` finds ``2026-11-20-api-errors``.
    No match and several matches are errors that list the candidates.
    """
    prefix = prefix.strip().removesuffix(".md").rsplit("/", 1)[-1]
    files = _update_files(config)
    by_slug = {p.stem: p for p in files}
    if prefix in by_slug:
        return by_slug[prefix]
    matches = [s for s in by_slug if s.startswith(prefix)]
    if not matches:
        matches = [s for s in by_slug if _without_date(s).startswith(prefix)]
    if len(matches) == 1:
        return by_slug[matches[0]]
    if not matches:
        if not by_slug:
            raise UsageError(
                f"no incident matches '{prefix}': "
                f"{display_path(config.updates_dir, config.root)}/ holds none yet"
            )
        hint = did_you_mean(prefix, list(by_slug)) or did_you_mean(
            prefix, [_without_date(s) for s in by_slug]
        )
        recent = sorted(by_slug)[-5:]
        raise UsageError(
            f"no incident matches '{prefix}'"
            + (f": {hint}" if hint else "")
            + "\n  recent: "
            + ", ".join(reversed(recent))
        )
    raise UsageError(
        f"'{prefix}' matches {len(matches)} incidents: "
        + ", ".join(sorted(matches))
        + "\n  hint: type more of the slug"
    )


def read_source(config: SiteConfig, path: Path) -> Incident:
    """Read one incident with the loader; refuse to edit a file that does not load."""
    errors = ErrorCollector()
    incident = read_incident(path, config, errors)
    if errors.errors or incident is None:
        raise ContentErrors(errors.errors)
    return incident


def _section(at: datetime, stage: Stage, message: str, impact: Mapping[str, Impact] | None) -> str:
    lines = [f"## {heading_time(at)} · {stage.label}"]
    if impact:
        lines.append("Impact: " + ", ".join(f"{cid}={i.value}" for cid, i in impact.items()))
    lines.append(_demote_headings(message.strip("\n")))
    return "\n".join(lines) + "\n"


def _demote_headings(body: str) -> str:
    """A ``#``/``##`` heading in a message would end the update: make it ``###``."""
    out = []
    fence = False
    for line in body.split("\n"):
        if re.match(r"^\s{0,3}(```|~~~)", line):
            fence = not fence
        if not fence and re.match(r"^#{1,2}(?!#)\s", line):
            line = "###" + line.lstrip("#")
        out.append(line)
    return "\n".join(out)


_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9][^:#\n\"'{}\[\],&*!|>%@`]*$")


def yaml_quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar (JSON's quoting is valid YAML)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when it reads back unchanged, else quoted."""
    if _PLAIN_SAFE.match(text) and not text.endswith(" "):
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _human(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    if hours:
        return f"{hours} h"
    return f"{mins} min"


def _check_incident_text(config: SiteConfig, path: Path, text: str) -> None:
    """Read ``text`` back with the loader before it replaces ``path``."""
    with tempfile.TemporaryDirectory(prefix=".clarion-check-") as scratch:
        probe = Path(scratch) / path.name
        probe.write_text(text, encoding="utf-8")
        errors = ErrorCollector()
        read_incident(probe, config, errors, relpath=display_path(path, config.root))
    if errors.errors:  # a bug in Clarion: the file it wrote does not load
        raise ContentErrors(errors.errors)


def _write_atomic(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` in one step (readers, such as a running
    ``clarion serve``, never see half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if path.exists():
            if exclusive:
                raise UsageError(f"{path.name} already exists; nothing was written")
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
