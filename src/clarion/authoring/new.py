"""``clarion new incident`` and ``clarion new maintenance``: a new update file,
with the component impacts checked against ``site.toml``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from ..config import SiteConfig
from ..errors import UsageError, did_you_mean, display_path
from ..load.frontmatter import split_front_matter
from ..model import (
    INCIDENT_IMPACTS,
    Impact,
    Severity,
    Stage,
)
from ..rules import load_rules
from ..rules.practice import Practice
from .common import (
    Written,
    _check_incident_text,
    _raise_problems,
    _section,
    _update_files,
    _write_atomic,
    heading_time,
    incident_slug,
    iso_time,
    slugify,
    to_minute,
    yaml_scalar,
)

# -- arguments checked against site.toml ------------------------------------------


def parse_component_impacts(config: SiteConfig, values: Iterable[str]) -> dict[str, Impact]:
    """``["api=partial_outage", "web=degraded_performance,cdn=major_outage"]`` ->
    impacts, checked against the site's components; every problem is reported."""
    result: dict[str, Impact] = {}
    problems: list[str] = []
    words = [i.value for i in INCIDENT_IMPACTS]
    for value in values:
        for chunk in re.split(r"[,;]\s*", value.strip()):
            if not chunk:
                continue
            cid, sep, word = chunk.partition("=")
            cid, word = cid.strip(), word.strip()
            if not sep or not word:
                problems.append(
                    f"'{chunk}' names no impact; write {cid or 'ID'}=IMPACT "
                    f"with IMPACT one of: {', '.join(words)}"
                )
                continue
            problem = _component_problem(config, cid)
            if problem:
                problems.append(problem)
                continue
            try:
                impact = Impact(word.lower().replace("-", "_").replace(" ", "_"))
                if impact not in INCIDENT_IMPACTS:
                    raise ValueError(word)
            except ValueError:
                hint = did_you_mean(word, words)
                problems.append(
                    f"unknown impact '{word}' for {cid}; expected one of: {', '.join(words)}"
                    + (f" ({hint})" if hint else "")
                )
                continue
            result[cid] = impact
    _raise_problems(problems)
    return result


def check_component_ids(config: SiteConfig, values: Iterable[str]) -> list[str]:
    """Component ids (for maintenance), checked against the site's components."""
    ids: list[str] = []
    problems: list[str] = []
    for value in values:
        for cid in re.split(r"[,;\s]+", value.strip()):
            if not cid:
                continue
            cid = cid.partition("=")[0]
            problem = _component_problem(config, cid)
            if problem:
                problems.append(problem)
            elif cid not in ids:
                ids.append(cid)
    _raise_problems(problems)
    return ids


def _component_problem(config: SiteConfig, cid: str) -> str | None:
    ids = config.component_ids
    if cid in ids:
        return None
    hint = did_you_mean(cid, ids)
    return (
        f"unknown component '{cid}'"
        + (f": {hint}" if hint else "")
        + f"\n  components in site_src/site.toml: {', '.join(ids)}"
    )


def new_incident(
    config: SiteConfig,
    *,
    title: str,
    severity: Severity,
    components: Mapping[str, Impact],
    at: datetime,
    customers_affected: bool = False,
    public: bool = True,
    message: str | None = None,
    slug: str | None = None,
    detected: datetime | None = None,
    acknowledged: datetime | None = None,
    private: Mapping[str, Mapping[str, str]] | None = None,
    notes: Sequence[str] = (),
) -> Written:
    """Write ``updates/<date>-<title-words>.md`` declared at ``at`` with a first
    ``investigating`` update. ``detected``/``acknowledged`` fill those times
    and ``private`` a ``private:`` block (``clarion new incident --from-alert``)."""
    title = _clean_title(title)
    at = to_minute(at)
    slug = _new_slug(config, title, at.astimezone(config.timezone), slug)
    practice = Practice.of(load_rules(config))
    if not message or not message.strip():
        message = default_first_message(severity, practice)
    front = [
        "---",
        f"title: {yaml_scalar(title)}",
        f"severity: {severity.value}",
    ]
    if components:
        front.append("components:")
        front.extend(f"  {cid}: {impact.value}" for cid, impact in components.items())
    if detected is not None:
        front.append(f"detected: {iso_time(detected)}")
    if acknowledged is not None:
        front.append(f"acknowledged: {iso_time(acknowledged)}")
    front.append(f"declared: {iso_time(at)}")
    front.append(f"customers_affected: {'true' if customers_affected else 'false'}")
    if not public:
        front.append("public: false")
    if private:
        front.append("private:")
        for block, fields in private.items():
            front.append(f"  {block}:")
            front.extend(f"    {k}: {yaml_scalar(v)}" for k, v in fields.items())
    front.append("---")
    text = "\n".join(front) + "\n" + _section(at, Stage.INVESTIGATING, message, None)
    notes = list(notes)
    if not components:
        notes.append(
            "no component named: the page shows the incident, but every component stays operational"
        )
    return _create_source(config, slug, text, notes=notes)


