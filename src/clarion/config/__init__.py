"""A site's settings: ``site_src/site.toml`` read into a frozen :class:`SiteConfig`.

:mod:`.site` holds the values, :mod:`.schema` declares the file's keys with
their checks, :mod:`.loader` reads the file (:func:`load_config`).
"""

from __future__ import annotations

from .loader import load_config
from .site import (
    ALL_SEVERITIES,
    CONFIG_RELPATH,
    DURATION_TARGET_METRICS,
    OVERDUE_ACTION_ITEM_LEVELS,
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

__all__ = [
    "ALL_SEVERITIES",
    "CONFIG_RELPATH",
    "DURATION_TARGET_METRICS",
    "OVERDUE_ACTION_ITEM_LEVELS",
    "Component",
    "EmailSettings",
    "Group",
    "MetricTargets",
    "MetricsSettings",
    "PathSettings",
    "PostmortemSettings",
    "RuleSettings",
    "RunbookSettings",
    "SiteConfig",
    "load_config",
]
