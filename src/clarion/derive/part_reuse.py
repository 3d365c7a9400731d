"""What a build may reuse of the last build's deadline parts
(:mod:`clarion.derive.incident_deadlines`), in a module of its own: a build
makes it before it forks the process that derives the parts, and the main
process never imports what derives them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Reuse:
    """The parts a build may reuse: ``rules`` is a digest of every input the
    parts share besides ``now`` and the zone (Clarion's code and version, the
    site's settings, which hold the rulebook's overrides); ``previous`` the
    last build's parts, input digest -> their line; ``keep_only``, when
    ``previous`` is read on first use, says which of them are looked up (the
    others are never held) and that they are read without their texts,
    which ``whole_lines`` reads (``KeptParts.keep_only`` and
    ``KeptParts.whole_lines``)."""

    rules: str
    previous: Mapping[str, str]
    keep_only: Callable[[Collection[str], bool], None] | None = None
    whole_lines: Callable[[Collection[str]], Mapping[str, str]] | None = None
