"""``clarion update``: a new stage section in an incident, the editor text and
the warnings about odd stage changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from ..config import SiteConfig
from ..errors import UsageError, did_you_mean, display_path
from ..model import (
    CLOSING_STAGES,
    INCIDENT_STAGES,
    MAINTENANCE_STAGES,
    Impact,
    Incident,
    Kind,
    Stage,
    Update,
)
from ..rules import load_rules
from ..rules.practice import Period, Practice
from .common import (
    Written,
    _check_incident_text,
    _human,
    _section,
    _write_atomic,
    find_incident_file,
    heading_time,
    read_source,
    to_minute,
)
from .new import parse_component_impacts


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
        f"unknown stage '{word}' for "
        f"{'a maintenance' if kind is Kind.MAINTENANCE else 'an incident'}{extra}; "
        f"expected one of: {', '.join(words)}" + (f" ({hint})" if hint else "")
    )


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
            "maintenance updates take no --impact: components "
            "are under maintenance while the window is open"
        )
    message = message.strip("\n")
    if not message.strip():
        raise UsageError("the update has no message; nothing was written")
    at = to_minute(at)
    practice = Practice.of(load_rules(config))
    warnings = transition_warnings(incident, stage, at, now=now, impact=impact, practice=practice)
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
        notes = owed_after_update(incident, stage, at, practice)
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


def owed_after_update(
    incident: Incident, stage: Stage, at: datetime, practice: Practice
) -> list[str]:
    """What the new update sets in motion, in the site's practice periods:
    the next public update while unresolved; the customer email and the
    postmortem once resolved."""
    if incident.is_maintenance or stage is Stage.POSTMORTEM:
        return []
    severity = incident.severity
    if stage not in CLOSING_STAGES:
        cadence = practice.cadence.get(severity) if severity is not None else None
        if cadence is None or not incident.public:
            return []
        return [
            f"the next public update is due by {heading_time(at + cadence)} "
            f"({practice.cadence_text(severity)} cadence, update-cadence)"
        ]
    notes = []
    resolution = practice.customer_resolution
    if resolution is not None and resolution.applies_to(severity) and incident.customers_affected:
        notes.append(
            f"a customer email is due by {heading_time(at + resolution.length)} "
            f"(within {resolution.human}, customer-resolution)"
        )
    postmortem = practice.postmortem
    if postmortem is not None and postmortem.applies_to(severity) and incident.postmortem is None:
        notes.append(
            f"a postmortem is due by {heading_time(at + postmortem.length)} "
            f"(within {postmortem.human}, postmortem)"
        )
    return notes


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
    practice: Practice,
) -> list[str]:
    """What is odd about adding a ``stage`` update at ``at``: reopening a
    resolved incident, going back a stage, resolving without monitoring (as
    long as the site's ``monitoring-soak``), a postmortem before resolution,
    a time in the future. Pure."""
    warnings: list[str] = []
    before = [u for u in incident.updates if u.at <= at]
    stages = [u for u in before if u.stage is not Stage.POSTMORTEM]
    previous = stages[-1] if stages else None
    closed = previous is not None and previous.stage in CLOSING_STAGES
    done_word = "completed" if incident.is_maintenance else "resolved"
    if previous is not None and closed:
        warnings += _closed_warnings(incident, stage, previous)
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
    soak = practice.monitoring_soak
    if stage is Stage.RESOLVED and not closed and soak is not None:
        warnings += _soak_warnings(stages, previous, at, soak)
    if stage is Stage.RESOLVED and not closed:
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
            f"this update is dated in the future ({heading_time(at)}): it stays off the page, "
            "feeds and API until then and appears with the first build at or after that time "
            "('clarion next-change' names it)"
        )
    return warnings


def _closed_warnings(incident: Incident, stage: Stage, previous: Update) -> list[str]:
    """Adding ``stage`` after the closing update ``previous``: another closing
    update, or one that reopens."""
    warnings: list[str] = []
    noun = "maintenance" if incident.is_maintenance else "incident"
    done = previous.stage.value
    if stage is Stage.POSTMORTEM:
        pass
    elif stage in CLOSING_STAGES:
        warnings.append(
            f"the {noun} is already {done} (at {heading_time(previous.at)}); "
            f"this adds another '{stage.value}' update"
        )
    else:
        warnings.append(
            f"this update reopens the {noun}, {done} at "
            f"{heading_time(previous.at)}: it shows as active again"
            + (
                ""
                if incident.is_maintenance
                else ", and 'clarion check' will warn. For a follow-up "
                "after resolution, use the 'postmortem' stage"
            )
        )
    return warnings


def _soak_warnings(
    stages: Sequence[Update], previous: Update | None, at: datetime, soak: Period
) -> list[str]:
    """Resolving at ``at`` without monitoring for the site's ``monitoring-soak``."""
    warnings: list[str] = []
    if previous is None or previous.stage is not Stage.MONITORING:
        warnings.append(
            "resolved without a 'monitoring' update: practice is to monitor at least "
            f"{soak.human} before resolving (monitoring-soak)"
        )
    else:
        since = previous.at
        for update in reversed(stages):
            if update.stage is not Stage.MONITORING:
                break
            since = update.at
        if at - since < soak.length:
            warnings.append(
                f"resolved after {_human(at - since)} in monitoring; "
                f"practice is at least {soak.human} (monitoring-soak)"
            )
    return warnings
