"""One build: load -> derive -> render -> write.

``build(config, now=...)`` is what ``clarion build``, ``clarion serve`` and
the MkDocs plugin call. Content errors raise before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from .config import SiteConfig
from .core.collection import no_cycle_collection
from .core.parallel import MIN_ITEMS, default_workers
from .core.spool import ITEMS_DONE, Spooled
from .derive.changes import Change, next_change
from .errors import UsageError
from .load import Sources, load_sources
from .model import Site
from .output.cache import BuildCache
from .output.generations import OutputStore
from .output.outdirs import absolute_folder, output_folder_problems
from .output.stamp import stamp_and_compare
from .output.write import WriteReport
from .render import THEME_DIR, Area, Output, RenderContext

if TYPE_CHECKING:
    from .derive import State
    from .output.kept import KeptParts
    from .render.writers import Writer

# The renderers (:mod:`clarion.render.writers`), the derivation and their
# libraries are imported where a build loads and renders (``prepare``,
# ``render_all``): a build whose inputs are unchanged never needs them.


@dataclass(frozen=True, eq=False)
class BuildResult:
    report: WriteReport
    public_dir: Path
    private_dir: Path
    #: The site's warnings, one text each, as ``clarion build`` prints them.
    warnings: tuple[str, ...]
    #: The next moment the public page changes by itself.
    next_change: Change
    #: The inputs that differ from the previous build's, in words (``--explain``).
    reasons: tuple[str, ...] = ()
    #: Loads and derives the site (done by the build, or on first use when
    #: the inputs were unchanged and the build did neither).
    prepared: Callable[[], RenderContext] = field(default=lambda: _never(), repr=False)

    @cached_property
    def context(self) -> RenderContext:
        return self.prepared()

    @property
    def site(self) -> Site:
        return self.context.site

    @property
    def state(self) -> State:
        return self.context.state


def _never() -> RenderContext:
    raise AssertionError("a BuildResult is made with what prepares its site")


def told(context: RenderContext) -> dict[str, object]:
    """What a build tells its user, kept for a build whose inputs are unchanged."""
    change = next_change(context.state, context.config.timezone)
    return {
        "warnings": [str(w.format()) for w in context.site.warnings],  # type: ignore[attr-defined]
        "next_change": [change.at.isoformat(), change.kind, change.slug, change.title],
    }


def _sources(cache: BuildCache | None) -> dict[str, str]:
    """Every source file the build read, with the digest of its bytes
    (incidents not yet started at ``now`` included)."""
    return {path: entry[0] for path, entry in (cache.parsed if cache else {}).items()}


def _told_again(told: dict[str, object] | None) -> tuple[tuple[str, ...], Change] | None:
    """The warnings and next change the previous build kept, if readable."""
    if told is None:
        return None
    warnings, change = told.get("warnings"), told.get("next_change")
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        return None
    if not isinstance(change, list) or len(change) != 4 or not isinstance(change[0], str):
        return None
    at, kind, slug, title = change
    if not all(isinstance(x, str | None) for x in (kind, slug, title)):
        return None
    try:
        return tuple(warnings), Change(datetime.fromisoformat(at), kind, slug, title)
    except ValueError:
        return None


def prepare(
    config: SiteConfig,
    now: datetime,
    cache: BuildCache | None = None,
    workers: int = 1,
    sources: Sources | None = None,
    kept: KeptParts | None = None,
    kept_rows: KeptParts | None = None,
) -> RenderContext:
    """Load and derive: everything a writer needs, with no output yet. The
    rulebook is read once, with the site; the private state is derived on
    first use (in the background process when one renders the private files),
    reusing the deadline report's parts in ``kept`` whose inputs are unchanged
    (and its rendered rows in ``kept_rows``).
    ``sources``: the site already loaded (``clarion serve`` keeps it between
    edits), else it is loaded here."""
    from .derive import derive_state
    from .derive.part_reuse import Reuse
    from .derive.private import PrivateState
    from .output.kept import kept_metric_parts, rules_digest
    from .render.markdown import MarkdownRenderer

    markdown = MarkdownRenderer()
    if cache is not None:  # (before loading, which may fork: any reading ahead ends here)
        markdown.stored = cache.markdown_html(markdown.settings)
    if sources is None:
        sources = load_sources(config, cache, workers)
    site = sources.site
    held = site.as_of(now)  # updates dated after now are held back everywhere
    metric_parts = None if kept is None else kept_metric_parts(kept.path.parent)
    return RenderContext(
        config=config,
        site=held,
        derive_state=lambda: derive_state(config, site.incidents, now),
        private=PrivateState(
            config,
            held,
            sources.rulebook,
            now,
            reuse=None
            if kept is None
            else Reuse(rules_digest(config), kept.lines(), kept.keep_only, kept.whole_lines),
            metric_parts=None if metric_parts is None else metric_parts.lines(),
        ),
        markdown=markdown,
        cache=cache,
        workers=workers,
        kept_parts=kept,
        kept_rows=kept_rows,
        kept_metrics=metric_parts,
    )


def _prepare_holding(
    held: BuildCache, config: SiteConfig, now: datetime, workers: int
) -> RenderContext:
    """The site loaded and derived without the cache (a build that found its
    inputs unchanged did neither); ``held``, the cache, lives as long as the
    result: in the ``clarion`` program, which exits without freeing its
    objects, what it began to read is never freed object by object."""
    return prepare(config, now, None, workers)


def _unchanged_report(cache: BuildCache, targets: dict[Area, Path]) -> WriteReport:
    """Same inputs, same ``now``, folders intact: the output would be the same."""
    manifest = {area.value: cache.manifest.get(area.value, {}) for area in targets}
    return WriteReport(
        files={area: len(manifest[area.value]) for area in targets},
        bytes={area: sum(e.size for e in manifest[area.value].values()) for area in targets},
        changed=False,
        manifest=manifest,
    )


def _reporting(
    outputs: Iterable[Output], progress: Callable[[int, int], None], expected: int
) -> Iterator[Output]:
    done = 0
    for output in outputs:
        done += 1 if output.carried is None else len(output.carried.files)
        progress(done, max(expected, done))
        yield output


def _keep_parts(context: RenderContext) -> None:
    """Keep the deadline report's parts for the next build, by the process
    that derived them (the background process of the private files, when
    there is one: the main process never reads the kept parts). They are
    keyed on their inputs, so a build that fails later leaves them right."""
    kept = context.kept_parts
    if kept is not None and context.private.kept:
        kept.save(context.private.kept)
    if context.kept_rows is not None and context.places:
        from .render.report.splice import save_places

        save_places(context.kept_rows.path, context.places[-1])
    metric_parts = context.kept_metrics
    if metric_parts is not None and context.private.metric_parts_kept:
        metric_parts.save(context.private.metric_parts_kept)


def render_all(
    context: RenderContext,
    writers: Iterable[Writer] | None = None,
    meanwhile: Callable[[], None] | None = None,
    later: list[Callable[[], None]] | None = None,
) -> Iterator[Output]:
    """Every writer's outputs, in writer order (the same with or without workers);
    ``writers`` defaults to all of them (:data:`clarion.render.writers.WRITERS`).
    The process that makes the private files, when there is one, starts with
    the call, before the caller takes the first output (and before what the
    caller does first: the writer reads the last output's manifest); once
    the others are made, ``meanwhile`` is called before its first file is
    waited for. That process keeps what the next build reuses after its
    last file: with ``later``, the outputs end without waiting for it, and
    what waits for it is added to ``later`` for the caller to call."""
    from .render.writers import BACKGROUND_WRITERS, WRITERS

    writers = WRITERS if writers is None else tuple(writers)
    large = context.workers > 1 and len(context.site.incidents) >= MIN_ITEMS
    in_background = tuple(w for w in writers if w in BACKGROUND_WRITERS) if large else ()
    spooled: Iterator[tuple[int, Output]] | None = None
    waits: list[Callable[[], None]] = []
    if in_background:

        def in_process() -> Iterator[tuple[int, Output]]:
            for number, writer in enumerate(in_background):
                # (not hashed here: this process ends last, and the main
                # process, which writes them, has time to spare)
                yield from ((number, output) for output in writer(context))
            yield ITEMS_DONE
            _keep_parts(context)

        # the private files are made in a forked process while the pages render,
        # each spooled to a temporary file as made, and read back in writer order
        made = Spooled(in_process)
        spooled = made.items()
        (later if later is not None else waits).append(made.wait)
    return _in_writer_order(context, writers, in_background, spooled, meanwhile, waits)


def _in_writer_order(
    context: RenderContext,
    writers: tuple[Writer, ...],
    in_background: tuple[Writer, ...],
    spooled: Iterator[tuple[int, Output]] | None,
    meanwhile: Callable[[], None] | None,
    waits: list[Callable[[], None]],
) -> Iterator[Output]:
    """The outputs of ``writers``: those of ``in_background`` as ``spooled``
    brings them (numbered by writer), the others made here; then ``waits``
    are called."""
    waiting: tuple[int, Output] | None = None
    for writer in writers:
        if writer not in in_background:
            yield from writer(context)
            continue
        assert spooled is not None
        if meanwhile is not None:
            called, meanwhile = meanwhile, None
            called()
        number = in_background.index(writer)
        while True:
            if waiting is None:
                waiting = next(spooled, None)
            if waiting is None or waiting[0] != number:
                break
            yield waiting[1]
            waiting = None
    assert waiting is None and (spooled is None or next(spooled, None) is None)
    for wait in waits:
        wait()
    if not in_background:
        _keep_parts(context)


def _keep_conversions(cache: BuildCache, context: RenderContext) -> None:
    """Keep the Markdown conversions of this build for the next: new ones are
    appended; once the file holds many texts the site no longer has, it is
    written again with only the texts it has."""
    from .render.markdown import text_digest

    markdown = context.markdown
    new = {name: html for name, html in markdown.converted.items() if name not in markdown.stored}
    texts = sum(1 + incident.outline.count for incident in context.site.incidents)
    if markdown.stored and len(markdown.stored) + len(new) <= 2 * texts + 100:
        if new:
            cache.save_markdown(markdown.settings, new, append=True)
        return
    keep: dict[str, str] = {}
    if markdown.stored:  # (a cold build has none: nothing to sort out)
        live = {
            text_digest(text)
            for incident in context.site.incidents
            for text in (incident.summary, *(update.body for update in incident.updates))
        }
        for name in list(markdown.stored):  # decoded on lookup; a damaged entry is left out
            html = markdown.stored.get(name) if name in live else None
            if html is not None:
                keep[name] = html
    keep.update(markdown.converted)
    if keep.keys() != markdown.stored.keys():
        cache.save_markdown(markdown.settings, keep, append=False)


def build(
    config: SiteConfig,
    *,
    now: datetime,
    public_dir: Path | None = None,
    private_dir: Path | None = None,
    use_cache: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the public and private folders; raise ``ContentErrors`` on bad input.

    With ``use_cache`` (the default) unchanged sources are not parsed again,
    unchanged pages are not rendered again and unchanged files are not
    written again (:mod:`clarion.output.cache`); the output is the same either way.
    ``workers`` (default: the available cores) parse and render large sites
    in parallel (:mod:`clarion.core.parallel`). ``progress(done, expected)`` is
    called as files are produced (``expected`` is an estimate).
    """
    with no_cycle_collection():
        return _build(config, now, public_dir, private_dir, use_cache, workers, progress)


def _build(
    config: SiteConfig,
    now: datetime,
    public_dir: Path | None,
    private_dir: Path | None,
    use_cache: bool,
    workers: int | None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    public = absolute_folder(public_dir or config.paths.public)
    private = absolute_folder(private_dir or config.paths.private)
    problems = output_folder_problems(config.root, config.paths.comms, public, private)
    if problems:
        raise UsageError("; ".join(message for _, message in problems))
    cache = BuildCache.open(config) if use_cache else None
    chosen = default_workers() if workers is None else workers
    targets = {Area.PUBLIC: public, Area.PRIVATE: private}
    names = {area.value: str(path) for area, path in targets.items()}
    # real folders an older Clarion wrote (without the store) are adopted
    known = cache or BuildCache.open(config)
    adopt = {Path(f): set(known.manifest.get(a, {})) for a, f in known.targets.items()}
    store = OutputStore({a.value: p for a, p in targets.items()}, adopt)
    stamp = None
    if cache is not None:
        again = _told_again(cache.told)

        def recover() -> None:
            with store.opened():
                pass  # a killed build's leftovers are still removed

        stamp, unchanged = stamp_and_compare(
            config,
            now.isoformat(),
            theme_dir=THEME_DIR,
            cache=cache,
            targets=names if again is not None else {},
            when_unchanged=recover,
            fork=chosen > 1,
        )
        if unchanged and again is not None:
            # same inputs, folders intact: nothing to load, derive, render or write
            return BuildResult(
                report=_unchanged_report(cache, targets),
                public_dir=public,
                private_dir=private,
                warnings=again[0],
                next_change=again[1],
                reasons=("no input changed",),
                prepared=partial(_prepare_holding, cache, config, now, chosen),
            )
    try:
        if cache is None or not store.exists():
            return _rebuild(config, now, cache, chosen, targets, known, adopt, stamp, progress)
        # the store is held from here on, and a spare made while the build loads
        with store.opened():
            store.copy_ahead()
            return _rebuild(
                config, now, cache, chosen, targets, known, adopt, stamp, progress, store
            )
    finally:
        if stamp is not None:
            stamp()  # (a stamp still being made is waited for, whatever the build did)


def _rebuild(
    config: SiteConfig,
    now: datetime,
    cache: BuildCache | None,
    chosen: int,
    targets: dict[Area, Path],
    known: BuildCache,
    adopt: dict[Path, set[str]],
    stamp: Callable[[], str] | None,
    progress: Callable[[int, int], None] | None,
    store: OutputStore | None = None,
) -> BuildResult:
    """Load, derive, render and write (``store``: opened already)."""
    from .output.explain import input_changes, input_notes
    from .output.kept import KeptParts, kept_rows
    from .output.write import write_outputs
    from .render.compiled import COMPILED

    COMPILED.keep_in(cache.folder / "templates" if cache is not None else None)
    if cache is not None:
        cache.read_ahead()  # the Markdown conversions, while the parsed sources are read
    notes = input_notes(config, now)
    parsed_before = _sources(cache)
    kept = KeptParts(cache.folder) if cache is not None else None
    rows = kept_rows(cache.folder) if cache is not None else None
    context = prepare(config, now, cache, chosen, kept=kept, kept_rows=rows)
    names = {area.value: str(path) for area, path in targets.items()}
    previous = cache.manifest if cache is not None and cache.targets == names else None
    said: list[dict[str, object]] = []

    def meanwhile() -> None:  # while the private files' process ends
        said.append(told(context))
        if cache is not None:
            try:
                cache.save_sources()
            except OSError:
                pass
            _keep_conversions(cache, context)

    later: list[Callable[[], None]] = []  # the private files' process, keeping its parts
    outputs = render_all(context, meanwhile=meanwhile, later=later)
    if progress is not None:
        outputs = _reporting(outputs, progress, expected=len(context.site.incidents) + 100)
    if cache is not None:
        cache.save_parsed_ahead()  # while the pages render
    try:
        report = write_outputs(outputs, targets, previous, adopt, store=store)
    finally:
        if cache is not None:
            cache.finish_writing()
    if cache is None and known.targets == names:
        known.forget_output()
    if not said:  # (no private files' process: made here, with nothing to wait for)
        meanwhile()
    if cache is not None:
        files = {area: dict(entries) for area, entries in report.manifest.items()}
        cache.save(files, names, stamp() if stamp is not None else None, notes, said[0])
    for wait in later:
        wait()
    again = _told_again(said[0])
    assert again is not None
    return BuildResult(
        report=report,
        public_dir=targets[Area.PUBLIC],
        private_dir=targets[Area.PRIVATE],
        warnings=again[0],
        next_change=again[1],
        reasons=tuple(
            input_changes(parsed_before, _sources(cache), cache.notes if cache else {}, notes)
        ),
        prepared=lambda: context,
    )
