"""Read ``<paths.comms>/<slug>/*.md`` notices and ``<slug>/breach.yml`` sidecars.

The comms folder may live outside the site root (a private checkout). Each
folder names an incident; each Markdown file in it is a notice with front
matter (``rule``, ``to``, ``cc``, ``bcc``, ``subject``, ``sent``,
``incident``) and a Markdown body kept as a raw template. A ``breach.yml``
beside the notices holds the incident's breach block, for sites whose
``updates/`` are public. Every problem is reported to the shared collector.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..documents import Notice
from ..errors import ErrorCollector, SourceLocation, did_you_mean
from ..model import Breach, Incident
from .breach import read_breach_mapping
from .frontmatter import FrontMatterError, parse_yaml_with_lines, read_front_matter
from .guards import decode_source
from .schema import TIME_EXPECTED, TimeError, check_keys, parse_time
from .sections import UNCLOSED_COMMENT, unclosed_comment

if TYPE_CHECKING:
    from ..config import SiteConfig
    from ..rules import RuleBook

NOTICE_KEYS = ("rule", "to", "cc", "bcc", "subject", "sent", "sent_forced", "incident")
SIDECAR_NAMES = ("breach.yml", "breach.yaml")

#: Where a front-matter key of the notice is (its first line without a key).
Locate = Callable[..., SourceLocation]


def comms_display_path(path: Path, config: SiteConfig) -> str:
    """A comms file as messages show it: relative to the site root, or, for a
    comms folder outside the root, starting at that folder's name."""
    resolved = path.resolve()
    if resolved.is_relative_to(config.root):
        return resolved.relative_to(config.root).as_posix()
    comms = config.paths.comms
    return (Path(comms.name) / resolved.relative_to(comms)).as_posix()


def load_comms(
    config: SiteConfig,
    incidents: list[Incident],
    slugs: Collection[str],
    rule_ids: Collection[str],
    errors: ErrorCollector,
) -> tuple[list[Incident], list[Notice]]:
    """Read every notice and breach sidecar; return the incidents (with sidecar
    breach blocks attached) and the notices sorted by ``(slug, name)``.

    ``slugs`` are every incident file's slug, loaded or not, so that a folder
    of an incident with errors is not also reported as unknown.
    """
    comms_dir = config.paths.comms
    if not comms_dir.is_dir():
        return incidents, []
    zone = config.timezone if config.timezone_explicit else None
    by_slug = {incident.slug: incident for incident in incidents}
    notices: list[Notice] = []
    for entry in sorted(comms_dir.iterdir()):
        relpath = comms_display_path(entry, config)
        if entry.name.startswith("."):
            continue
        if entry.is_file():
            if entry.suffix.lower() == ".md" and entry.name.lower() != "readme.md":
                errors.error(
                    SourceLocation(relpath, 1),
                    "a notice must be inside its incident's folder",
                    expected=f"{comms_dir.name}/<incident slug>/{entry.name}",
                    hint="move the file into the folder named after the incident it belongs to",
                )
            continue
        slug = entry.name
        if slug not in slugs:
            errors.error(
                SourceLocation(relpath),
                f"the comms folder '{slug}' names no incident",
                expected=(
                    "a folder named after an incident's slug (its file name in updates/ without "
                    ".md)"
                ),
                hint=did_you_mean(slug, slugs)
                or "rename the folder, or create the incident in updates/",
            )
            continue
        for path in sorted(entry.iterdir()):
            file_relpath = comms_display_path(path, config)
            if path.is_dir():
                if any(path.rglob("*.md")):
                    errors.warn(
                        SourceLocation(file_relpath),
                        "notices in sub-folders are not read",
                        hint=f"move notices directly into {relpath}/",
                    )
                continue
            name = path.name.lower()
            if name in SIDECAR_NAMES:
                breach = read_breach_sidecar(path, file_relpath, zone, errors)
                incident = by_slug.get(slug)
                if breach is None or incident is None:
                    continue
                if incident.breach is not None:
                    line = incident.lines.get("breach")
                    errors.error(
                        SourceLocation(file_relpath, 1),
                        f"the incident already has a breach: block ({incident.source_path}:{line})",
                        expected="the breach details in one place: the front matter or this file",
                        hint=(
                            "keep the sidecar (it stays out of public updates/) and delete the "
                            "front-matter block"
                        ),
                    )
                    continue
                by_slug[slug] = dataclasses.replace(incident, breach=breach)
            elif path.suffix.lower() == ".md" and name != "readme.md":
                notice = read_notice(path, slug, file_relpath, config, rule_ids, zone, errors)
                if notice is not None:
                    notices.append(notice)
    notices.sort(key=lambda n: (n.slug, n.name))
    return [by_slug.get(i.slug, i) for i in incidents], notices


