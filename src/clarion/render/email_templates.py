"""Templates of notices and email drafts: a sandboxed, strict Jinja environment
and the incident fields a notice may use.

A notice's subject and body are templates written by people (and a site's
``templates/`` may override the built-in email templates), so they render in
Jinja's :class:`~jinja2.sandbox.SandboxedEnvironment`: no attribute starting
with ``_``, no access to Python internals. Undefined names are errors
(:class:`TemplateProblem`) that name the file and line and suggest the nearest
name, never an empty string.

Built-in templates live in ``themes/default/email/`` and
``themes/default/notices/``; a file of the same name in the site's
``templates/`` folder wins, and ``default/<name>`` always reaches the built-in
one. ``.html.j2`` templates are autoescaped; text and Markdown templates are not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import jinja2
import jinja2.sandbox

from ..config import SiteConfig
from ..errors import ContentError, SourceLocation, did_you_mean, display_path
from ..model import Impact, Incident, Stage, Update, outline_of, worst_impact
from ..rules import RuleBook
from ..rules.duration import format_seconds
from . import THEME_DIR
from .compiled import COMPILED
from .template_limits import LimitedSandbox, TemplateLimit, render_limited
from .views import item_uri


class UnknownName(jinja2.UndefinedError):
    """A template used a name or attribute that does not exist."""

    def __init__(self, name: str | None, owner: object, missing: bool):
        self.name = name
        self.owner = owner
        self.missing = missing  # True: a top-level name; False: an attribute of owner
        super().__init__(f"unknown name '{name}'")


class _StrictUndefined(jinja2.StrictUndefined):
    """StrictUndefined that says which name is unknown, and on what."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        missing = self._undefined_obj is jinja2.utils.missing
        raise UnknownName(self._undefined_name, None if missing else self._undefined_obj, missing)


for _name in dir(jinja2.StrictUndefined):
    # Undefined binds its dunder methods to the base class's function: rebind them.
    if getattr(jinja2.StrictUndefined, _name, None) is jinja2.Undefined._fail_with_undefined_error:
        setattr(_StrictUndefined, _name, _StrictUndefined._fail_with_undefined_error)


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html.j2", ".html"))


def email_environment(config: SiteConfig) -> LimitedSandbox:
    """The sandboxed environment of notices and email templates."""
    builtin = jinja2.FileSystemLoader(str(THEME_DIR))
    loaders: list[jinja2.BaseLoader] = []
    if config.templates_dir.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(config.templates_dir)))
    loaders.append(jinja2.PrefixLoader({"default": builtin}))
    loaders.append(builtin)
    env = LimitedSandbox(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=_StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=COMPILED,
    )
    zone = config.timezone
    env.filters["local"] = lambda moment, fmt="%Y-%m-%d %H:%M %Z": moment.astimezone(zone).strftime(
        fmt
    )
    env.filters["utc"] = lambda moment, fmt="%Y-%m-%d %H:%M UTC": moment.astimezone(UTC).strftime(
        fmt
    )
    env.filters["long_time"] = lambda moment: long_time(moment, zone)
    env.filters["duration"] = format_seconds
    return env


def template_exists(env: jinja2.Environment, name: str) -> bool:
    try:
        env.get_template(name)
    except jinja2.TemplateNotFound:
        return False
    return True


# -- errors with file and line -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateSource:
    """Where a template's text comes from, to point errors at the right line:
    ``path`` as messages show it and the file line of the template's line 1."""

    path: str
    first_line: int = 1


class TemplateProblem(Exception):
    """A template could not be rendered; carries the content error."""

    def __init__(self, error: ContentError):
        self.error = error
        super().__init__(error.format())


