"""The Jinja environment: a site's ``templates/`` folder overrides the built-in
theme by file name; ``default/<name>`` always reaches the built-in template, so
an override can ``{% extends "default/base.html.j2" %}`` and change one block."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from ..rules.duration import format_seconds

THEME_DIR = Path(__file__).resolve().parent.parent / "themes" / "default"


def _autoescape(name: str | None) -> bool:
    return bool(name) and name.endswith((".html.j2", ".xml.j2", ".svg.j2", ".html", ".svg"))


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
    )
    env.filters["local"] = lambda moment, fmt=DEFAULT_TIME_FORMAT: format_local(moment, zone, fmt)
    env.filters["time_tag"] = lambda moment, fmt=DEFAULT_TIME_FORMAT: time_tag(moment, zone, fmt)
    env.filters["iso"] = iso_utc
    env.filters["duration"] = format_seconds
    env.filters["percent"] = format_percent
    return env


DEFAULT_TIME_FORMAT = "%d %b %Y, %H:%M %Z"


@functools.lru_cache(maxsize=65536)
def format_local(moment: datetime, zone: ZoneInfo, fmt: str) -> str:
    """A time in the site's zone, e.g. ``20 Nov 2026, 15:05 CET``."""
    return moment.astimezone(zone).strftime(fmt)


@functools.lru_cache(maxsize=65536)
def iso_utc(moment: datetime) -> str:
    """``2026-11-20T14:05:00Z``: the machine-readable time of a ``<time>``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
