"""``site_src/site.toml`` -> :class:`~clarion.config.site.SiteConfig`.

The file is checked against its declaration (:mod:`clarion.config.schema`), then
the checks that span tables run (a component's group, overlapping folders,
``[alerts]`` and ``[[announce]]`` against the components). Every problem is
collected and reported together with the file, the line and the key path.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from ..alerts.settings import parse_alert_settings
from ..announce.config import parse_announce
from ..core.keylines import KeyLines
from ..core.options import Reading
from ..errors import ErrorCollector, SourceLocation, did_you_mean
from ..load.guards import decode_source, nesting_problem
from ..output.outdirs import absolute_folder, output_folder_problems
from .schema import ComponentTable, MetricsTable, PathsTable, SiteToml
from .site import (
    CONFIG_RELPATH,
    DURATION_TARGET_METRICS,
    Component,
    EmailSettings,
    Group,
    MetricsSettings,
    MetricTargets,
    PathSettings,
    PostmortemSettings,
    RuleSettings,
    RunbookSettings,
    SiteConfig,
)


def load_config(root: Path) -> SiteConfig:
    """Read and validate ``site_src/site.toml`` under ``root``; raise
    :class:`~clarion.errors.ContentErrors` listing every problem."""
    errors = ErrorCollector()
    path = root / CONFIG_RELPATH
    display = CONFIG_RELPATH
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        errors.error(
            SourceLocation(display),
            f"no site configuration found under {root}",
            hint="run 'clarion init DIR' to create a site, or pass --source ROOT",
        )
        errors.raise_if_any()
        raise AssertionError("unreachable") from None
    text = decode_source(raw_bytes, display, errors)
    if text is None:
        errors.raise_if_any()
    assert text is not None
    _check_raw_toml(text, display, errors)
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(match[1]) if match else text.count("\n") + 1  # "at end of document"
        errors.error(
            SourceLocation(display, line),
            f"invalid TOML: {str(exc).split(' (at line')[0]}",
            expected='TOML syntax, e.g. key = "value" inside a [table]',
            hint="check quotes, brackets and '=' on that line",
        )
        errors.raise_if_any()
    locate = KeyLines.of(display, text)
    reading = Reading(locate, errors)
    toml = SiteToml.read(data, "", reading, label="site.toml")
    config = _build(root, toml, reading, locate, hashlib.sha256(raw_bytes).hexdigest())
    errors.raise_if_any()
    return config


def _build(
    root: Path, toml: SiteToml, reading: Reading, locate: KeyLines, digest: str
) -> SiteConfig:
    """The checked tables as a :class:`SiteConfig`, with the checks across tables."""
    site = toml.site
    groups = tuple(
        Group(id=gid, name=group.name or gid, description=group.description)
        for gid, group in toml.groups.items()
    )
    components = _components(toml.components, {g.id for g in groups}, reading)
    component_ids = [c.id for c in components]
    return SiteConfig(
        root=root.resolve(),
        title=site.title,
        base_url=site.base_url,
        timezone=site.timezone,
        timezone_explicit=site.is_set("timezone"),
        description=site.description,
        fictional=site.fictional,
        now=site.now,
        groups=groups,
        components=components,
        email=EmailSettings(sender=toml.email.sender, reply_to=toml.email.reply_to),
        audiences=toml.audiences,
        rules=RuleSettings(enabled=toml.rules.enabled, overrides=toml.rules.overrides),
        paths=_paths(root, toml.paths, reading),
        feed_entries=toml.feeds.entries,
        metrics=_metrics(toml.metrics),
        postmortem=PostmortemSettings(
            lint=toml.postmortem.lint, public_action_items=toml.postmortem.public_action_items
        ),
        runbooks=RunbookSettings(stale_after_days=toml.runbooks.stale_after_days),
        alerts=parse_alert_settings(toml.alerts, component_ids, reading.locate, reading.errors),
        announce=parse_announce(
            toml.announce,
            path=locate.path,
            lines=locate.lines,
            component_ids=component_ids,
            errors=reading.errors,
            locate_table=locate,
        ),
        digest=digest,
        key_lines=locate,
    )


def _components(
    tables: Mapping[str, ComponentTable], group_ids: set[str], reading: Reading
) -> tuple[Component, ...]:
    """Components in file order; each one's group must be a declared group."""
    components = []
    for position, (cid, table) in enumerate(tables.items(), start=1):
        where = f"components.{cid}"
        group = table.group
        if group is not None and group not in group_ids:
            reading.errors.error(
                reading.locate(f"{where}.group"),
                f"{where}.group: unknown group {group!r}",
                expected="one of: " + (", ".join(sorted(group_ids)) or "(no [groups.*] defined)"),
                hint=did_you_mean(group, group_ids) or f"add a [groups.{group}] table",
            )
            group = None
        components.append(
            Component(
                id=cid,
                name=table.name or cid,
                description=table.description,
                group=group,
                position=position,
                statuspage_id=table.statuspage_id or None,
            )
        )
    if not components:
        reading.errors.error(
            reading.locate("components"),
            "the site defines no components",
            expected='[components.api]\nname = "API"',
        )
    return tuple(components)


def _paths(root: Path, table: PathsTable, reading: Reading) -> PathSettings:
    """The folders resolved against the site root; output folders never overlap
    the sources, the site root or each other."""
    paths = PathSettings(
        comms=absolute_folder(root / table.comms),
        public=absolute_folder(root / table.public),
        private=absolute_folder(root / table.private),
    )
    for which, message in output_folder_problems(root, paths.comms, paths.public, paths.private):
        reading.errors.error(
            reading.locate(f"paths.{which}"),
            message,
            expected="a folder of its own inside the site, such as public or private",
            hint="a build replaces its output folders: never point them at sources",
        )
    return paths


def _metrics(table: MetricsTable) -> MetricsSettings:
    targets = table.targets
    durations = {m: dict(limits) for m, limits in MetricTargets().durations.items()}
    for metric in DURATION_TARGET_METRICS:
        if targets.is_set(metric):
            limits: dict[str, timedelta] = getattr(targets, metric)
            if limits:
                durations[metric] = limits
            else:
                durations.pop(metric, None)
    return MetricsSettings(
        public=table.public,
        months=table.months,
        overdue_action_items=table.overdue_action_items,
        targets=MetricTargets(
            durations=durations,
            mtbf=targets.mtbf,
            action_item_completion=targets.action_item_completion,
            postmortem_share=targets.postmortem_share,
        ),
    )


def _check_raw_toml(text: str, display: str, errors: ErrorCollector) -> None:
    """Deep nesting, refused before the TOML parser runs."""
    problem = nesting_problem(text, indentation=False)
    if problem is not None:
        errors.error(SourceLocation(display, problem.line), problem.message, hint=problem.hint)
    errors.raise_if_any()