def render_template(
    env: jinja2.Environment,
    source: str | None,
    context: Mapping[str, object],
    where: TemplateSource,
    *,
    name: str | None = None,
    config: SiteConfig,
) -> str:
    """Render the template ``source`` (or the named template ``name``) with
    ``context``; any problem raises :class:`TemplateProblem` with the file
    and line of the mistake."""
    try:
        template = env.get_template(name) if name is not None else env.from_string(source or "")
        return render_limited(template, dict(context))
    except jinja2.TemplateSyntaxError as exc:
        path, line = _locate(exc, where, config, exc.lineno, exc.filename)
        raise TemplateProblem(
            _error(
                path,
                line,
                f"template syntax: {exc.message}",
                expected="Jinja syntax, e.g. {{ incident.title }}",
            )
        ) from None
    except UnknownName as exc:
        path, line = _locate(exc, where, config)
        raise TemplateProblem(_unknown_name_error(exc, path, line, context)) from None
    except jinja2.TemplateNotFound as exc:
        path, line = _locate(exc, where, config)
        raise TemplateProblem(_error(
            path, line, f"template '{exc.name}' not found",
            expected="a template in the site's templates/ folder or a built-in one (default/...)",
            hint=did_you_mean(str(exc.name), env.list_templates()) if env.loader else None,
        )) from None  # fmt: skip
    except jinja2.exceptions.SecurityError as exc:
        path, line = _locate(exc, where, config)
        raise TemplateProblem(
            _error(
                path,
                line,
                f"not allowed in a template: {exc}",
                hint="use the incident's fields, e.g. {{ incident.title }}",
            )
        ) from None
    except (TemplateLimit, RecursionError, MemoryError) as exc:
        lineno, filename = getattr(exc, "lineno", None), getattr(exc, "filename", None)
        path, line = _locate(exc, where, config, lineno, filename)
        what = str(exc) if isinstance(exc, TemplateLimit) else "recursion or memory without end"
        raise TemplateProblem(_error(path, line, f"the template goes beyond a limit: {what}",
                                     hint="templates may loop, nest and grow only so far; "
                                     "see 'Bad input' in the docs")) from None  # fmt: skip
    except jinja2.TemplateError as exc:
        path, line = _locate(exc, where, config)
        raise TemplateProblem(_error(path, line, f"template error: {exc}")) from None
    except (TypeError, ValueError, AttributeError, KeyError, ZeroDivisionError) as exc:
        path, line = _locate(exc, where, config)
        raise TemplateProblem(
            _error(path, line, f"template error: {type(exc).__name__}: {exc}")
        ) from None


def _error(
    path: str,
    line: int | None,
    message: str,
    *,
    expected: str | None = None,
    hint: str | None = None,
) -> ContentError:
    return ContentError(
        location=SourceLocation(path, line), message=message, expected=expected, hint=hint
    )


def _locate(
    exc: BaseException,
    where: TemplateSource,
    config: SiteConfig,
    lineno: int | None = None,
    filename: str | None = None,
) -> tuple[str, int | None]:
    """The file and line of a template error: the innermost template frame of
    the traceback (Jinja rewrites it to template lines), mapped to the file."""
    if lineno is None:
        tb = exc.__traceback__
        while tb is not None:
            code_file = tb.tb_frame.f_code.co_filename
            if (
                code_file == "<template>"
                or code_file.endswith(".j2")
                or tb.tb_frame.f_globals.get("__jinja_template__")
            ):
                filename, lineno = code_file, tb.tb_lineno
            tb = tb.tb_next
    if filename and filename != "<template>":
        return _template_display_path(Path(filename), config), lineno
    return where.path, (where.first_line + lineno - 1) if lineno else where.first_line


def _template_display_path(path: Path, config: SiteConfig) -> str:
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        pass
    try:
        return "built-in template " + path.resolve().relative_to(THEME_DIR).as_posix()
    except ValueError:
        return display_path(path, config.root)


