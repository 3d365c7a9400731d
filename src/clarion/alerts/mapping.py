"""From an :class:`~clarion.alerts.alert.Alert` to what the incident file needs,
by the ``[alerts.map]`` rules of ``site.toml``.

Every signal of the alert is matched against every rule; a rule matches when
all the matchers it gives hold (service equal, each label equal, each tag
present, the text in the title; case-insensitive). The incident gets the
union of the matched rules' components, each at the worst impact any rule
gives it, and the most severe of their severity suggestions (else
``[alerts] severity``). An alert that matches no rule is an error that names
what it carried and how to map it; nothing is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import UsageError
from ..model import Impact, Severity
from .alert import Alert, Signal
from .settings import AlertRule, AlertSettings


@dataclass(frozen=True, slots=True, kw_only=True)
class MappedAlert:
    alert: Alert
    title: str  # the public headline (a rule's ``headline``, else the alert's title)
    components: dict[str, Impact]
    severity: Severity | None
    rules: tuple[str, ...]  # names of the matched rules, in site.toml order
    unmapped: tuple[Signal, ...]  # signals no rule matched


def matches(rule: AlertRule, signal: Signal) -> bool:
    def same(a: str | None, b: str | None) -> bool:
        return a is not None and b is not None and a.casefold() == b.casefold()

    if rule.service is not None and not same(rule.service, signal.service):
        return False
    for name, value in rule.labels.items():
        if not same(value, signal.labels.get(name)):
            return False
    tags = {t.casefold() for t in signal.tags}
    if any(t.casefold() not in tags for t in rule.tags):
        return False
    if (
        rule.title_contains is not None
        and rule.title_contains.casefold() not in signal.title.casefold()
    ):
        return False
    return True


def map_alert(alert: Alert, settings: AlertSettings) -> MappedAlert:
    components: dict[str, Impact] = {}
    matched: list[AlertRule] = []
    unmapped: list[Signal] = []
    for signal in alert.signals:
        hits = [rule for rule in settings.rules if matches(rule, signal)]
        if not hits:
            unmapped.append(signal)
        for rule in hits:
            if rule not in matched:
                matched.append(rule)
    matched.sort(key=settings.rules.index)
    for rule in matched:
        for cid, impact in rule.components.items():
            if cid not in components or impact.rank > components[cid].rank:
                components[cid] = impact
    if not components:
        raise UsageError(_unmapped_message(alert, unmapped or list(alert.signals)))
    suggestions = [r.severity for r in matched if r.severity is not None]
    severity = min(suggestions, key=lambda s: s.rank) if suggestions else settings.severity
    headline = next((r.headline for r in matched if r.headline), None)
    return MappedAlert(
        alert=alert,
        title=headline or alert.title,
        components=components,
        severity=severity,
        rules=tuple(r.name for r in matched),
        unmapped=tuple(unmapped),
    )


def _unmapped_message(alert: Alert, signals: list[Signal]) -> str:
    named = "; ".join(dict.fromkeys(s.describe() for s in signals)) or "nothing to match"
    first = signals[0] if signals else Signal()
    if first.service:
        match = f"service = {json.dumps(first.service)}"
        name = first.service
    elif first.labels:
        key, value = sorted(first.labels.items())[0]
        match = f"labels = {{ {key} = {json.dumps(value)} }}"
        name = value
    else:
        match = f"title_contains = {json.dumps(first.title or alert.title)}"
        name = "alert"
    name = (
        "".join(c if c.isalnum() or c in "-_" else "-" for c in name.lower()).strip("-") or "alert"
    )
    return (
        f"the alert maps to no component: {named} matches no [alerts.map] rule; "
        "nothing was written.\n"
        "  hint: map it in site_src/site.toml, e.g.\n"
        f"    [alerts.map.{name}]\n"
        f"    {match}\n"
        '    components = { COMPONENT_ID = "partial_outage" }\n'
        '    severity = "SEV2"'
    )
