"""``clarion sent``: record that a notice went out."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path

from ..config import SiteConfig
from ..errors import ContentErrors, ErrorCollector, UsageError, did_you_mean, display_path
from ..load.frontmatter import FrontMatterError, split_front_matter
from ..rules import load_rules
from .common import (
    Written,
    _write_atomic,
    find_incident_file,
    heading_time,
    iso_time,
    to_minute,
    yaml_quoted,
)


def record_sent(
    config: SiteConfig,
    slug_prefix: str,
    rule: str,
    *,
    at: datetime,
    known_rules: Collection[str] | None = None,
    force: bool = False,
    checked: bool = False,
) -> Written:
    """Record that the notice for ``rule`` went out at ``at``.

    A draft notice in ``comms/<slug>/`` for that rule gets its ``sent:`` set;
    otherwise a minimal notice ``comms/<slug>/<rule>-sent.md`` with ``rule:``
    and ``sent:`` is written. ``known_rules`` (the rulebook's ids), when given,
    is checked with a "did you mean" hint. A draft that is not ready
    (:func:`clarion.derive.comms.send_blockers`) is refused unless ``force``;
    ``checked``: the caller has already refused such a draft (``clarion send``).
    """
    rule = _checked_rule(rule, known_rules)
    path = find_incident_file(config, slug_prefix)
    slug = path.stem
    at = to_minute(at)
    folder = config.paths.comms / slug
    drafts = _drafts_for(folder, rule)
    unsent = [(p, m) for p, m in drafts if m.get("sent") is None]
    sent = [(p, m) for p, m in drafts if m.get("sent") is not None]

    def shown(p: Path) -> str:
        return display_path(p, config.root)

    if sent and not force:
        raise UsageError(
            f"the notice for {rule} is already recorded as sent in "
            f"{shown(sent[0][0])} (sent: {sent[0][1]['sent']}); nothing was written.\n"
            "  hint: pass --force to record it again"
        )
    if len(unsent) == 1 and not sent:
        notice = unsent[0][0]
        blockers = [] if checked else _send_blockers(config, notice, slug)
        if blockers and not force:
            raise UsageError(
                f"{shown(notice)} is not ready to be recorded as sent: "
                + "; ".join(blockers)
                + ". Nothing was written.\n"
                "  hint: finish the notice (clarion check lists what it lacks); if it really"
                " went out like this, pass --force: clarion check then shows it was forced"
            )
        _set_sent(notice, at, forced=blockers)
        notes = [f"set 'sent: {iso_time(at)}' in the draft"]
        if blockers:
            notes.append("recorded despite: " + "; ".join(blockers) + " (--force)")
        return Written(path=notice, relpath=shown(notice), slug=slug, notes=tuple(notes))
    target = folder / f"{rule}-sent.md"
    if target.exists() and not force:
        raise UsageError(
            f"{shown(target)} already exists; nothing was "
            f"written.\n  hint: pass --force to replace it"
        )
    text = (
        "---\n"
        f"rule: {rule}\n"
        f"sent: {iso_time(at)}\n"
        "---\n"
        f"<!-- Recorded with 'clarion sent': the notice "
        f"for {rule} went out at {heading_time(at)}. -->\n"
    )
    _write_atomic(target, text.encode("utf-8"))
    notes = []
    if len(unsent) > 1:
        notes.append(
            f"{len(unsent)} drafts for {rule} exist "
            f"({', '.join(shown(p) for p, _ in unsent)}); recorded separately"
        )
    return Written(path=target, relpath=shown(target), slug=slug, notes=tuple(notes))


def _checked_rule(rule: str, known_rules: Collection[str] | None) -> str:
    """``rule`` without surrounding blanks, refused when it is no rule id (or,
    with ``known_rules``, not one of them)."""
    rule = rule.strip()
    if known_rules is not None and rule not in known_rules:
        hint = did_you_mean(rule, known_rules)
        raise UsageError(
            f"unknown rule '{rule}'"
            + (f": {hint}" if hint else "")
            + "\n  hint: 'clarion rules' lists the rule ids"
        )
    if not re.match(r"^[a-z0-9][a-z0-9_.-]*$", rule):
        raise UsageError(f"invalid rule id {rule!r}: rule ids are lower-case words joined by '-'")
    return rule


def _drafts_for(folder: Path, rule: str) -> list[tuple[Path, dict[str, object]]]:
    """The notices in ``folder`` for ``rule``, with their front matter."""
    drafts = []
    for notice in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        meta = _front_matter_of(notice)
        if meta is not None and meta.get("rule") == rule:
            drafts.append((notice, meta))
    return drafts


def _front_matter_of(path: Path) -> dict[str, object] | None:
    try:
        return split_front_matter(path.read_text(encoding="utf-8").replace("\r\n", "\n")).data
    except (FrontMatterError, UnicodeDecodeError):
        return None


def _send_blockers(config: SiteConfig, path: Path, slug: str) -> list[str]:
    """What keeps the draft at ``path`` from being sent (see
    :func:`clarion.derive.comms.send_blockers`); a draft that does not load
    is reported by the loader's own errors."""
    from ..derive.comms import send_blockers
    from ..load.notices import comms_display_path, read_notice

    rulebook = load_rules(config)
    errors = ErrorCollector()
    zone = config.timezone if config.timezone_explicit else None
    notice = read_notice(
        path, slug, comms_display_path(path, config), config, rulebook.ids, zone, errors
    )
    if notice is None:
        raise ContentErrors(errors.errors)
    return send_blockers(notice, rulebook)


def _set_sent(path: Path, at: datetime, *, forced: Sequence[str] = ()) -> None:
    raw = path.read_text(encoding="utf-8")
    newline = "\r\n" if "\r\n" in raw else "\n"
    text = raw.replace("\r\n", "\n")
    front = split_front_matter(text)
    lines = text.split("\n")
    closing = front.body_line - 2  # 0-based index of the closing '---'
    sent_line = front.lines.get("sent")
    if sent_line is not None:
        lines[sent_line - 1] = f"sent: {iso_time(at)}"
    else:
        lines.insert(closing, f"sent: {iso_time(at)}")
        closing += 1
    if forced and "sent_forced" not in front.lines:
        lines.insert(closing, "sent_forced: [" + ", ".join(yaml_quoted(f) for f in forced) + "]")
    new_text = "\n".join(lines)
    if split_front_matter(new_text).data.get("sent") is None:  # pragma: no cover - defensive
        raise UsageError(
            f"could not set 'sent:' in {path.name}; add 'sent: {iso_time(at)}' by hand"
        )
    _write_atomic(path, new_text.replace("\n", newline).encode("utf-8"))
