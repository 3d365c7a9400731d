"""Writing source files for people in a hurry: ``init``, ``new``, ``update``, ``sent``.

This is the only module besides :mod:`clarion.write` that writes files, and the
only one that edits a site's sources. Every function takes ``now``/``at`` as an
argument (the clock is read in :mod:`clarion.cli`), validates its input against
``site.toml`` with "did you mean" hints, writes atomically, and reads the
written file back with the loader so that a command never leaves a file that
``clarion build`` would reject.
"""

from __future__ import annotations

import os
import re
import string
import tempfile
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from .config import SiteConfig
from .errors import ContentErrors, ErrorCollector, UsageError, did_you_mean, display_path
from .load import read_incident
from .load.frontmatter import FrontMatterError, split_front_matter
from .model import (
    CLOSING_STAGES,
    INCIDENT_IMPACTS,
    INCIDENT_STAGES,
    MAINTENANCE_STAGES,
    SEVERITY_WORDS,
    Impact,
    Incident,
    Kind,
    Severity,
    Stage,
)

#: Public update cadence while an incident is unresolved (the ``update-cadence`` rule).
UPDATE_CADENCE: Mapping[Severity, timedelta] = {
    Severity.SEV0: timedelta(minutes=15),
    Severity.SEV1: timedelta(minutes=30),
    Severity.SEV2: timedelta(hours=2),
}
#: How long an incident should stay in ``monitoring`` before ``resolved``.
MONITORING_SOAK = timedelta(minutes=30)

SEVERITY_MEANING: Mapping[Severity, str] = {
    Severity.SEV0: "critical outage",
    Severity.SEV1: "major degradation",
    Severity.SEV2: "minor impact",
    Severity.SEV3: "low impact",
}

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


# -- init ---------------------------------------------------------------------------

SCAFFOLD = "scaffold"
_TEMPLATE_SUFFIX = ".tmpl"
_DOT_PREFIX = "dot-"  # package data skips dotfiles: ``dot-gitignore`` becomes ``.gitignore``


@dataclass(frozen=True, slots=True)
class ScaffoldFile:
    relpath: str  # in the new site, ``/`` separators
    data: bytes


