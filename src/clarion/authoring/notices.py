"""``clarion new notice``: the skeleton of a notice for one rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config import SiteConfig
from ..errors import UsageError, did_you_mean, display_path
from .common import (
    Written,
    _raise_problems,
    _write_atomic,
    find_incident_file,
    slugify,
    yaml_scalar,
)

# -- new notice ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSkeleton:
    """What a notice skeleton needs to know about its rule (from the rulebook)."""

    id: str
    title: str
    recipient: str = ""
    must_contain: tuple[str, ...] = ()
    audience: str | None = None


def new_notice(
    config: SiteConfig,
    slug_prefix: str,
    rule: RuleSkeleton,
    *,
    to: Sequence[str] = (),
    name: str | None = None,
) -> Written:
    """Start ``comms/<slug>/<rule>.md``: ``rule:``, ``to:``, a subject and one
    section per item the rule's notice must contain."""
    path = find_incident_file(config, slug_prefix)
    slug = path.stem
    _check_audiences(config, to)
    recipients = list(to)
    notes = []
    if not recipients and rule.audience and rule.audience in config.audiences:
        recipients = [rule.audience]
    file_name = slugify(name) if name else rule.id
    if not file_name:
        raise UsageError(f"cannot make a file name from {name!r}")
    target = config.paths.comms / slug / f"{file_name}.md"
    if target.exists():
        raise UsageError(
            f"{display_path(target, config.root)} already exists; nothing was written.\n"
            "  hint: pass --name for a second notice for the same rule"
        )
    front = ["---", f"rule: {rule.id}"]
    if recipients:
        front.append("to: [" + ", ".join(yaml_scalar(r) for r in recipients) + "]")
    else:
        front.append(
            "# to: [audience-id]   # an id from [audiences] in site_src/site.toml, or an address"
        )
        notes.append("no recipients yet: add 'to:' (an audience id from site.toml or an address)")
    # customer-facing rules (those with a default audience) get the incident's
    # title as subject; regulator notices say which notification they are
    subject = "{{ incident.title }}" if rule.audience else rule.title + ": {{ incident.title }}"
    front.append(f"subject: {yaml_scalar(subject)}")
    front.append("---")
    comment = [
        "<!--",
        f"  Draft notice for {rule.id}: {rule.title}.",
    ]
    if rule.recipient:
        comment.append(f"  Recipient: {rule.recipient.replace('--', '-')}")
    comment += [
        "  Complete every section, then send it from your mail system and record it:",
        f"      clarion sent {slug} {rule.id}",
        "-->",
    ]
    body = _notice_body(config, rule)
    if not body:
        body = ["(Write the notice here.)", ""]
    text = "\n".join(front + comment) + "\n" + "\n".join(body).rstrip("\n") + "\n"
    _write_atomic(target, text.encode("utf-8"), exclusive=True)
    return Written(
        path=target, relpath=display_path(target, config.root), slug=slug, notes=tuple(notes)
    )


def _check_audiences(config: SiteConfig, to: Sequence[str]) -> None:
    """Every audience id in ``to`` (an address passes) is one of the site's."""
    problems = []
    for audience in to:
        if "@" not in audience and audience not in config.audiences:
            hint = did_you_mean(audience, config.audiences)
            problems.append(
                f"unknown audience '{audience}'"
                + (f": {hint}" if hint else "")
                + f"\n  audiences in site_src/site.toml: "
                f"{', '.join(config.audiences) or '(none: add an [audiences] table)'}"
            )
    _raise_problems(problems)


def _notice_body(config: SiteConfig, rule: RuleSkeleton) -> list[str]:
    """The lines below the comment: one section per item the notice must contain."""
    body: list[str] = []
    if rule.audience:
        for item in rule.must_contain:
            label = item.strip().rstrip(".")
            body += [f"**{label[:1].upper() + label[1:]}**", "", "(to be completed)", ""]
    else:
        # a regulator's notice: one heading per required item, from the
        # notices/ skeleton template, so `clarion check` can follow each one
        from ..render.email_templates import notice_skeleton

        body = (
            notice_skeleton(config, rule.id, rule.title, rule.recipient, rule.must_contain)
            .strip("\n")
            .split("\n")
        )
    return body
