"""The value ``site_src/site.toml`` is read into: :class:`SiteConfig`, frozen,
and its parts. :mod:`clarion.config.schema` declares the file's keys and their
checks; :mod:`clarion.config.loader` reads the file into these values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..alerts.settings import AlertSettings
from ..announce.config import Channel
from ..core.keylines import KeyLines
from ..model import Severity

CONFIG_RELPATH = "site_src/site.toml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    id: str
    name: str
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    id: str
    name: str
    description: str | None = None
    group: str | None = None
    position: int = 0  # order in site.toml, from 1
    statuspage_id: str | None = None  # kept by `clarion import statuspage --keep-ids`


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailSettings:
    sender: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSettings:
    """Which rules are in force and the site's overrides (validated by the rulebook)."""

    enabled: tuple[str, ...] = ()
    #: ``[rules.overrides.<id>]`` as written: each is checked by :mod:`clarion.rules.settings`
    overrides: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class PathSettings:
    """Output and comms folders, resolved against the site root."""

    comms: Path
    public: Path
    private: Path


#: Metrics with a duration target: a maximum for the mean, per severity.
DURATION_TARGET_METRICS = ("mtta", "time_to_declare", "time_to_first_update", "mttr")
#: The key of a duration target that applies to every incident, whatever its severity.
ALL_SEVERITIES = "all"


def _default_duration_targets() -> dict[str, dict[str, timedelta]]:
    return {"mtta": {"SEV1": timedelta(minutes=5)}, "mttr": {"SEV1": timedelta(hours=1)}}


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricTargets:
    """Reference values of incident practice, shown in ``clarion stats`` and as
    lines on the metrics page's charts (``[metrics.targets]`` in site.toml).

    ``durations`` maps a metric of :data:`DURATION_TARGET_METRICS` to the
    longest acceptable mean per severity (``"SEV1"``) or for every incident
    (:data:`ALL_SEVERITIES`). ``mtbf`` is the shortest acceptable mean time
    between failures of each component; the two ratios are minimum shares.
    ``None`` means no target.
    """

    durations: Mapping[str, Mapping[str, timedelta]] = field(
        default_factory=_default_duration_targets
    )
    mtbf: timedelta | None = timedelta(days=30)
    action_item_completion: float | None = 0.9
    postmortem_share: float | None = None


OVERDUE_ACTION_ITEM_LEVELS = ("warning", "error", "off")


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricsSettings:
    """``[metrics]``: where the metrics page goes, how ``clarion check``
    reports open action items past their due date, and the targets."""

    public: bool = False  # True: public/metrics/ with a nav link; False: private/metrics/
    months: int = 12  # calendar months the metrics page covers, ending with the current one
    overdue_action_items: str = "warning"  # "warning", "error" or "off"
    targets: MetricTargets = field(default_factory=MetricTargets)


@dataclass(frozen=True, slots=True, kw_only=True)
class PostmortemSettings:
    """``[postmortem]``: which incidents' postmortems ``clarion check`` lints,
    and whether action items' owners and dates are public."""

    lint: tuple[Severity, ...] = (Severity.SEV0, Severity.SEV1)
    #: show action items' owners and due dates on public pages, feeds and the
    #: API (default: only their text)
    public_action_items: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RunbookSettings:
    """``[runbooks]``: when `clarion check` calls a runbook stale."""

    stale_after_days: int = 180


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    root: Path
    title: str
    base_url: str  # always ends with "/"
    timezone: ZoneInfo
    timezone_explicit: bool = True  # False: site.toml sets none (naive times are errors)
    description: str = ""
    fictional: bool = False
    now: datetime | None = None  # pinned clock of a fictional site
    groups: tuple[Group, ...] = ()
    components: tuple[Component, ...] = ()
    email: EmailSettings = field(default_factory=EmailSettings)
    audiences: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rules: RuleSettings = field(default_factory=RuleSettings)
    paths: PathSettings
    feed_entries: int = 50
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    postmortem: PostmortemSettings = field(default_factory=PostmortemSettings)
    runbooks: RunbookSettings = field(default_factory=RunbookSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)  # [alerts]: clarion.alerts
    digest: str = ""  # hash of site.toml, for caches
    announce: tuple[Channel, ...] = ()  # [[announce]] channels (clarion.announce.config)
    # the lines of site.toml, so later checks (the rulebook's) can name a key's line
    key_lines: KeyLines = field(default=KeyLines("site_src/site.toml"), compare=False, repr=False)

    def component(self, component_id: str) -> Component:
        for component in self.components:
            if component.id == component_id:
                return component
        raise KeyError(component_id)

    @property
    def component_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.components)

    @property
    def source_dir(self) -> Path:
        return self.root / "site_src"

    @property
    def updates_dir(self) -> Path:
        return self.root / "updates"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"