def read_breach_sidecar(
    path: Path, relpath: str, zone: ZoneInfo | None, errors: ErrorCollector
) -> Breach | None:
    """``comms/<slug>/breach.yml``: the breach mapping itself, or ``breach:`` and the mapping."""

    text = _read_text(path, relpath, errors)
    if text is None:
        return None
    try:
        data, lines = parse_yaml_with_lines(text, first_line=1)
    except FrontMatterError as exc:
        errors.error(SourceLocation(relpath, exc.line), str(exc), hint=exc.hint)
        return None
    prefix = ""
    if isinstance(data, dict) and list(data) == ["breach"]:
        data, prefix = data["breach"], "breach."
    if not isinstance(data, dict) or not data:
        errors.error(
            SourceLocation(relpath, 1),
            "the breach file must be a mapping of breach fields",
            expected="aware: 2026-11-20T16:00:00Z\nrules: [gdpr-art33-authority]",
        )
        return None
    return read_breach_mapping(data, lines, prefix, relpath, zone, errors)


def read_notice(
    path: Path,
    slug: str,
    relpath: str,
    config: SiteConfig,
    rule_ids: Collection[str],
    zone: ZoneInfo | None,
    errors: ErrorCollector,
) -> Notice | None:
    """Read one notice; report every problem and return ``None`` if there was one."""
    front = read_front_matter(path.read_bytes(), relpath, errors)
    if front is None:
        return None
    data, lines = front.data, front.lines
    before = len(errors.errors)

    def at(key: str | None = None) -> SourceLocation:
        return SourceLocation(relpath, lines.get(key, 1) if key else 1)

    check_keys(data, NOTICE_KEYS, where="the notice's front matter", locate=at, errors=errors)
    unclosed = unclosed_comment(front.body)
    if unclosed is not None:
        errors.error(
            SourceLocation(relpath, front.body_line + unclosed),
            UNCLOSED_COMMENT,
            hint="close the comment with '-->' where it should end",
        )

    _check_incident_field(data.get("incident"), slug, relpath, at, errors)

    rule = _read_rule(data.get("rule"), rule_ids, at, errors)

    recipients = {
        key: _read_recipients(data.get(key), key, at, config, errors) for key in ("to", "cc", "bcc")
    }
    if (
        data.get("rule") is None and not recipients["to"] and not data.get("to")
    ):  # (a bad to: is reported above)
        errors.error(
            at(),
            "the notice names neither a rule nor recipients",
            expected="rule: <rule id> (the deadline it satisfies) and/or to: [<audience id>]",
        )

    subject = data.get("subject")
    if subject is not None and not isinstance(subject, str):
        errors.error(
            at("subject"),
            f"subject: got {subject!r}",
            expected="text, e.g. subject: Update on {{ incident.title }}",
        )
        subject = None

    sent = _read_sent(data.get("sent"), zone, at, errors)
    forced = _read_forced(data.get("sent_forced") or (), at, errors)

    if len(errors.errors) > before:
        return None
    return Notice(
        slug=slug,
        name=path.stem,
        rule=rule,
        to=recipients["to"],
        cc=recipients["cc"],
        bcc=recipients["bcc"],
        subject=(subject or "").strip(),
        sent_at=sent,
        sent_forced=forced,
        body=front.body,
        source_path=relpath,
        lines=dict(lines),
        body_line=front.body_line,
    )


def _check_incident_field(
    incident: object, slug: str, relpath: str, at: Locate, errors: ErrorCollector
) -> None:
    """``incident:``, when given, must name the folder's incident."""
    if incident is not None and str(incident) != slug:
        errors.error(
            at("incident"),
            f"incident: got '{incident}', but the notice is in the folder of '{slug}'",
            expected=f"incident: {slug} (or no incident field: the folder names the incident)",
            hint=(
                f"move the file to {Path(relpath).parent.parent.as_posix()}/{incident}/ if it "
                "belongs to that incident"
            ),
        )


def _read_rule(
    rule: object, rule_ids: Collection[str], at: Locate, errors: ErrorCollector
) -> str | None:
    if rule is None:
        return None
    if isinstance(rule, str) and rule in rule_ids:
        return rule
    errors.error(
        at("rule"),
        f"rule: unknown rule '{rule}'",
        expected="a rule id listed by `clarion rules`, e.g. gdpr-art33-authority or customer-ack",
        hint=did_you_mean(str(rule), rule_ids) or "run `clarion rules` to see every rule id",
    )
    return None


