"""The site's documents other than its incidents: extra pages, customer and
regulator notices, runbooks. Typed, validated, immutable values built by
``clarion.load``, as :mod:`clarion.model`'s."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from .model import Severity


@dataclass(frozen=True, kw_only=True)
class Page:
    """An extra page from ``site_src/pages/<name>.md``."""

    name: str
    title: str
    body: str  # Markdown
    source_path: str


@dataclass(frozen=True, kw_only=True)
class Notice:
    """A customer or regulator notice, read from ``comms/<slug>/<name>.md``.

    ``subject`` and ``body`` are raw templates (they may use the incident's
    fields); rendering them is the email drafts' job. ``sent_at`` is ``None``
    while the notice is a draft.
    """

    slug: str  # the incident's slug: the notice's folder name
    name: str  # the file name without ``.md``
    rule: str | None  # the rule id whose deadline the notice satisfies
    to: tuple[str, ...] = ()  # audience ids from site.toml, or addresses
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    subject: str = ""  # template
    sent_at: datetime | None = None
    sent_forced: tuple[str, ...] = ()  # what ``clarion sent --force`` overrode
    body: str = ""  # Markdown template
    source_path: str = ""  # ``/`` separators; relative to the site root when inside it
    lines: Mapping[str, int] = field(default_factory=dict)  # front-matter key -> line
    body_line: int = 1

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None


@dataclass(frozen=True, kw_only=True)
class RunbookSection:
    """A ``## Heading`` of a runbook and the Markdown below it."""

    title: str
    body: str
    line: int  # the heading's line in the source file


@dataclass(frozen=True, kw_only=True)
class Runbook:
    """A runbook, read from ``runbooks/<id>.md``: what to do when an alert
    fires. Private unless ``public: true``."""

    id: str  # the file name without ``.md``
    title: str
    trigger: str = ""
    severity: Severity | None = None
    owner: str = ""
    last_updated: date | None = None
    public: bool = False
    sections: tuple[RunbookSection, ...] = ()
    source_path: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)  # front-matter key -> line

    def section(self, title: str) -> RunbookSection | None:
        """The section whose heading is ``title`` (case-insensitive)."""
        wanted = title.casefold()
        return next((s for s in self.sections if s.title.casefold() == wanted), None)