def _unknown_name_error(
    exc: UnknownName, path: str, line: int | None, context: Mapping[str, object]
) -> ContentError:
    name = exc.name or "?"
    expected: str | None
    if exc.missing:
        choices: Sequence[str] = sorted(context)
        message = f"unknown name '{name}' in a template"
        expected = "one of: " + ", ".join(choices)
    else:
        owner = exc.owner
        choices = (
            sorted(owner)
            if isinstance(owner, Mapping)
            else sorted(a for a in dir(owner) if not a.startswith("_"))
        )
        what = _owner_name(owner, context)
        message = (
            f"unknown name '{what}.{name}' in a template"
            if what
            else f"unknown attribute '{name}' in a template"
        )
        expected = f"one of: {', '.join(choices)}" if choices and len(choices) <= 40 else None
    hint = (
        did_you_mean(name, choices)
        or "names are case-sensitive; see the README section 'Email drafts' for the fields"
    )
    return _error(path, line, message, expected=expected, hint=hint)


def _owner_name(
    owner: object, context: Mapping[str, object], prefix: str = "", depth: int = 0
) -> str | None:
    """The dotted name of ``owner`` inside the context (``incident.latest_update``)."""
    for key, value in context.items():
        dotted = f"{prefix}{key}"
        if value is owner:
            return dotted
        if isinstance(value, Mapping) and depth < 2:
            found = _owner_name(owner, value, dotted + ".", depth + 1)
            if found:
                return found
    return None


# -- the fields a notice may use -----------------------------------------------------


def long_time(moment: datetime, zone: ZoneInfo) -> str:
    """``Friday 20 November 2026, 15:05 CET``: a time as people read it."""
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M %Z}"


def _utc_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def impact_window(start: datetime, end: datetime | None, zone: ZoneInfo) -> str:
    """The impact window in the reader's terms: local times in the site's zone,
    UTC in brackets (not for a site in UTC: one time format per zone), and how
    long it lasted."""
    begin = start.astimezone(zone)
    utc_site = zone.key in _UTC_KEYS
    if end is None:
        return f"since {long_time(start, zone)}" + ("" if utc_site else f" ({_utc_time(start)})")
    finish = end.astimezone(zone)
    length = format_seconds((end - start).total_seconds())
    if begin.date() == finish.date():
        utc = f" ({start.astimezone(UTC):%H:%M} to {end.astimezone(UTC):%H:%M} UTC)"
        return (
            f"{begin:%A} {begin.day} {begin:%B %Y}, from {begin:%H:%M} to {finish:%H:%M %Z}"
            f"{'' if utc_site else utc}, {length}"
        )
    brackets = "" if utc_site else f" ({_utc_time(start)} to {_utc_time(end)})"
    return f"from {long_time(start, zone)} to {long_time(end, zone)}{brackets}, {length}"


#: Zone names that are UTC itself.
_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu",
                       "Etc/Zulu", "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0",
                       "Etc/Greenwich", "Greenwich"})  # fmt: skip


def known_updates(incident: Incident, now: datetime) -> tuple[Update, ...]:
    return tuple(u for u in incident.updates if u.at <= now)


def _update_context(update: Update, zone: ZoneInfo, start: datetime) -> dict[str, object]:
    local, first = update.at.astimezone(zone), start.astimezone(zone)
    short = (
        f"{local:%H:%M %Z}"
        if local.date() == first.date()
        else f"{local:%a} {local.day} {local:%b}, {local:%H:%M %Z}"
    )
    return {
        "at": update.at,
        "time": long_time(update.at, zone),
        "short_time": short,
        "time_utc": _utc_time(update.at),
        "stage": update.stage.value,
        "stage_label": update.stage.label,
        "text": update.body.strip(),
    }


