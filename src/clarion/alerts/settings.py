"""``[alerts]`` in ``site.toml``: which alert maps to which component, with what
impact and severity, and how to read a generic JSON payload.

    [alerts]
    severity = "SEV2"                  # optional: when no matching rule suggests one

    [alerts.map.payments]              # one rule; its name appears in messages
    service = "payments-api"           # match the alert's service ...
    labels = { env = "prod" }          # ... and/or all these labels ...
    tags = ["team:payments"]           # ... and/or all these tags ...
    title_contains = "checkout"        # ... and/or this text in the alert's title
    components = { api = "major_outage", dashboard = "degraded_performance" }
    severity = "SEV1"                  # optional severity suggestion
    headline = "Payments are failing"  # optional public title of the draft

    [alerts.generic]                   # see clarion.alerts.generic
    title = "$.alert.summary"
    dedup_key = "$.alert.id"

Validated like the rest of ``site.toml`` (:mod:`clarion.config`): every
problem with its line, what was expected and a did-you-mean hint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import ErrorCollector, SourceLocation, did_you_mean
from ..load.schema import check_keys
from ..model import INCIDENT_IMPACTS, SEVERITY_WORDS, Impact, Severity
from .jsonpath import JsonPathError, parse_path

ALERTS_KEYS = ("severity", "map", "generic")
RULE_KEYS = ("service", "labels", "tags", "title_contains", "components", "severity", "headline")
MATCH_KEYS = ("service", "labels", "tags", "title_contains")
GENERIC_KEYS = (
    "title",
    "dedup_key",
    "service",
    "status",
    "triggered",
    "acknowledged",
    "url",
    "labels",
    "tags",
)
GENERIC_REQUIRED = ("title", "dedup_key")


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRule:
    """One ``[alerts.map.<name>]`` rule."""

    name: str
    service: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    title_contains: str | None = None
    components: Mapping[str, Impact] = field(default_factory=dict)
    severity: Severity | None = None
    headline: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GenericMapping:
    """``[alerts.generic]``: field name -> JSON path (parsed, and as written)."""

    paths: Mapping[str, tuple[str | int, ...]]
    texts: Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertSettings:
    rules: tuple[AlertRule, ...] = ()
    severity: Severity | None = None
    generic: GenericMapping | None = None


Locate = Callable[[str], SourceLocation]


def parse_alert_settings(
    raw: Mapping[str, object], component_ids: Sequence[str], locate: Locate, errors: ErrorCollector
) -> AlertSettings:
    """``[alerts]`` -> :class:`AlertSettings`; problems go to ``errors``."""
    check_keys(
        raw, ALERTS_KEYS, where="[alerts]", locate=lambda k: locate(f"alerts.{k}"), errors=errors
    )
    severity = _severity(raw.get("severity"), "alerts.severity", locate, errors)
    rules: list[AlertRule] = []
    table = raw.get("map", {})
    if not isinstance(table, dict):
        errors.error(
            locate("alerts.map"), "'alerts.map' must be a table", expected="[alerts.map.<name>]"
        )
        table = {}
    for name, body in table.items():
        rule = _rule(str(name), body, component_ids, locate, errors)
        if rule is not None:
            rules.append(rule)
    generic = None
    if "generic" in raw:
        generic = _generic(raw["generic"], locate, errors)
    return AlertSettings(rules=tuple(rules), severity=severity, generic=generic)


def _severity(value: object, where: str, locate: Locate, errors: ErrorCollector) -> Severity | None:
    if value is None:
        return None
    try:
        return Severity.parse(str(value))
    except ValueError:
        errors.error(
            locate(where),
            f"{where}: got {value!r}",
            expected="one of: " + ", ".join(SEVERITY_WORDS),
            hint=did_you_mean(str(value).upper(), SEVERITY_WORDS),
        )
        return None


def _rule(
    name: str, body: object, component_ids: Sequence[str], locate: Locate, errors: ErrorCollector
) -> AlertRule | None:
    where = f"alerts.map.{name}"
    before = len(errors.errors)
    if not isinstance(body, dict):
        errors.error(locate(where), f"[{where}] must be a table", expected=_RULE_EXAMPLE)
        return None
    check_keys(
        body, RULE_KEYS, where=f"[{where}]", locate=lambda k: locate(f"{where}.{k}"), errors=errors
    )
    if not any(k in body for k in MATCH_KEYS):
        errors.error(
            locate(where),
            f"[{where}] matches nothing",
            expected="at least one of: " + ", ".join(MATCH_KEYS),
            hint=_RULE_EXAMPLE,
        )
    texts: dict[str, str | None] = {}
    for key in ("service", "title_contains", "headline"):
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            errors.error(locate(f"{where}.{key}"), f"{where}.{key}: got {value!r}", expected="text")
        texts[key] = value.strip() if isinstance(value, str) and value.strip() else None
    labels = body.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        errors.error(
            locate(f"{where}.labels"),
            f"{where}.labels: got {labels!r}",
            expected='a table of label names to texts, e.g. { env = "prod" }',
        )
        labels = {}
    tags = body.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors.error(
            locate(f"{where}.tags"), f"{where}.tags: got {tags!r}", expected="a list of texts"
        )
        tags = []
    components = _components(body.get("components"), where, component_ids, locate, errors)
    severity = _severity(body.get("severity"), f"{where}.severity", locate, errors)
    if len(errors.errors) > before:
        return None
    return AlertRule(
        name=name,
        service=texts["service"],
        labels={str(k): v for k, v in labels.items()},
        tags=tuple(tags),
        title_contains=texts["title_contains"],
        components=components,
        severity=severity,
        headline=texts["headline"],
    )


def _components(
    value: object, where: str, component_ids: Sequence[str], locate: Locate, errors: ErrorCollector
) -> dict[str, Impact]:
    key = f"{where}.components"
    if not isinstance(value, dict) or not value:
        errors.error(
            locate(key if value is not None else where),
            f"[{where}] names no component" if value is None else f"{key}: got {value!r}",
            expected='components = { api = "partial_outage" } (component ids from [components])',
        )
        return {}
    words = [i.value for i in INCIDENT_IMPACTS if i is not Impact.OPERATIONAL]
    out: dict[str, Impact] = {}
    for cid, word in value.items():
        if cid not in component_ids:
            errors.error(
                locate(key),
                f"{key}: unknown component '{cid}'",
                expected="a component id from [components]: " + ", ".join(component_ids),
                hint=did_you_mean(str(cid), component_ids) or f"add [components.{cid}] first",
            )
            continue
        text = str(word).strip().lower().replace(" ", "_").replace("-", "_")
        if text not in words:
            errors.error(
                locate(key),
                f"{key}.{cid}: got impact {word!r}",
                expected="one of: " + ", ".join(words),
                hint=did_you_mean(text, words),
            )
            continue
        out[str(cid)] = Impact(text)
    return out


def _generic(value: object, locate: Locate, errors: ErrorCollector) -> GenericMapping | None:
    if not isinstance(value, dict):
        errors.error(
            locate("alerts.generic"), "'alerts.generic' must be a table", expected=_GENERIC_EXAMPLE
        )
        return None
    check_keys(
        value,
        GENERIC_KEYS,
        where="[alerts.generic]",
        locate=lambda k: locate(f"alerts.generic.{k}"),
        errors=errors,
    )
    paths: dict[str, tuple[str | int, ...]] = {}
    texts: dict[str, str] = {}
    for key in GENERIC_KEYS:
        text = value.get(key)
        if text is None:
            if key in GENERIC_REQUIRED:
                errors.error(
                    locate("alerts.generic"),
                    f"[alerts.generic] has no '{key}'",
                    expected=f'{key} = "$.path.to.{key}"',
                )
            continue
        try:
            if not isinstance(text, str):
                raise JsonPathError(f"got {text!r}")
            paths[key] = parse_path(text.strip())
            texts[key] = text.strip()
        except JsonPathError as exc:
            errors.error(
                locate(f"alerts.generic.{key}"),
                f"alerts.generic.{key}: {exc}",
                expected="a JSON path such as $.alert.id, $.alerts[0].labels or $['key']",
            )
    return GenericMapping(paths=paths, texts=texts)


_RULE_EXAMPLE = 'service = "payments-api" and components = { api = "partial_outage" }'
_GENERIC_EXAMPLE = '[alerts.generic] with title = "$.title" and dedup_key = "$.id"'
