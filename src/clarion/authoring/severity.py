"""The severity questions ``clarion new incident`` asks and the decision tree
that turns the answers into a severity."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..errors import UsageError, did_you_mean
from ..model import (
    SEVERITY_WORDS,
    Severity,
)
from ..rules.practice import Practice

SEVERITY_MEANING: Mapping[Severity, str] = {
    Severity.SEV0: "critical outage",
    Severity.SEV1: "major degradation",
    Severity.SEV2: "minor impact",
    Severity.SEV3: "low impact",
}


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    text: str


Q_PRODUCTION_DOWN = Question("production_down", "Is production down, or is critical data at risk?")
Q_MAJOR_DEGRADED = Question("major_degraded", "Is major functionality degraded?")
Q_WORKAROUND = Question("workaround", "Is there a workaround customers can use?")
Q_CUSTOMERS = Question("customers_impacted", "Are customers impacted?")


@dataclass(frozen=True, slots=True)
class SeverityDecision:
    severity: Severity
    reason: str  # why, in one sentence

    def explain(self, practice: Practice) -> str:
        """The decision, what it means and what it sets in motion at this site
        (the periods of its rulebook, overrides included)."""
        sev = self.severity
        lines = [f"Severity {sev.value} ({SEVERITY_MEANING[sev]}): {self.reason}"]
        lines += [f"  {line}" for line in owed_at_declaration(sev, practice)]
        return "\n".join(lines)


def owed_at_declaration(severity: Severity, practice: Practice) -> list[str]:
    """What an incident of ``severity`` owes, in the site's practice periods."""
    lines = []
    cadence = practice.cadence_text(severity)
    if cadence is not None:
        lines.append(
            f"Public updates are due every {cadence} while it is unresolved (update-cadence)."
        )
    ack, resolution = practice.customer_ack, practice.customer_resolution
    if ack is not None and ack.applies_to(severity):
        lines.append(
            f"When customers are affected, a customer email is owed within {ack.human} of "
            "declaration (customer-ack)"
            + (
                f" and another within {resolution.human} of resolution (customer-resolution)."
                if resolution is not None and resolution.applies_to(severity)
                else "."
            )
        )
    postmortem = practice.postmortem
    if postmortem is not None and postmortem.applies_to(severity):
        lines.append(f"A postmortem is due within {postmortem.human} of resolution (postmortem).")
    return lines


def decide_severity(
    *,
    production_down: bool,
    major_degraded: bool = False,
    workaround: bool = False,
    customers_impacted: bool = False,
) -> SeverityDecision:
    """The severity decision tree (PRODUCT.md, "Severity"), as a pure function.

    Production down or critical data at risk -> SEV0; else major functionality
    degraded -> SEV1 with a workaround, else SEV0; else customers impacted ->
    SEV2; else SEV3. Answers to questions the tree does not reach are ignored.
    """
    if production_down:
        return SeverityDecision(Severity.SEV0, "production is down or critical data is at risk.")
    if major_degraded:
        if workaround:
            return SeverityDecision(
                Severity.SEV1, "major functionality is degraded, but a workaround exists."
            )
        return SeverityDecision(
            Severity.SEV0, "major functionality is degraded and there is no workaround."
        )
    if customers_impacted:
        return SeverityDecision(
            Severity.SEV2, "customers are impacted, but no major functionality is degraded."
        )
    return SeverityDecision(
        Severity.SEV3, "no customer impact and no major functionality degraded."
    )


def walk_severity_tree(ask: Callable[[Question], bool]) -> SeverityDecision:
    """Ask only the questions the tree needs (``ask`` returns yes/no)."""
    if ask(Q_PRODUCTION_DOWN):
        return decide_severity(production_down=True)
    if ask(Q_MAJOR_DEGRADED):
        return decide_severity(
            production_down=False, major_degraded=True, workaround=ask(Q_WORKAROUND)
        )
    return decide_severity(production_down=False, customers_impacted=ask(Q_CUSTOMERS))


def parse_severity(word: str) -> Severity:
    try:
        return Severity.parse(word)
    except ValueError:
        hint = did_you_mean(word.upper(), SEVERITY_WORDS)
        raise UsageError(
            f"unknown severity {word!r}; expected one of: {', '.join(SEVERITY_WORDS)}"
            + (f" ({hint})" if hint else "")
        ) from None
