"""The Jinja environment: a site's ``templates/`` folder overrides the built-in
theme by file name; ``default/<name>`` always reaches the built-in template, so
an override can ``{% extends "default/base.html.j2" %}`` and change one block."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from ..errors import ContentError, ContentErrors, SourceLocation
from ..rules.duration import format_seconds
from . import THEME_DIR, times
from .compiled import COMPILED


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith((".html.j2", ".xml.j2", ".svg.j2", ".html", ".svg"))


def make_environment(site_templates: Path | None, zone: ZoneInfo) -> jinja2.Environment:
    """A strict, autoescaping environment with Clarion's filters."""
    builtin = jinja2.FileSystemLoader(str(THEME_DIR))
    loaders: list[jinja2.BaseLoader] = []
    if site_templates is not None and site_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(site_templates)))
    loaders.append(jinja2.PrefixLoader({"default": builtin}))
    loaders.append(builtin)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=COMPILED,
    )
    env.filters["local"] = lambda moment, fmt=DEFAULT_TIME_FORMAT: format_local(moment, zone, fmt)
    env.filters["time_tag"] = lambda moment, fmt=DEFAULT_TIME_FORMAT: time_tag(moment, zone, fmt)
    env.filters["iso"] = iso_utc
    env.filters["duration"] = format_seconds
    env.filters["percent"] = format_percent
    return env


DEFAULT_TIME_FORMAT = "%d %b %Y, %H:%M %Z"


def render_template(
    env: jinja2.Environment, name: str, site_root: Path, site_templates: Path, **context: object
) -> str:
    """``env.get_template(name).render(**context)``; an error in one of the
    site's own templates (syntax, unknown name, bad filter) raises
    :class:`ContentErrors` naming its file and line. Errors inside the
    built-in theme alone are Clarion's own and propagate."""
    template = load_template(env, name, site_root, site_templates)
    try:
        return template.render(**context)
    except jinja2.TemplateError as exc:
        error = site_template_error(exc, site_root, site_templates)
        if error is None:
            raise
        raise ContentErrors([error]) from None


def load_template(
    env: jinja2.Environment, name: str, site_root: Path, site_templates: Path
) -> jinja2.Template:
    """``env.get_template(name)``, a syntax error in a site template raised as
    :class:`ContentErrors`."""
    try:
        return env.get_template(name)
    except jinja2.TemplateError as exc:
        error = site_template_error(exc, site_root, site_templates)
        if error is None:
            raise
        raise ContentErrors([error]) from None


def site_template_error(
    exc: jinja2.TemplateError, site_root: Path, site_templates: Path
) -> ContentError | None:
    """The content error for ``exc`` when it comes from a template in
    ``site_templates`` (its innermost frame there), else ``None``."""
    folder = site_templates.resolve()
    where: tuple[Path, int | None] | None = None
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        where = (Path(exc.filename), exc.lineno)
    else:
        trace = exc.__traceback__
        while trace is not None:
            filename = Path(trace.tb_frame.f_code.co_filename)
            if filename.suffix and _inside(filename, folder):
                where = (filename, trace.tb_lineno)
            trace = trace.tb_next
    if where is None or not _inside(where[0], folder):
        return None
    path, line = where
    try:
        shown = path.resolve().relative_to(site_root.resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    message = exc.message or type(exc).__name__
    expected, hint = _template_advice(exc, message)
    return ContentError(
        location=SourceLocation(shown, line),
        message=f"template error: {message}",
        expected=expected,
        hint=hint,
    )


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder)
    except OSError:
        return False


_ATTRIBUTE_RE = re.compile(r"has no attribute '([^']+)'")


def _template_advice(exc: jinja2.TemplateError, message: str) -> tuple[str, str]:
    if "no filter named" in message.lower() or "no test named" in message.lower():
        return (
            "a Jinja built-in filter or one of Clarion's: local, time_tag, iso, duration, "
            "percent, markdown",
            "see docs/theming.md for the filters",
        )
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return "valid Jinja syntax", "check the tag or expression on that line"
    attribute = _ATTRIBUTE_RE.search(message)
    if attribute is not None:
        return (
            "a field the object has (docs/theming.md lists them)",
            f"check the spelling of '{attribute.group(1)}'",
        )
    return "a name the page's context defines (docs/theming.md)", "check the spelling"


@functools.lru_cache(maxsize=65536)
def format_local(moment: datetime, zone: ZoneInfo, fmt: str) -> str:
    """A time in the site's zone, e.g. ``20 Nov 2026, 15:05 CET``."""
    return moment.astimezone(zone).strftime(fmt)


@functools.lru_cache(maxsize=65536)
def iso_utc(moment: datetime) -> str:
    """``2026-11-20T14:05:00Z``: the machine-readable time of a ``<time>``
    (:func:`clarion.render.times.iso_utc`, kept per moment)."""
    text = times.iso_utc(moment)
    assert text is not None
    return text


def time_tag(moment: datetime, zone: ZoneInfo, fmt: str) -> Markup:
    """``<time datetime="<UTC>">local time</time>``: shown in the site's zone,
    machine-readable in UTC."""
    return Markup(f'<time datetime="{iso_utc(moment)}">{format_local(moment, zone, fmt)}</time>')


def format_percent(ratio: float | None) -> str:
    """Uptime as shown: ``99.95%``; ``100%`` only when nothing was lost."""
    if ratio is None:
        return "no data"
    if ratio >= 1:
        return "100%"
    value = min(ratio * 100, 99.99)
    return f"{value:.2f}%"


#: The wrapper that replaces ``base.html.j2`` in fragment mode.
FRAGMENT_BASE = "fragment.html.j2"


class FragmentLoader(jinja2.BaseLoader):
    """Fragment mode: the page chrome is the host theme's, so ``base.html.j2``
    (also reached as ``default/base.html.j2``) loads ``fragment.html.j2``, which
    a site may override like any template."""

    def __init__(self, inner: jinja2.BaseLoader):
        self.inner = inner

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template in ("base.html.j2", "default/base.html.j2"):
            template = FRAGMENT_BASE
        return self.inner.get_source(environment, template)