def scaffold_files(now: datetime) -> list[ScaffoldFile]:
    """The files ``clarion init`` writes, from the package data under
    ``clarion/scaffold/``. ``*.tmpl`` files get ``${date}`` (the day before
    ``now``, UTC) filled in; ``DATE`` in a file name is that date too, so the
    example incident always lies in the recent past."""
    day = (now.astimezone(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    files: list[ScaffoldFile] = []

    def walk(node: Traversable, parts: tuple[str, ...]) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            name = child.name
            if name.startswith((".", "__")):
                continue
            if name.startswith(_DOT_PREFIX):
                name = "." + name[len(_DOT_PREFIX) :]
            if child.is_dir():
                walk(child, (*parts, name))
                continue
            data = child.read_bytes()
            if name.endswith(_TEMPLATE_SUFFIX):
                name = name[: -len(_TEMPLATE_SUFFIX)].replace("DATE", day)
                data = string.Template(data.decode("utf-8")).substitute(date=day).encode("utf-8")
            files.append(ScaffoldFile("/".join((*parts, name)), data))

    walk(resources.files("clarion").joinpath(SCAFFOLD), ())
    return sorted(files, key=lambda f: f.relpath)


def workflow_files(
    files: Sequence[ScaffoldFile], clarion_source: str, deadline_schedule: str | None
) -> list[ScaffoldFile]:
    """``files`` with the workflows customised for the Clarion running now."""
    from .publishing import WORKFLOW_FOLDER, customise_workflow, running_clarion

    pin = running_clarion()
    return [
        ScaffoldFile(
            f.relpath,
            customise_workflow(
                f.relpath,
                f.data.decode("utf-8"),
                pin=pin,
                source=clarion_source,
                deadline_schedule=deadline_schedule,
            ).encode("utf-8"),
        )
        if f.relpath.startswith(WORKFLOW_FOLDER)
        else f
        for f in files
    ]


@dataclass(frozen=True, slots=True)
class InitResult:
    root: Path
    created: tuple[str, ...]
    replaced: tuple[str, ...]


def init_site(
    target: Path,
    *,
    now: datetime,
    force: bool = False,
    deadline_schedule: str | None = None,
    clarion_source: str = "action",
) -> InitResult:
    """Scaffold a status site in ``target`` (created if missing).

    Existing files are never overwritten unless ``force``; other files already
    in ``target`` are left alone, so a site can be added to an existing repository.
    The CI workflows install this Clarion (its version, and its commit when it
    runs from a git checkout) from ``clarion_source``; ``deadline_schedule`` names
    how often the deadline workflow runs (:data:`clarion.publishing.DEADLINE_SCHEDULES`).
    """
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    files = workflow_files(scaffold_files(now), clarion_source, deadline_schedule)
    existing = [f.relpath for f in files if (target / f.relpath).exists()]
    if existing and not force:
        shown = ", ".join(existing[:8]) + (
            f" and {len(existing) - 8} more" if len(existing) > 8 else ""
        )
        raise UsageError(
            f"{target} already has {shown}; nothing was written.\n"
            "  hint: pass --force to overwrite these files, or choose an empty folder"
        )
    for item in files:
        _write_atomic(target / item.relpath, item.data)
    return InitResult(
        root=target,
        created=tuple(f.relpath for f in files if f.relpath not in existing),
        replaced=tuple(existing),
    )


# -- severity decision tree ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    text: str


Q_PRODUCTION_DOWN = Question("production_down", "Is production down, or is critical data at risk?")
Q_MAJOR_DEGRADED = Question("major_degraded", "Is major functionality degraded?")
Q_WORKAROUND = Question("workaround", "Is there a workaround customers can use?")
Q_CUSTOMERS = Question("customers_impacted", "Are customers impacted?")


@dataclass(frozen=True, slots=True)
class SeverityDecision:
    severity: Severity
    reason: str  # why, in one sentence

    def explain(self) -> str:
        """The decision, what it means and what it sets in motion."""
        sev = self.severity
        lines = [f"Severity {sev.value} ({SEVERITY_MEANING[sev]}): {self.reason}"]
        cadence = UPDATE_CADENCE.get(sev)
        if cadence is not None:
            lines.append(
                f"  Public updates are due every {_human(cadence)} while it is unresolved."
            )
        if sev in (Severity.SEV0, Severity.SEV1):
            lines.append(
                "  When customers are affected, a customer email is owed within 1 h of declaration;"
            )
            lines.append("  a postmortem is due within 48 h of resolution.")
        return "\n".join(lines)


def decide_severity(
    *,
    production_down: bool,
    major_degraded: bool = False,
    workaround: bool = False,
    customers_impacted: bool = False,
) -> SeverityDecision:
    """The severity decision tree (PRODUCT.md, "Severity"), as a pure function.

    Production down or critical data at risk -> SEV0; else major functionality
    degraded -> SEV1 with a workaround, else SEV0; else customers impacted ->
    SEV2; else SEV3. Answers to questions the tree does not reach are ignored.
    """
    if production_down:
        return SeverityDecision(Severity.SEV0, "production is down or critical data is at risk.")
    if major_degraded:
        if workaround:
            return SeverityDecision(
                Severity.SEV1, "major functionality is degraded, but a workaround exists."
            )
        return SeverityDecision(
            Severity.SEV0, "major functionality is degraded and there is no workaround."
        )
    if customers_impacted:
        return SeverityDecision(
            Severity.SEV2, "customers are impacted, but no major functionality is degraded."
        )
    return SeverityDecision(
        Severity.SEV3, "no customer impact and no major functionality degraded."
    )


def walk_severity_tree(ask: Callable[[Question], bool]) -> SeverityDecision:
    """Ask only the questions the tree needs (``ask`` returns yes/no)."""
    if ask(Q_PRODUCTION_DOWN):
        return decide_severity(production_down=True)
    if ask(Q_MAJOR_DEGRADED):
        return decide_severity(
            production_down=False, major_degraded=True, workaround=ask(Q_WORKAROUND)
        )
    return decide_severity(production_down=False, customers_impacted=ask(Q_CUSTOMERS))


def parse_severity(word: str) -> Severity:
    try:
        return Severity.parse(word)
    except ValueError:
        hint = did_you_mean(word.upper(), SEVERITY_WORDS)
        raise UsageError(
            f"unknown severity {word!r}; expected one of: {', '.join(SEVERITY_WORDS)}"
            + (f" ({hint})" if hint else "")
        ) from None


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
                    f"'{chunk}' names no impact; write {cid or 'ID'}=IMPACT with IMPACT one of: {', '.join(words)}"
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


def _raise_problems(problems: Sequence[str]) -> None:
    if problems:
        raise UsageError("\n".join(problems))


# -- new incident / maintenance -----------------------------------------------------


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
    if not message or not message.strip():
        message = default_first_message(severity)
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
            f"the window starts ({heading_time(start)}) before this announcement ({heading_time(at)})"
        )
    return _create_source(config, slug, text, warnings=warnings)


def default_first_message(severity: Severity) -> str:
    cadence = UPDATE_CADENCE.get(severity)
    text = "We are investigating this issue."
    if cadence is not None:
        text += f" We will post an update within {_human(cadence)}."
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
            f'  hint: add to it with: clarion update {slug} STAGE "message"; or pass --slug for a new file'
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


# -- update -------------------------------------------------------------------------


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
                f"no incident matches '{prefix}': {display_path(config.updates_dir, config.root)}/ holds none yet"
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


def parse_stage(word: str, kind: Kind) -> Stage:
    allowed = MAINTENANCE_STAGES if kind is Kind.MAINTENANCE else INCIDENT_STAGES
    key = word.strip().lower().replace(" ", "_").replace("-", "_")
    for stage in allowed:
        if stage.value == key:
            return stage
    words = [s.value for s in allowed]
    hint = did_you_mean(key, words)
    other = MAINTENANCE_STAGES if kind is Kind.INCIDENT else INCIDENT_STAGES
    extra = ""
    if any(s.value == key for s in other):
        extra = (
            f" ('{key}' is a stage of {'maintenance' if kind is Kind.INCIDENT else 'incidents'})"
        )
    raise UsageError(
        f"unknown stage '{word}' for {'a maintenance' if kind is Kind.MAINTENANCE else 'an incident'}{extra}; "
        f"expected one of: {', '.join(words)}" + (f" ({hint})" if hint else "")
    )


def read_source(config: SiteConfig, path: Path) -> Incident:
    """Read one incident with the loader; refuse to edit a file that does not load."""
    errors = ErrorCollector()
    incident = read_incident(path, config, errors)
    if errors.errors or incident is None:
        raise ContentErrors(errors.errors)
    return incident


def resolve_update_target(
    config: SiteConfig, slug_prefix: str, stage_word: str
) -> tuple[Incident, Stage]:
    """The incident a ``clarion update`` names, and the stage, both checked
    (before anyone types a message)."""
    incident = read_source(config, find_incident_file(config, slug_prefix))
    return incident, parse_stage(stage_word, incident.kind)


EDITOR_MARKER = "<!-- Everything below this line is ignored. -->"


def editor_template(incident: Incident, stage: Stage, at: datetime) -> str:
    """The text ``$EDITOR`` opens with when ``clarion update`` has no message."""
    last = incident.updates[-1] if incident.updates else None
    lines = [
        "",
        EDITOR_MARKER,
        f"<!-- Public update for {incident.slug}: {incident.title}",
        f"     Stage: {stage.label}, at {heading_time(at)}.",
    ]
    if last is not None:
        lines.append(f"     The latest update ({last.stage.label}, {heading_time(last.at)}) said:")
        lines.extend("       " + line for line in last.body.replace("--", "- -").splitlines()[:8])
    lines += [
        "     Write what customers see, what you are doing and when the next update comes.",
        "     Leave the message empty to cancel. -->",
        "",
    ]
    return "\n".join(lines)


def message_from_editor(text: str | None) -> str:
    """The message typed into ``editor_template``; empty means cancelled."""
    if text is None:
        return ""
    return text.replace("\r\n", "\n").split(EDITOR_MARKER, 1)[0].strip()


def add_update(
    config: SiteConfig,
    slug_prefix: str,
    stage_word: str,
    message: str,
    *,
    at: datetime,
    now: datetime,
    impacts: Iterable[str] = (),
) -> Written:
    """Add a ``## <time> · <Stage>`` section to an incident or maintenance,
    placed in time order; warn on odd transitions."""
    incident, stage = resolve_update_target(config, slug_prefix, stage_word)
    path = config.root / incident.source_path
    impact_values = list(impacts)
    impact = parse_component_impacts(config, impact_values) if impact_values else None
    if impact is not None and incident.is_maintenance:
        raise UsageError(
            "maintenance updates take no --impact: components are under maintenance while the window is open"
        )
    message = message.strip("\n")
    if not message.strip():
        raise UsageError("the update has no message; nothing was written")
    at = to_minute(at)
    warnings = transition_warnings(incident, stage, at, now=now, impact=impact)
    raw = path.read_bytes().decode("utf-8")
    newline = "\r\n" if "\r\n" in raw else "\n"
    text = raw.replace("\r\n", "\n")
    later = [u for u in incident.updates if u.at > at]
    section = _section(at, stage, message, impact)
    lines = text.split("\n")
    if later:
        index = later[0].line - 1
        block = section.rstrip("\n").split("\n") + [""]
        if index > 0 and lines[index - 1].strip():
            block.insert(0, "")
        lines[index:index] = block
        new_text = "\n".join(lines)
        notes = [f"placed before the update of {heading_time(later[0].at)}, in time order"]
    else:
        new_text = text.rstrip("\n") + "\n\n" + section
        notes = []
    if newline != "\n":
        new_text = new_text.replace("\n", newline)
    _check_incident_text(config, path, new_text)
    _write_atomic(path, new_text.encode("utf-8"))
    return Written(
        path=path,
        relpath=display_path(path, config.root),
        slug=incident.slug,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


_INCIDENT_ORDER = {
    s: i
    for i, s in enumerate((Stage.INVESTIGATING, Stage.IDENTIFIED, Stage.MONITORING, Stage.RESOLVED))
}
_MAINTENANCE_ORDER = {
    s: i
    for i, s in enumerate((Stage.SCHEDULED, Stage.IN_PROGRESS, Stage.VERIFYING, Stage.COMPLETED))
}


def transition_warnings(
    incident: Incident,
    stage: Stage,
    at: datetime,
    *,
    now: datetime,
    impact: Mapping[str, Impact] | None = None,
) -> list[str]:
    """What is odd about adding a ``stage`` update at ``at``: reopening a
    resolved incident, going back a stage, resolving without monitoring, a
    postmortem before resolution, a time in the future. Pure."""
    warnings: list[str] = []
    before = [u for u in incident.updates if u.at <= at]
    stages = [u for u in before if u.stage is not Stage.POSTMORTEM]
    previous = stages[-1] if stages else None
    closed = previous is not None and previous.stage in CLOSING_STAGES
    noun = "maintenance" if incident.is_maintenance else "incident"
    done_word = "completed" if incident.is_maintenance else "resolved"
    if previous is not None and closed:
        done = previous.stage.value
        if stage is Stage.POSTMORTEM:
            pass
        elif stage in CLOSING_STAGES:
            warnings.append(
                f"the {noun} is already {done} (at {heading_time(previous.at)}); this adds another '{stage.value}' update"
            )
        else:
            warnings.append(
                f"this update reopens the {noun}, {done} at {heading_time(previous.at)}: it shows as active again"
                + (
                    ""
                    if incident.is_maintenance
                    else ", and 'clarion check' will warn. For a follow-up after resolution, use the 'postmortem' stage"
                )
            )
    if stage is Stage.POSTMORTEM:
        if not closed:
            warnings.append(f"a postmortem before the incident is {done_word}")
        if incident.postmortem is not None:
            warnings.append(
                f"the incident already has a postmortem (at {heading_time(incident.postmortem.at)})"
            )
    order = _MAINTENANCE_ORDER if incident.is_maintenance else _INCIDENT_ORDER
    if previous is not None and not closed and stage in order and previous.stage in order:
        if order[stage] < order[previous.stage]:
            warnings.append(f"this goes back from '{previous.stage.value}' to '{stage.value}'")
    if stage is Stage.RESOLVED and not closed:
        if previous is None or previous.stage is not Stage.MONITORING:
            warnings.append(
                f"resolved without a 'monitoring' update: practice is to monitor at least {_human(MONITORING_SOAK)} before resolving (monitoring-soak)"
            )
        else:
            since = previous.at
            for update in reversed(stages):
                if update.stage is not Stage.MONITORING:
                    break
                since = update.at
            if at - since < MONITORING_SOAK:
                warnings.append(
                    f"resolved after {_human(at - since)} in monitoring; practice is at least {_human(MONITORING_SOAK)} (monitoring-soak)"
                )
        if impact and any(i is not Impact.OPERATIONAL for i in impact.values()):
            left = ", ".join(
                f"{c}={i.value}" for c, i in impact.items() if i is not Impact.OPERATIONAL
            )
            warnings.append(f"a resolved update that leaves {left}: those components stay impacted")
    if incident.is_maintenance and incident.window is not None:
        if stage is Stage.IN_PROGRESS and at < incident.window.start:
            warnings.append(
                f"'in_progress' before the window opens ({heading_time(incident.window.start)})"
            )
    elif incident.declared_at is not None and at < incident.declared_at:
        warnings.append(
            f"this update is earlier than the declaration ({heading_time(incident.declared_at)})"
        )
    if at > now + timedelta(minutes=1):
        warnings.append(
            f"this update is dated in the future ({heading_time(at)}); it is published as soon as the site is built"
        )
    return warnings


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


# -- new notice ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSkeleton:
    """What a notice skeleton needs to know about its rule (from the rulebook)."""

    id: str
    title: str
    recipient: str = ""
    must_contain: tuple[str, ...] = ()
    audience: str | None = None


def new_notice(
    config: SiteConfig,
    slug_prefix: str,
    rule: RuleSkeleton,
    *,
    to: Sequence[str] = (),
    name: str | None = None,
) -> Written:
    """Start ``comms/<slug>/<rule>.md``: ``rule:``, ``to:``, a subject and one
    section per item the rule's notice must contain."""
    path = find_incident_file(config, slug_prefix)
    slug = path.stem
    problems = []
    for audience in to:
        if "@" not in audience and audience not in config.audiences:
            hint = did_you_mean(audience, config.audiences)
            problems.append(
                f"unknown audience '{audience}'"
                + (f": {hint}" if hint else "")
                + f"\n  audiences in site_src/site.toml: {', '.join(config.audiences) or '(none: add an [audiences] table)'}"
            )
    _raise_problems(problems)
    recipients = list(to)
    notes = []
    if not recipients and rule.audience and rule.audience in config.audiences:
        recipients = [rule.audience]
    file_name = slugify(name) if name else rule.id
    if not file_name:
        raise UsageError(f"cannot make a file name from {name!r}")
    target = config.paths.comms / slug / f"{file_name}.md"
    if target.exists():
        raise UsageError(
            f"{display_path(target, config.root)} already exists; nothing was written.\n"
            "  hint: pass --name for a second notice for the same rule"
        )
    front = ["---", f"rule: {rule.id}"]
    if recipients:
        front.append("to: [" + ", ".join(yaml_scalar(r) for r in recipients) + "]")
    else:
        front.append(
            "# to: [audience-id]   # an id from [audiences] in site_src/site.toml, or an address"
        )
        notes.append("no recipients yet: add 'to:' (an audience id from site.toml or an address)")
    # customer-facing rules (those with a default audience) get the incident's
    # title as subject; regulator notices say which notification they are
    subject = "{{ incident.title }}" if rule.audience else rule.title + ": {{ incident.title }}"
    front.append(f"subject: {yaml_scalar(subject)}")
    front.append("---")
    comment = [
        "<!--",
        f"  Draft notice for {rule.id}: {rule.title}.",
    ]
    if rule.recipient:
        comment.append(f"  Recipient: {rule.recipient.replace('--', '-')}")
    comment += [
        "  Complete every section, then send it from your mail system and record it:",
        f"      clarion sent {slug} {rule.id}",
        "-->",
    ]
    body: list[str] = []
    if rule.audience:
        for item in rule.must_contain:
            label = item.strip().rstrip(".")
            body += [f"**{label[:1].upper() + label[1:]}**", "", "(to be completed)", ""]
    else:
        # a regulator's notice: one heading per required item, from the
        # notices/ skeleton template, so `clarion check` can follow each one
        from .render.email_templates import notice_skeleton

        body = (
            notice_skeleton(config, rule.id, rule.title, rule.recipient, rule.must_contain)
            .strip("\n")
            .split("\n")
        )
    if not body:
        body = ["(Write the notice here.)", ""]
    text = "\n".join(front + comment) + "\n" + "\n".join(body).rstrip("\n") + "\n"
    _write_atomic(target, text.encode("utf-8"), exclusive=True)
    return Written(
        path=target, relpath=display_path(target, config.root), slug=slug, notes=tuple(notes)
    )


# -- sent ---------------------------------------------------------------------------


def record_sent(
    config: SiteConfig,
    slug_prefix: str,
    rule: str,
    *,
    at: datetime,
    known_rules: Collection[str] | None = None,
    force: bool = False,
) -> Written:
    """Record that the notice for ``rule`` went out at ``at``.

    A draft notice in ``comms/<slug>/`` for that rule gets its ``sent:`` set;
    otherwise a minimal notice ``comms/<slug>/<rule>-sent.md`` with ``rule:``
    and ``sent:`` is written. ``known_rules`` (the rulebook's ids), when given,
    is checked with a "did you mean" hint.
    """
    rule = rule.strip()
    if known_rules is not None and rule not in known_rules:
        hint = did_you_mean(rule, known_rules)
        raise UsageError(
            f"unknown rule '{rule}'"
            + (f": {hint}" if hint else "")
            + "\n  hint: 'clarion rules' lists the rule ids"
        )
    if not re.match(r"^[a-z0-9][a-z0-9_.-]*$", rule):
        raise UsageError(f"invalid rule id {rule!r}: rule ids are lower-case words joined by '-'")
    path = find_incident_file(config, slug_prefix)
    slug = path.stem
    at = to_minute(at)
    folder = config.paths.comms / slug
    drafts = []
    for notice in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        meta = _front_matter_of(notice)
        if meta is not None and meta.get("rule") == rule:
            drafts.append((notice, meta))
    unsent = [(p, m) for p, m in drafts if m.get("sent") is None]
    sent = [(p, m) for p, m in drafts if m.get("sent") is not None]

    def shown(p: Path) -> str:
        return display_path(p, config.root)

    if sent and not force:
        raise UsageError(
            f"the notice for {rule} is already recorded as sent in {shown(sent[0][0])} (sent: {sent[0][1]['sent']}); nothing was written.\n"
            "  hint: pass --force to record it again"
        )
    if len(unsent) == 1 and not sent:
        notice = unsent[0][0]
        _set_sent(notice, at)
        return Written(
            path=notice,
            relpath=shown(notice),
            slug=slug,
            notes=(f"set 'sent: {iso_time(at)}' in the draft",),
        )
    target = folder / f"{rule}-sent.md"
    if target.exists() and not force:
        raise UsageError(
            f"{shown(target)} already exists; nothing was written.\n  hint: pass --force to replace it"
        )
    text = (
        "---\n"
        f"rule: {rule}\n"
        f"sent: {iso_time(at)}\n"
        "---\n"
        f"<!-- Recorded with 'clarion sent': the notice for {rule} went out at {heading_time(at)}. -->\n"
    )
    _write_atomic(target, text.encode("utf-8"))
    notes = []
    if len(unsent) > 1:
        notes.append(
            f"{len(unsent)} drafts for {rule} exist ({', '.join(shown(p) for p, _ in unsent)}); recorded separately"
        )
    return Written(path=target, relpath=shown(target), slug=slug, notes=tuple(notes))


def _front_matter_of(path: Path) -> dict[str, object] | None:
    try:
        return split_front_matter(path.read_text(encoding="utf-8").replace("\r\n", "\n")).data
    except (FrontMatterError, UnicodeDecodeError):
        return None


def _set_sent(path: Path, at: datetime) -> None:
    raw = path.read_text(encoding="utf-8")
    newline = "\r\n" if "\r\n" in raw else "\n"
    text = raw.replace("\r\n", "\n")
    front = split_front_matter(text)
    lines = text.split("\n")
    closing = front.body_line - 2  # 0-based index of the closing '---'
    sent_line = front.lines.get("sent")
    if sent_line is not None:
        lines[sent_line - 1] = f"sent: {iso_time(at)}"
    else:
        lines.insert(closing, f"sent: {iso_time(at)}")
    new_text = "\n".join(lines)
    if split_front_matter(new_text).data.get("sent") is None:  # pragma: no cover - defensive
        raise UsageError(
            f"could not set 'sent:' in {path.name}; add 'sent: {iso_time(at)}' by hand"
        )
    _write_atomic(path, new_text.replace("\n", newline).encode("utf-8"))


# -- helpers ------------------------------------------------------------------------

_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9][^:#\n\"'{}\[\],&*!|>%@`]*$")


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


__all__ = [
    "Written",
    "InitResult",
    "SeverityDecision",
    "Question",
    "UPDATE_CADENCE",
    "add_update",
    "check_component_ids",
    "decide_severity",
    "fill_front_matter_time",
    "find_incident_file",
    "init_site",
    "new_incident",
    "new_maintenance",
    "new_notice",
    "RuleSkeleton",
    "parse_component_impacts",
    "parse_severity",
    "parse_stage",
    "record_sent",
    "scaffold_files",
    "slugify",
    "transition_warnings",
    "walk_severity_tree",
]