def incident_context(
    incident: Incident, config: SiteConfig, rulebook: RuleBook | None, now: datetime
) -> dict[str, object]:
    """The ``incident`` a notice's templates see: plain values, known at ``now``."""
    zone = config.timezone
    updates = known_updates(incident, now)
    stages = [u for u in updates if u.stage is not Stage.POSTMORTEM]
    end = outline_of(updates, incident.kind).resolved_at
    worst: dict[str, list[Impact]] = {cid: [impact] for cid, impact in incident.components.items()}
    for update in updates:
        for cid, impact in (update.impact or {}).items():
            worst.setdefault(cid, []).append(impact)
    components = []
    for cid, impacts in worst.items():
        try:
            name = config.component(cid).name
        except KeyError:
            name = cid
        impact = worst_impact(impacts)
        components.append(
            {"id": cid, "name": name, "impact": impact.value, "impact_label": impact.label}
        )
    postmortem = next((u for u in updates if u.stage is Stage.POSTMORTEM), None)
    cadence = None
    if rulebook is not None and "update-cadence" in rulebook and rulebook["update-cadence"].enabled:
        period = rulebook["update-cadence"].deadline_for(incident.severity)
        cadence = period.human() if period is not None else None
    status = (
        stages[-1].stage
        if stages
        else (Stage.SCHEDULED if incident.is_maintenance else Stage.INVESTIGATING)
    )
    return {
        "slug": incident.slug,
        "title": incident.title,
        "kind": incident.kind.value,
        "severity": incident.severity.value if incident.severity else None,
        "status": status.value,
        "status_label": status.label,
        "is_resolved": end is not None,
        "public": incident.public,
        "customers_affected": incident.customers_affected,
        "url": config.base_url + item_uri(incident) if incident.public else None,
        "summary": incident.summary.strip(),
        "components": components,
        "component_names": join_names([c["name"] for c in components]),
        "started_at": incident.started_at,
        "start": long_time(incident.started_at, zone),
        "start_utc": _utc_time(incident.started_at),
        "declared_at": incident.declared_at,
        "detected_at": incident.detected_at,
        "resolved_at": end,
        "end": long_time(end, zone) if end else None,
        "end_utc": _utc_time(end) if end else None,
        "duration": format_seconds((end - incident.started_at).total_seconds()) if end else None,
        "impact_window": impact_window(incident.started_at, end, zone),
        "updates": [_update_context(u, zone, incident.started_at) for u in stages],
        "latest_update": _update_context(stages[-1], zone, incident.started_at) if stages else None,
        "first_update": _update_context(stages[0], zone, incident.started_at) if stages else None,
        "postmortem": _update_context(postmortem, zone, incident.started_at)
        if postmortem
        else None,
        "update_every": cadence,
        "timezone": zone.key,
    }


def site_context(config: SiteConfig) -> dict[str, object]:
    name = re.sub(r"\s+status(\s+page)?$", "", config.title, flags=re.I).strip() or config.title
    return {
        "title": config.title,
        "name": name,
        "url": config.base_url,
        "timezone": config.timezone.key,
        "fictional": config.fictional,
        "reply_to": config.email.reply_to,
    }


def join_names(names: Sequence[str]) -> str:
    """``API``, ``API and Dashboard``, ``API, Dashboard and CDN``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# -- notice skeletons ------------------------------------------------------------------


def notice_skeleton(
    config: SiteConfig, rule_id: str, title: str, recipient: str, must_contain: Sequence[str]
) -> str:
    """The body of a new regulator notice: one heading per required item of
    the rule (``notices/<rule-id>.md.j2`` if the site or Clarion has one,
    else ``notices/skeleton.md.j2``), so the content check can follow it."""
    from ..derive.required_content import parse_item

    env = email_environment(config)
    items = [parse_item(text) for text in must_contain]
    context = {
        "rule": {
            "id": rule_id,
            "title": title,
            "recipient": recipient,
            "items": [
                {"heading": i.heading, "text": i.text, "condition": i.condition} for i in items
            ],
        },
        "site": site_context(config),
    }
    name = (
        f"notices/{rule_id}.md.j2"
        if template_exists(env, f"notices/{rule_id}.md.j2")
        else "notices/skeleton.md.j2"
    )
    try:
        return render_template(env, None, context, TemplateSource(name), name=name, config=config)
    except TemplateProblem as problem:
        from ..errors import ContentErrors

        raise ContentErrors([problem.error]) from None
