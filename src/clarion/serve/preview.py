"""``clarion serve``: build, watch, serve on 127.0.0.1 with live reload.

How it works (the MkDocs livereload pattern):

- The site is built into memory (``path -> bytes``) with the same
  ``prepare``/``render_all`` steps as ``clarion build``; a new build replaces
  the old one in one assignment, so a request never sees half a build.
- watchdog watches ``site_src/``, ``updates/``, the comms folder and
  ``templates/``. Its callback only records the change and notifies a
  :class:`threading.Condition`; one build loop waits for a quiet moment
  (changes stop for ``quiet`` seconds), rebuilds once, and on failure keeps
  serving the last good build, with the errors printed in the terminal and
  shown as an overlay in the browser.
- Live reload needs no extra service: only in serve mode, every HTML response
  gets a tiny script that long-polls ``/__clarion/poll``; the answer comes when
  the build version changes, and the page reloads. ``clarion build`` output
  never contains it.
- While an incident is active, the terminal says when its next public update
  is due (the ``update-cadence`` rule), and reminds again shortly before and
  when it is overdue. A maintenance window opening or closing triggers a
  rebuild by itself.

The clock is not read here: the caller passes ``clock(config) -> now``.
"""

from __future__ import annotations

import errno
import secrets
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..config import SiteConfig, load_config
from ..derive.changes import Change, next_change
from ..errors import ClarionError, ContentErrors, UsageError, display_path
from .http import PreviewHandler, PreviewHTTPServer, Snapshot
from .reminders import REMIND_BEFORE, UpdateDue, updates_due_for
from .watch import SourceWatcher

#: Seconds without changes before a rebuild starts (editors save in bursts).
QUIET = 0.15
#: How long a long-poll request is held open before it answers "no change".
POLL_TIMEOUT = 20.0
#: The build loop wakes at least this often to check the clock.
TICK = 15.0
Clock = Callable[[SiteConfig], datetime]
Log = Callable[[str], None]


def _memory_cache_class() -> type | None:
    """A :class:`clarion.output.cache.BuildCache` that lives in memory between
    rebuilds: parsed sources are reused when a file's bytes are unchanged, and
    a page whose render key is unchanged is taken from the previous build."""
    try:
        from ..output.cache import BuildCache
    except ImportError:  # pragma: no cover - the cache ships with Clarion
        return None

    @dataclass
    class MemoryCache(BuildCache):
        pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
        #: Markdown conversions of earlier rebuilds (converter settings, text digest -> HTML)
        conversions: tuple[str, dict[str, str]] = ("", {})

        def markdown_html(self, settings: str) -> dict[str, str]:
            return dict(self.conversions[1]) if self.conversions[0] == settings else {}

        def previous_page(self, area: str, path: str, key: str) -> bytes | None:
            entry = self.pages.get(path) if area == "public" else None
            return entry[1] if entry is not None and entry[0] == key else None

        def save(self, *args: object, **kwargs: object) -> None:
            return  # nothing on disk: serve never touches the site's folders

    return MemoryCache


def public_writers(config: SiteConfig | None = None) -> tuple[Any, ...]:
    """The build's writers minus those that only make private files (the
    deadline report, the email drafts, and the metrics page unless
    ``config`` makes it public): serve shows the public site, so it skips
    their cost."""
    from ..render.writers import WRITERS

    try:
        from ..render.email import render_emails
        from ..render.metrics import render_metrics
        from ..render.report import render_deadlines
    except ImportError:  # pragma: no cover
        return WRITERS
    private = {render_deadlines, render_emails}
    if config is not None and not config.metrics.public:
        private.add(render_metrics)
    return tuple(w for w in WRITERS if w not in private)


def build_in_memory(
    config: SiteConfig, now: datetime, cache: Any = None
) -> tuple[dict[str, bytes], Any]:
    """Load, derive and render the public site into ``{path: bytes}``.

    Returns the files and the render context (site and state). With a memory
    ``cache`` only changed sources are parsed and only changed pages rendered."""
    from ..build import prepare, render_all
    from ..render import Area

    context = prepare(config, now, cache) if cache is not None else prepare(config, now)
    files: dict[str, bytes] = {}
    pages: dict[str, tuple[str, bytes]] = {}
    for output in render_all(context, public_writers(config)):
        if output.area is Area.PUBLIC:
            files[output.path] = output.data
            key = getattr(output, "key", None)
            if key is not None:
                pages[output.path] = (key, output.data)
    if cache is not None:
        cache.pages = pages
        cache.conversions = (context.markdown.settings, _conversions(context))
    return files, context