def _read_sent(
    value: object, zone: ZoneInfo | None, at: Locate, errors: ErrorCollector
) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value, zone)
    except TimeError as exc:
        errors.error(
            at("sent"),
            f"sent: {exc}",
            expected=TIME_EXPECTED + " (or no sent: while the notice is a draft)",
            hint=None
            if zone
            else "add a zone to the time, or set [site] timezone in site_src/site.toml",
        )
        return None


def _read_forced(forced: object, at: Locate, errors: ErrorCollector) -> tuple[str, ...]:
    if not isinstance(forced, list | tuple) or not all(isinstance(f, str) for f in forced):
        errors.error(
            at("sent_forced"),
            f"sent_forced: got {forced!r}",
            expected="a list of the reasons 'clarion sent --force' overrode",
        )
        return ()
    return tuple(forced)


def _read_recipients(
    value: object,
    key: str,
    at: Callable[[str], SourceLocation],
    config: SiteConfig,
    errors: ErrorCollector,
) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(
        isinstance(item, str) and item.strip() for item in items
    ):
        errors.error(
            at(key),
            f"{key}: got {value!r}",
            expected=f"a list of audience ids or addresses, e.g. {key}: [customers]",
        )
        return ()
    audiences = config.audiences
    out = []
    for item in items:
        item = item.strip()
        if "@" not in item and item not in audiences:
            errors.error(
                at(key),
                f"{key}: unknown audience '{item}'",
                expected="an audience id from [audiences] in site_src/site.toml ("
                + (", ".join(audiences) or "none defined")
                + ") or an email address",
                hint=did_you_mean(item, audiences)
                or f'add {item} = ["address@example.com"] under [audiences]',
            )
            continue
        out.append(item)
    return tuple(out)


def _read_text(path: Path, relpath: str, errors: ErrorCollector) -> str | None:
    return decode_source(path.read_bytes(), relpath, errors)


def check_breach_references(
    incidents: list[Incident], rulebook: RuleBook, errors: ErrorCollector
) -> None:
    """Rule ids in ``breach.rules`` and ``breach.decisions``, and clock names,
    must be ones the rulebook knows."""
    ids = rulebook.ids
    clocks = rulebook.breach_clocks
    for incident in incidents:
        breach = incident.breach
        if breach is None:
            continue

        def at(key: str, breach: Breach = breach, incident: Incident = incident) -> SourceLocation:
            return SourceLocation(
                breach.source_path or incident.source_path,
                breach.lines.get(key) or breach.lines.get(key.split(".")[0]),
            )

        prefix = "breach." if breach.source_path == incident.source_path else ""
        for rule_id in breach.rules or ():
            if rule_id not in rulebook:
                errors.error(
                    at("rules"),
                    f"{prefix}rules: unknown rule '{rule_id}'",
                    expected="rule ids listed by `clarion rules`",
                    hint=did_you_mean(rule_id, ids) or "run `clarion rules` to see every rule id",
                )
        for rule_id, decision in breach.decisions.items():
            if rule_id not in rulebook:
                errors.error(
                    SourceLocation(breach.source_path or incident.source_path, decision.line),
                    f"{prefix}decisions: unknown rule '{rule_id}'",
                    expected="a rule id listed by `clarion rules`",
                    hint=did_you_mean(rule_id, ids) or "run `clarion rules` to see every rule id",
                )
        for rule_id, delay in breach.delays.items():
            if rule_id not in rulebook:
                errors.error(
                    SourceLocation(breach.source_path or incident.source_path, delay.line),
                    f"{prefix}delays: unknown rule '{rule_id}'",
                    expected="a rule id listed by `clarion rules`",
                    hint=did_you_mean(rule_id, ids) or "run `clarion rules` to see every rule id",
                )
        for name in breach.facts:
            if name not in rulebook.fact_names:
                errors.error(
                    at("facts"),
                    f"{prefix}facts: no rule reads a fact named '{name}'",
                    expected="one of: " + (", ".join(rulebook.fact_names) or "(none)"),
                    hint=did_you_mean(name, rulebook.fact_names),
                )
        for name in breach.clocks:
            if name not in clocks:
                errors.error(
                    at(name),
                    f"{prefix}{name}: no rule reads a clock named '{name}'",
                    expected="one of: " + ", ".join(clocks),
                    hint=did_you_mean(name, clocks) or "keep other facts under notes:",
                )
