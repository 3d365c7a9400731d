"""The severity's checklist from the incident-management practice: who to pull
in, who to tell, how often to speak. Every duration is read from the rulebook
(the rule named beside an item); an item whose rule is off or does not apply
to the incident is left out."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Incident, Severity
from ..rules import RuleBook

ALL = (Severity.SEV0, Severity.SEV1, Severity.SEV2, Severity.SEV3)
MAJOR = (Severity.SEV0, Severity.SEV1)


@dataclass(frozen=True, slots=True)
class Item:
    text: str  # {due}: the rule's duration for the severity; {channel}: the channel
    severities: tuple[Severity, ...]
    rule: str | None = None


ITEMS = (
    Item(
        "All hands: page every affected team's on-call and engineering leadership", (Severity.SEV0,)
    ),
    Item("Page the owning team's on-call and the incident commander rotation", (Severity.SEV1,)),
    Item("The owning team's on-call leads; escalate to SEV1 if impact grows", (Severity.SEV2,)),
    Item("Track it in the owning team's queue; no public cadence", (Severity.SEV3,)),
    Item(
        "Executive notice: tell the executive on call what is down and the next update time",
        (Severity.SEV0,),
    ),
    Item("Tell engineering leadership", (Severity.SEV1,)),
    Item("Open {channel}, pin this brief, start a call bridge", MAJOR),
    Item("Name an incident commander within {due} (roles: commander)", MAJOR, "incident-commander"),
    Item("Name a communications lead within {due} (roles: comms_lead)", MAJOR, "comms-lead"),
    Item("Name a scribe to keep the timeline (roles: scribe)", MAJOR),
    Item("Public status update at least every {due} until resolved", ALL, "update-cadence"),
    Item("Customer acknowledgement email within {due} of declaring", MAJOR, "customer-ack"),
    Item(
        "Personal or security data involved? Add a breach: block and call legal: "
        "regulator clocks run",
        ALL,
    ),
    Item("After resolution: customer email within {due}", MAJOR, "customer-resolution"),
    Item("After resolution: postmortem within {due}", MAJOR, "postmortem"),
)


def checklist_for(incident: Incident, rulebook: RuleBook, channel: str) -> tuple[str, ...]:
    from ..derive.deadlines import applies

    severity = incident.severity
    out = []
    for item in ITEMS:
        if severity not in item.severities:
            continue
        due = ""
        if item.rule is not None:
            if item.rule not in rulebook:
                continue
            rule = rulebook[item.rule]
            duration = rule.deadline_for(severity)
            if not rule.enabled or duration is None or not applies(rule, incident)[0]:
                continue
            due = duration.human()
        out.append(item.text.format(due=due, channel=channel))
    return tuple(out)