def _conversions(context: Any) -> dict[str, str]:
    """The Markdown conversions to keep for the next rebuild: all so far, or,
    once they are many more than the site's texts, those the site still has."""
    from ..render.markdown import text_digest

    markdown = context.markdown
    kept = {**markdown.stored, **markdown.converted}
    incidents = context.site.incidents
    if len(kept) > 2 * sum(1 + len(i.updates) for i in incidents) + 100:
        live = {
            text_digest(text)
            for incident in incidents
            for text in (incident.summary, *(update.body for update in incident.updates))
        }
        kept = {name: html for name, html in kept.items() if name in live}
    return kept


class PreviewServer:
    """Build, watch and serve one site. ``start()`` returns once the server
    listens; ``stop()`` ends every thread it started."""

    def __init__(
        self,
        root: Path,
        *,
        clock: Clock,
        port: int = 8000,
        host: str = "127.0.0.1",
        log: Log = print,
        quiet: float = QUIET,
        poll_timeout: float = POLL_TIMEOUT,
        tick: float = TICK,
    ):
        self.root = root.resolve()
        self.clock = clock
        self.host = host
        self.port = port
        self.log = log
        self.quiet = quiet
        self.poll_timeout = poll_timeout
        self.tick = tick
        self._session = secrets.token_hex(3)
        self._counter = 0
        self.snapshot = Snapshot(version=f"{self._session}-0")
        self.config: SiteConfig | None = None
        self._changes = threading.Condition()
        self._dirty = False
        self._last_change = 0.0
        self._changed: set[str] = set()
        self._live = threading.Condition()
        self._stopping = False
        self._httpd: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        # the watcher calls notify_change by name, so a wrapper set later is used
        self._watcher = SourceWatcher(
            self.root, self.watched_dirs, lambda path: self.notify_change(path), log
        )
        self._next_change: Change | None = None
        self._due: list[UpdateDue] = []
        self._reminded: set[tuple[str, datetime, str]] = set()
        self.builds = 0  # completed rebuild attempts, for tests and stats
        self._cache: Any = None
        self._build_lock = threading.Lock()

    # -- life cycle ------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> None:
        self.config = load_config(self.root)  # not a site at all: fail at once
        self.rebuild(initial=True)
        try:
            self._httpd = PreviewHTTPServer((self.host, self.port), PreviewHandler, self)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise UsageError(
                    f"cannot listen on {self.host}:{self.port} ({exc.strerror}); "
                    "pass --port with another number, or --port 0 for any free port"
                ) from None
            raise
        self.port = self._httpd.server_address[1]
        self._watcher.start()
        self._spawn(self._httpd.serve_forever, "clarion-http")
        self._spawn(self._build_loop, "clarion-build")

    def stop(self) -> None:
        with self._changes:
            self._stopping = True
            self._changes.notify_all()
        with self._live:
            self._live.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        self._watcher.stop()
        for thread in self._threads:
            thread.join(timeout=5)

    def wait(self) -> None:
        """Block until ``stop()`` (or Ctrl-C in the caller)."""
        while not self._stopping:
            time.sleep(0.5)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- watching -------------------------------------------------------------

    def watched_dirs(self) -> list[Path]:
        config = self.config
        dirs = [self.root / "site_src", self.root / "updates", self.root / "templates"]
        dirs.append(self.root / "runbooks")
        if config is not None:
            dirs.append(config.paths.comms)
        return dirs

    def relevant(self, path_text: str) -> bool:
        """Does a change at this path affect the site?"""
        return self._watcher.relevant(path_text)

    def notify_change(self, path: str) -> None:
        """Called from the watchdog thread: record and wake the build loop."""
        with self._changes:
            self._dirty = True
            self._last_change = time.monotonic()
            self._changed.add(path)
            self._changes.notify_all()

    # -- building -------------------------------------------------------------

    def _build_loop(self) -> None:
        while True:
            with self._changes:
                deadline = time.monotonic() + self.tick
                while not self._dirty and not self._stopping:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._changes.wait(timeout=left)
                if self._stopping:
                    return
                if self._dirty:
                    while not self._stopping:
                        quiet_for = time.monotonic() - self._last_change
                        if quiet_for >= self.quiet:
                            break
                        self._changes.wait(timeout=self.quiet - quiet_for)
                    if self._stopping:
                        return
                changed, self._changed, dirty = self._changed, set(), self._dirty
                self._dirty = False
            try:
                if dirty:
                    self.rebuild(changed=changed)
                else:
                    self._on_tick()
            except Exception:  # never let the loop die: report and keep serving
                self.log(
                    "internal error in clarion serve (please report it):\n" + traceback.format_exc()
                )

    def _on_tick(self) -> None:
        """Between changes: rebuild when the page changes by itself (a
        maintenance window opens or closes, a new day begins, ...), and remind
        of public updates falling due."""
        if self.config is None:
            return
        now = self.clock(self.config)
        if self._next_change is not None and now >= self._next_change.at:
            self.log(
                f"At {self._next_change.at:%H:%M UTC} {self._next_change.describe()}; rebuilding."
            )
            self.rebuild(changed={"(clock)"})
            return
        self._remind(now, always=False)

    def rebuild(self, *, changed: Iterable[str] = (), initial: bool = False) -> bool:
        """Build once; on success swap the snapshot, on failure keep the last
        good files and show the errors. Returns True on success."""
        with self._build_lock:
            return self._rebuild(changed=changed, initial=initial)

    def _rebuild(self, *, changed: Iterable[str], initial: bool) -> bool:
        started = time.perf_counter()
        names = sorted(
            display_path(Path(p), self.root) if p.startswith("/") else p for p in changed
        )
        error: str | None = None
        files: dict[str, bytes] | None = None
        context: Any = None
        try:
            self.config = load_config(self.root)
            now = self.clock(self.config)
            files, context = build_in_memory(self.config, now, self._cache_for(self.config))
        except ContentErrors as exc:
            count = len(exc.errors)
            error = (
                exc.format()
                + f"\n{count} error{'s' if count != 1 else ''}; showing the last good build."
            )
        except ClarionError as exc:
            error = f"error: {exc}"
        except Exception as exc:  # a bug in Clarion: keep serving, say so
            error = "internal error (a bug in Clarion; please report it):\n" + "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__)
            )
        elapsed = time.perf_counter() - started
        self.builds += 1
        self._watcher.sync()
        why = f" ({', '.join(names[:3])}{' …' if len(names) > 3 else ''} changed)" if names else ""
        if error is not None:
            self.log(error)
            self._publish(self.snapshot.files, error)
            self.log(f"Build failed{why}; still serving the last good build.")
            return False
        assert files is not None and context is not None and self.config is not None
        for warning in context.site.warnings:
            self.log(warning.format())
        previous = self.snapshot
        recovered = previous.error is not None
        differ = sum(1 for path, data in files.items() if previous.files.get(path) != data)
        differ += sum(1 for path in previous.files if path not in files)
        self._publish(files, None)
        if initial:
            self.log(f"Built {len(files)} files in {elapsed:.2f} s.")
        else:
            self.log(
                f"Rebuilt in {elapsed:.2f} s{why}: "
                f"{differ} file{'s' if differ != 1 else ''} changed"
                + ("; the error is fixed." if recovered else ".")
            )
        self._next_change = next_change(context.state, self.config.timezone)
        due = updates_due_for(
            self.config, context.site.incidents, context.state.now, rulebook=context.rulebook
        )
        changed_due = due != self._due
        self._due = due
        self._remind(context.state.now, always=initial or changed_due)
        return True

    def _cache_for(self, config: SiteConfig) -> Any:
        """The memory cache, started afresh when site.toml changes (parsed
        incidents depend on the components it defines)."""
        from .. import __version__

        salt = f"{__version__}:{config.digest}:serve"
        if self._cache is None or self._cache.salt != salt:
            factory = _memory_cache_class()
            self._cache = (
                None
                if factory is None
                else factory(folder=config.root / ".clarion-serve", salt=salt)
            )
        return self._cache

    def _publish(self, files: Mapping[str, bytes], error: str | None) -> None:
        """Swap in a new snapshot; wake the long-polls only when something a
        browser shows changed (the files or the error)."""
        current = self.snapshot
        if files is current.files and error == current.error:
            return
        if error is None and current.error is None and dict(files) == dict(current.files):
            return
        with self._live:
            self._counter += 1
            self.snapshot = Snapshot(
                version=f"{self._session}-{self._counter}", files=files, error=error
            )
            self._live.notify_all()

    def _remind(self, now: datetime, *, always: bool) -> None:
        for due in self._due:
            left = due.due_at - now
            phase = (
                "overdue" if left < timedelta(0) else "soon" if left <= REMIND_BEFORE else "later"
            )
            key = (due.slug, due.due_at, phase)
            if always or (phase != "later" and key not in self._reminded):
                self.log(due.describe(now))
            self._reminded.add(key)

    # -- answering the browser --------------------------------------------------

    def wait_for_change(self, since: str, timeout: float) -> Snapshot:
        """Block until the version differs from ``since`` (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._live:
            while self.snapshot.version == since and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._live.wait(timeout=left)
            return self.snapshot


def serve(root: Path, *, clock: Clock, port: int = 8000, log: Log = print) -> None:
    """Run the preview until Ctrl-C (or SIGTERM)."""
    server = PreviewServer(root, clock=clock, port=port, log=log)
    server.start()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    log(f"Serving at {server.url} (Ctrl-C to stop)")
    try:
        server.wait()
    except KeyboardInterrupt:
        log("Stopping.")
    finally:
        server.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
