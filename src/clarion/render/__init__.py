"""Writers turn the model and derived state into bytes: ``Output`` values that
only :mod:`clarion.output.write` puts on disk."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.stretch import Piece, blocks_of, piece_size

if TYPE_CHECKING:
    from ..config import SiteConfig
    from ..derive import State
    from ..derive.private import PrivateState
    from ..model import Site
    from ..output.cache import BuildCache, ManifestEntry
    from ..output.kept import KeptParts
    from ..rules import RuleBook
    from .markdown import MarkdownRenderer
    from .report.splice import Places


#: The built-in theme: templates and static files (read by the renderers,
#: fingerprinted by the build cache).
THEME_DIR = Path(__file__).resolve().parent.parent / "themes" / "default"


class Area(Enum):
    PUBLIC = "public"
    PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class Output:
    """One file of a build: its area, its ``/``-separated path and its bytes.

    ``key`` is the render key of a page that the build cache may reuse (see
    :mod:`clarion.output.cache`); ``None`` for outputs that are always rendered.
    ``reused`` (SHA-256, size, file): the page is the previous build's
    ``file``, unchanged; ``data`` is then empty. ``carried``: many such pages
    at once (``path`` and ``data`` are then empty). Only
    :mod:`clarion.output.write` receives these two kinds, from a build with
    the on-disk cache. ``pieces``: the bytes as the pieces that make them up
    once joined (``data`` is then empty), for a large file made of runs of
    the last build's and of a file its items were written to as they were
    rendered (the deadline report; :mod:`clarion.core.stretch`): never
    joined, they are written as they are; :meth:`whole` joins them for a
    reader that needs the bytes.
    """

    area: Area
    path: str
    data: bytes
    key: str | None = None
    reused: tuple[str, int, str] | None = None
    carried: Carried | None = None
    pieces: tuple[Piece, ...] | None = None

    def chunks(self) -> tuple[Piece, ...]:
        """The bytes, as pieces to write one after the other."""
        return (self.data,) if self.pieces is None else self.pieces

    def whole(self) -> bytes:
        """The bytes, joined."""
        return self.data if self.pieces is None else b"".join(blocks_of(self.pieces))

    @property
    def size(self) -> int:
        if self.pieces is None:
            return len(self.data)
        return sum(piece_size(piece) for piece in self.pieces)

    def sha256(self) -> str:
        """The SHA-256 of the bytes (hex), their pieces hashed one after the other."""
        digest = hashlib.sha256()
        for block in blocks_of(self.chunks()):
            digest.update(block)
        return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Carried:
    """Pages of the previous build carried into this one as they are: each
    path with its manifest entry (render key unchanged), each found in
    ``folder`` (the folder users see) with the entry's size. Their bytes are
    neither read nor hashed, and the writer handles them in one step."""

    folder: str
    files: Mapping[str, ManifestEntry]


@dataclass(frozen=True)
class RenderContext:
    """What every writer receives: the config, the loaded site, the derived
    public and private state and the shared Markdown renderer.

    The public state is derived on first use (:attr:`state`), like the
    private one: a large build forks the process that renders the private
    files before it, and that process derives it only if one of its pages
    shows it (a template that reads ``state``)."""

    config: SiteConfig
    site: Site
    derive_state: Callable[[], State] = field(repr=False)
    private: PrivateState  # deadlines, metrics, review; the rulebook read with the site
    markdown: MarkdownRenderer
    cache: BuildCache | None = None
    workers: int = 1  # processes a writer may use (see clarion.core.parallel)
    #: The deadline report's parts the last build kept, saved again by the
    #: process that renders the private files (:mod:`clarion.output.kept`).
    kept_parts: KeptParts | None = None
    #: Where the last build's deadline report put each item, and this build's
    #: for the next (:mod:`clarion.render.report.splice`).
    kept_rows: KeptParts | None = None
    #: The metrics' months' parts the last build kept, saved again by the
    #: process that computes the metrics (:mod:`clarion.derive.metric_parts`).
    kept_metrics: KeptParts | None = None
    #: Where this build's deadline report put each item, kept for the next
    #: in ``kept_rows`` once the private files are made.
    places: list[Places] = field(default_factory=list, repr=False)

    @cached_property
    def state(self) -> State:
        """The public state at ``now`` (:func:`clarion.derive.derive_state`)."""
        return self.derive_state()

    @property
    def rulebook(self) -> RuleBook:
        return self.private.rulebook
