"""``site_src/site.toml`` -> :class:`SiteConfig`, a frozen, validated value.

Every problem is collected and reported together with the file, the line and
the key path. Unknown keys are errors with a "did you mean" hint.
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .alerts.settings import AlertSettings, parse_alert_settings
from .announce.config import Channel, parse_announce
from .errors import ErrorCollector, SourceLocation, did_you_mean
from .keylines import KeyLines
from .load.guards import decode_source, nesting_problem
from .load.schema import TimeError, check_keys, expect_type, parse_time
from .model import ID_RE, Severity
from .outdirs import absolute_folder, output_folder_problems

CONFIG_RELPATH = "site_src/site.toml"
_ID_RE = ID_RE


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
    overrides: Mapping[str, Mapping[str, object]] = field(default_factory=dict)


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


_SECTIONS = (
    "site",
    "groups",
    "components",
    "email",
    "audiences",
    "rules",
    "paths",
    "feeds",
    "metrics",
    "postmortem",
    "runbooks",
    "announce",
    "alerts",
)
_SITE_KEYS = ("title", "base_url", "timezone", "description", "fictional", "now")
_GROUP_KEYS = ("name", "description")
_COMPONENT_KEYS = ("name", "description", "group", "statuspage_id")
_EMAIL_KEYS = ("from", "reply_to")
_RULES_KEYS = ("enabled", "overrides")
_PATHS_KEYS = ("comms", "public", "private")
_FEEDS_KEYS = ("entries",)
_METRICS_KEYS = ("public", "months", "overdue_action_items", "targets")
_TARGET_KEYS = (*DURATION_TARGET_METRICS, "mtbf", "action_item_completion", "postmortem_share")


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
    config = _build(root, data, locate, errors, hashlib.sha256(raw_bytes).hexdigest())
    errors.raise_if_any()
    assert config is not None
    return config


def _located(locate: KeyLines, where: str, key: str) -> SourceLocation:
    """``locate`` for a key of the table ``where``."""
    return locate(f"{where}.{key}")


def _table(
    data: Mapping[str, object], key: str, locate: KeyLines, errors: ErrorCollector
) -> dict[str, object]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        errors.error(locate(key), f"'{key}' must be a table", expected=f"[{key}]")
        return {}
    return value


def _build(
    root: Path, data: dict[str, object], locate: KeyLines, errors: ErrorCollector, digest: str
) -> SiteConfig | None:
    check_keys(data, _SECTIONS, where="site.toml", locate=locate, errors=errors)

    site = _table(data, "site", locate, errors)
    check_keys(
        site, _SITE_KEYS, where="[site]", locate=lambda k: locate(f"site.{k}"), errors=errors
    )
    raw_title = site.get("title")
    title = raw_title if isinstance(raw_title, str) else ""
    if raw_title is None:
        errors.error(locate("site"), "[site] has no title", expected='title = "Acme Status"')
        title = ""
    else:
        expect_type(raw_title, str, name="site.title", location=locate("site.title"), errors=errors)
    base_url = site.get("base_url", "/")
    if not isinstance(base_url, str) or not re.match(r"^(https?://[^\s/]+)?/\S*$", base_url):
        errors.error(
            locate("site.base_url"),
            f"site.base_url: got {base_url!r}",
            expected='an absolute URL such as "https://status.example.com/"',
        )
        base_url = "/"
    if not base_url.endswith("/"):
        base_url += "/"
    zone_name = site.get("timezone", "UTC")
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        errors.error(
            locate("site.timezone"),
            f"site.timezone: unknown time zone {zone_name!r}",
            expected="an IANA zone name such as Europe/Berlin or UTC",
        )
        zone = ZoneInfo("UTC")
    fictional = site.get("fictional", False)
    expect_type(
        fictional, bool, name="site.fictional", location=locate("site.fictional"), errors=errors
    )
    now = None
    if "now" in site:
        try:
            now = parse_time(site["now"], None)
        except TimeError as exc:
            errors.error(
                locate("site.now"),
                f"site.now: {exc}",
                expected="a time with an offset, e.g. 2026-11-27T12:00:00Z",
            )
    if fictional is True and now is None:
        errors.error(
            locate("site.fictional"),
            "a fictional site pins its clock, but site.now is missing",
            expected='now = "2026-11-27T12:00:00Z" in [site]',
        )
    description = site.get("description", "")

    groups: list[Group] = []
    for gid, raw in _table(data, "groups", locate, errors).items():
        where = f"groups.{gid}"
        if not _check_id(gid, where, locate, errors) or not isinstance(raw, dict):
            continue
        check_keys(
            raw,
            _GROUP_KEYS,
            where=f"[{where}]",
            locate=functools.partial(_located, locate, where),
            errors=errors,
        )
        groups.append(
            Group(id=gid, name=str(raw.get("name", gid)), description=raw.get("description"))
        )
    group_ids = {g.id for g in groups}

    components: list[Component] = []
    for position, (cid, raw) in enumerate(
        _table(data, "components", locate, errors).items(), start=1
    ):
        where = f"components.{cid}"
        if not _check_id(cid, where, locate, errors):
            continue
        if not isinstance(raw, dict):
            errors.error(
                locate(where), f"[{where}] must be a table", expected=f'[{where}]\nname = "..."'
            )
            continue
        check_keys(
            raw,
            _COMPONENT_KEYS,
            where=f"[{where}]",
            locate=functools.partial(_located, locate, where),
            errors=errors,
        )
        group = raw.get("group")
        if group is not None and group not in group_ids:
            errors.error(
                locate(f"{where}.group"),
                f"{where}.group: unknown group {group!r}",
                expected="one of: " + (", ".join(sorted(group_ids)) or "(no [groups.*] defined)"),
                hint=did_you_mean(str(group), group_ids) or f"add a [groups.{group}] table",
            )
            group = None
        components.append(
            Component(
                id=cid,
                name=str(raw.get("name", cid)),
                description=raw.get("description"),
                group=group,
                position=position,
                statuspage_id=str(raw["statuspage_id"]) if raw.get("statuspage_id") else None,
            )
        )
    if not components:
        errors.error(
            locate("components"),
            "the site defines no components",
            expected='[components.api]\nname = "API"',
        )

    email_raw = _table(data, "email", locate, errors)
    check_keys(
        email_raw,
        _EMAIL_KEYS,
        where="[email]",
        locate=lambda k: locate(f"email.{k}"),
        errors=errors,
    )
    email_text: dict[str, str | None] = {}
    for key in _EMAIL_KEYS:
        value = email_raw.get(key)
        if value is None or expect_type(
            value, str, name=f"email.{key}", location=locate(f"email.{key}"), errors=errors
        ):
            email_text[key] = value if isinstance(value, str) else None
    email = EmailSettings(sender=email_text.get("from"), reply_to=email_text.get("reply_to"))

    audiences: dict[str, tuple[str, ...]] = {}
    for aid, addresses in _table(data, "audiences", locate, errors).items():
        if isinstance(addresses, str):
            addresses = [addresses]
        if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
            errors.error(
                locate(f"audiences.{aid}"),
                f"audiences.{aid}: got {addresses!r}",
                expected='a list of addresses, e.g. ["ops@example.com"]',
            )
            continue
        audiences[aid] = tuple(addresses)

    rules_raw = _table(data, "rules", locate, errors)
    check_keys(
        rules_raw,
        _RULES_KEYS,
        where="[rules]",
        locate=lambda k: locate(f"rules.{k}"),
        errors=errors,
    )
    enabled = rules_raw.get("enabled", [])
    if not isinstance(enabled, list) or not all(isinstance(r, str) for r in enabled):
        errors.error(
            locate("rules.enabled"),
            f"rules.enabled: got {enabled!r}",
            expected="a list of rule ids",
        )
        enabled = []
    overrides = rules_raw.get("overrides", {})
    if not isinstance(overrides, dict):
        errors.error(
            locate("rules.overrides"),
            "rules.overrides must be a table",
            expected="[rules.overrides.<rule-id>]",
        )
        overrides = {}
    rules = RuleSettings(enabled=tuple(enabled), overrides=overrides)

    paths_raw = _table(data, "paths", locate, errors)
    check_keys(
        paths_raw,
        _PATHS_KEYS,
        where="[paths]",
        locate=lambda k: locate(f"paths.{k}"),
        errors=errors,
    )
    resolved: dict[str, Path] = {}
    for key, default in (("comms", "comms"), ("public", "public"), ("private", "private")):
        value = paths_raw.get(key, default)
        if not isinstance(value, str) or not value.strip():
            errors.error(
                locate(f"paths.{key}"), f"paths.{key}: got {value!r}", expected="a folder path"
            )
            value = default
        resolved[key] = absolute_folder(root / value)
    _check_output_paths(root, resolved, locate, errors)
    public_dir, private_dir = resolved["public"], resolved["private"]
    paths = PathSettings(comms=resolved["comms"], public=public_dir, private=private_dir)

    feeds_raw = _table(data, "feeds", locate, errors)
    check_keys(
        feeds_raw,
        _FEEDS_KEYS,
        where="[feeds]",
        locate=lambda k: locate(f"feeds.{k}"),
        errors=errors,
    )
    entries = feeds_raw.get("entries", 50)
    if not isinstance(entries, int) or isinstance(entries, bool) or entries < 1:
        errors.error(
            locate("feeds.entries"),
            f"feeds.entries: got {entries!r}",
            expected="a whole number of at least 1",
        )
        entries = 50

    return SiteConfig(
        root=root.resolve(),
        title=title,
        base_url=base_url,
        timezone=zone,
        timezone_explicit="timezone" in site,
        description=str(description),
        fictional=fictional is True,
        now=now,
        groups=tuple(groups),
        components=tuple(components),
        email=email,
        audiences=audiences,
        rules=rules,
        paths=paths,
        feed_entries=entries,
        metrics=_metrics(_table(data, "metrics", locate, errors), locate, errors),
        postmortem=_postmortem(_table(data, "postmortem", locate, errors), locate, errors),
        runbooks=_runbooks(_table(data, "runbooks", locate, errors), locate, errors),
        alerts=parse_alert_settings(
            _table(data, "alerts", locate, errors), [c.id for c in components], locate, errors
        ),
        digest=digest,
        key_lines=locate,
        announce=parse_announce(
            data.get("announce"),
            path=locate.path,
            lines=locate.lines,
            component_ids=[c.id for c in components],
            errors=errors,
            locate_table=locate,
        ),
    )


def _postmortem(
    raw: dict[str, object], locate: KeyLines, errors: ErrorCollector
) -> PostmortemSettings:
    check_keys(
        raw,
        ("lint", "public_action_items"),
        where="[postmortem]",
        locate=lambda k: locate(f"postmortem.{k}"),
        errors=errors,
    )
    shown = raw.get("public_action_items", False)
    name = "postmortem.public_action_items"
    if not expect_type(shown, bool, name=name, location=locate(name), errors=errors):
        shown = False
    value = raw.get("lint", ["SEV0", "SEV1"])
    try:
        if not isinstance(value, list):
            raise ValueError(value)
        return PostmortemSettings(
            lint=tuple(Severity.parse(str(word)) for word in value),
            public_action_items=shown is True,
        )
    except ValueError:
        errors.error(
            locate("postmortem.lint"),
            f"postmortem.lint: got {value!r}",
            expected='a list of severities, e.g. ["SEV0", "SEV1"] ([] lints none)',
        )
        return PostmortemSettings(public_action_items=shown is True)


def _runbooks(raw: dict[str, object], locate: KeyLines, errors: ErrorCollector) -> RunbookSettings:
    check_keys(
        raw,
        ("stale_after_days",),
        where="[runbooks]",
        locate=lambda k: locate(f"runbooks.{k}"),
        errors=errors,
    )
    days = raw.get("stale_after_days", 180)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        errors.error(
            locate("runbooks.stale_after_days"),
            f"runbooks.stale_after_days: got {days!r}",
            expected="a whole number of days, at least 1",
        )
        days = 180
    return RunbookSettings(stale_after_days=days)


def _check_raw_toml(text: str, display: str, errors: ErrorCollector) -> None:
    """Deep nesting, refused before the TOML parser runs."""
    problem = nesting_problem(text, indentation=False)
    if problem is not None:
        errors.error(SourceLocation(display, problem.line), problem.message, hint=problem.hint)
    errors.raise_if_any()


def _check_output_paths(
    root: Path, resolved: Mapping[str, Path], locate: KeyLines, errors: ErrorCollector
) -> None:
    """Output folders never overlap the sources, the site root or each other."""
    for which, message in output_folder_problems(
        root, resolved["comms"], resolved["public"], resolved["private"]
    ):
        errors.error(
            locate(f"paths.{which}"),
            message,
            expected="a folder of its own inside the site, such as public or private",
            hint="a build replaces its output folders: never point them at sources",
        )


def _metrics(raw: dict[str, object], locate: KeyLines, errors: ErrorCollector) -> MetricsSettings:
    """``[metrics]`` and ``[metrics.targets]``; a target left out keeps its
    default, ``false`` removes it."""
    check_keys(
        raw,
        _METRICS_KEYS,
        where="[metrics]",
        locate=lambda k: locate(f"metrics.{k}"),
        errors=errors,
    )
    public = raw.get("public", False)
    if not expect_type(
        public, bool, name="metrics.public", location=locate("metrics.public"), errors=errors
    ):
        public = False
    months = raw.get("months", 12)
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 120:
        errors.error(
            locate("metrics.months"),
            f"metrics.months: got {months!r}",
            expected="a whole number from 1 to 120",
        )
        months = 12
    level = raw.get("overdue_action_items", "warning")
    if level not in OVERDUE_ACTION_ITEM_LEVELS:
        errors.error(
            locate("metrics.overdue_action_items"),
            f"metrics.overdue_action_items: got {level!r}",
            expected="one of: " + ", ".join(f'"{w}"' for w in OVERDUE_ACTION_ITEM_LEVELS),
            hint=did_you_mean(str(level), OVERDUE_ACTION_ITEM_LEVELS),
        )
        level = "warning"
    targets_raw = raw.get("targets", {})
    if not isinstance(targets_raw, dict):
        errors.error(
            locate("metrics.targets"),
            "metrics.targets must be a table",
            expected="[metrics.targets]",
        )
        targets_raw = {}
    check_keys(
        targets_raw,
        _TARGET_KEYS,
        where="[metrics.targets]",
        locate=lambda k: locate(f"metrics.targets.{k}"),
        errors=errors,
    )
    defaults = MetricTargets()
    durations = {metric: dict(limits) for metric, limits in defaults.durations.items()}
    for metric in DURATION_TARGET_METRICS:
        if metric in targets_raw:
            limits = _duration_targets(
                targets_raw[metric], f"metrics.targets.{metric}", locate, errors
            )
            if limits:
                durations[metric] = limits
            else:
                durations.pop(metric, None)
    mtbf = defaults.mtbf
    if "mtbf" in targets_raw:
        value = targets_raw["mtbf"]
        mtbf = (
            None
            if value is False
            else _target_duration(value, "metrics.targets.mtbf", locate, errors)
        )
    shares = {}
    for key in ("action_item_completion", "postmortem_share"):
        shares[key] = getattr(defaults, key)
        if key in targets_raw:
            shares[key] = _target_share(targets_raw[key], f"metrics.targets.{key}", locate, errors)
    targets = MetricTargets(
        durations=durations,
        mtbf=mtbf,
        action_item_completion=shares["action_item_completion"],
        postmortem_share=shares["postmortem_share"],
    )
    return MetricsSettings(
        public=public is True, months=months, overdue_action_items=str(level), targets=targets
    )


def _target_duration(
    value: object, where: str, locate: KeyLines, errors: ErrorCollector
) -> timedelta | None:
    from .rules.duration import DURATION_EXPECTED, DurationError, parse_duration

    try:
        return parse_duration(value).as_timedelta()
    except DurationError as exc:
        errors.error(
            locate(where),
            f"{where}: {exc}",
            expected=DURATION_EXPECTED.replace(", P1M", "") + "; no months",
        )
        return None


def _duration_targets(
    value: object, where: str, locate: KeyLines, errors: ErrorCollector
) -> dict[str, timedelta]:
    """``"PT5M"`` (every incident), ``{SEV1 = "PT5M", SEV0 = "PT2M"}`` or ``false``."""
    from .model import SEVERITY_WORDS, Severity

    if value is False:
        return {}
    if isinstance(value, str):
        limit = _target_duration(value, where, locate, errors)
        return {ALL_SEVERITIES: limit} if limit is not None else {}
    if not isinstance(value, dict):
        errors.error(
            locate(where),
            f"{where}: got {value!r}",
            expected='a duration such as "PT5M", a table such as { SEV1 = "PT5M" }, or false',
        )
        return {}
    limits: dict[str, timedelta] = {}
    for key, text in value.items():
        if str(key).lower() == ALL_SEVERITIES:
            name = ALL_SEVERITIES
        else:
            try:
                name = Severity.parse(str(key)).value
            except ValueError:
                errors.error(
                    locate(where),
                    f"{where}: unknown severity {key!r}",
                    expected="SEV0, SEV1, SEV2, SEV3 (P0-P3 are aliases) or all",
                    hint=did_you_mean(str(key).upper(), SEVERITY_WORDS),
                )
                continue
        limit = _target_duration(text, f"{where}.{key}", locate, errors)
        if limit is not None:
            limits[name] = limit
    return limits


def _target_share(
    value: object, where: str, locate: KeyLines, errors: ErrorCollector
) -> float | None:
    """``0.9``, ``"90%"`` or ``false``."""
    if value is False:
        return None
    share: float | None = None
    if isinstance(value, float) or (
        isinstance(value, int) and not isinstance(value, bool) and value in (0, 1)
    ):
        share = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+(?:\.\d+)?\s*%\s*", value):
        share = float(value.strip().rstrip("%")) / 100
    if share is None or not 0 <= share <= 1:
        errors.error(
            locate(where),
            f"{where}: got {value!r}",
            expected='a share from 0 to 1 such as 0.9, a percentage such as "90%", or false',
        )
        return None
    return share


def _check_id(ident: str, where: str, locate: KeyLines, errors: ErrorCollector) -> bool:
    if _ID_RE.match(ident):
        return True
    errors.error(
        locate(where),
        f"invalid id {ident!r} in [{where}]",
        expected="lower-case letters, digits, '-' and '_' (it appears in URLs)",
    )
    return False