def new_maintenance(
    config: SiteConfig,
    *,
    title: str,
    components: Sequence[str],
    start: datetime,
    end: datetime,
    at: datetime,
    message: str | None = None,
    public: bool = True,
    slug: str | None = None,
) -> Written:
    """Write ``updates/<window-start-date>-<title-words>.md`` with a first
    ``scheduled`` update dated ``at``."""
    title = _clean_title(title)
    at, start, end = to_minute(at), to_minute(start), to_minute(end)
    if end <= start:
        raise UsageError(
            f"the window ends ({heading_time(end)}) before it starts ({heading_time(start)})"
        )
    slug = _new_slug(config, title, start.astimezone(config.timezone), slug)
    if not message or not message.strip():
        message = (
            f"Scheduled maintenance from {heading_time(start)} to {heading_time(end)}. "
            "We will post an update when it starts and when it is complete."
        )
    front = ["---", f"title: {yaml_scalar(title)}", "kind: maintenance"]
    if components:
        front.append("components:")
        front.extend(f"  {cid}: under_maintenance" for cid in components)
    front += ["window:", f"  start: {iso_time(start)}", f"  end: {iso_time(end)}"]
    if not public:
        front.append("public: false")
    front.append("---")
    text = "\n".join(front) + "\n" + _section(at, Stage.SCHEDULED, message, None)
    warnings = []
    if start < at:
        warnings.append(
            f"the window starts ({heading_time(start)}) "
            f"before this announcement ({heading_time(at)})"
        )
    return _create_source(config, slug, text, warnings=warnings)


def default_first_message(severity: Severity, practice: Practice) -> str:
    cadence = practice.cadence_text(severity)
    text = "We are investigating this issue."
    if cadence is not None:
        text += f" We will post an update within {cadence}."
    return text


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise UsageError('the title is empty; give a short public headline, e.g. "API errors"')
    return title


def _new_slug(config: SiteConfig, title: str, day: datetime, slug: str | None) -> str:
    if slug:
        slug = slug.strip()
        if not re.match(r"^\d{4}-\d{2}-\d{2}-", slug):
            slug = f"{day:%Y-%m-%d}-{slugify(slug)}"
        if not re.match(r"^[a-z0-9][a-z0-9_-]*$", slug):
            raise UsageError(f"invalid slug {slug!r}: use lower-case letters, digits, '-' and '_'")
    else:
        slug = incident_slug(title, day)
    taken = {p.stem: p for p in _update_files(config)}
    if slug in taken:
        raise UsageError(
            f"{display_path(taken[slug], config.root)} already exists; nothing was written.\n"
            f"  hint: add to it with: clarion update {slug} "
            f'STAGE "message"; or pass --slug for a new file'
        )
    return slug


def _create_source(
    config: SiteConfig,
    slug: str,
    text: str,
    *,
    warnings: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> Written:
    path = config.updates_dir / f"{slug}.md"
    _check_incident_text(config, path, text)
    _write_atomic(path, text.encode("utf-8"), exclusive=True)
    return Written(
        path=path,
        relpath=display_path(path, config.root),
        slug=slug,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def fill_front_matter_time(config: SiteConfig, path: Path, key: str, at: datetime) -> bool:
    """Add ``key: <at>`` before ``declared:`` in the front matter of ``path``
    when the key is absent (a later alert acknowledging a drafted incident);
    False when it is already there (nothing is written)."""
    text = path.read_text(encoding="utf-8")
    front = split_front_matter(text.replace("\r\n", "\n"))
    if key in front.data:
        return False
    lines = text.split("\n")
    anchor = front.lines.get("declared", 2) - 1
    lines.insert(anchor, f"{key}: {iso_time(at)}")
    new_text = "\n".join(lines)
    _check_incident_text(config, path, new_text)
    _write_atomic(path, new_text.encode("utf-8"))
    return True
