"""``clarion serve``: build, watch, serve on 127.0.0.1 with live reload.

How it works (the MkDocs livereload pattern):

- The site is built into memory (``path -> bytes``) with the same
  ``prepare``/``render_all`` steps as ``clarion build`` (:mod:`.memory`); a
  new build replaces the old one in one assignment, so a request never sees
  half a build.
- watchdog watches ``site_src/``, ``updates/``, the comms folder and
  ``templates/``. Its callback only records the change and notifies a
  :class:`threading.Condition`; one build loop waits until the changed files
  are whole (closed after writing, or no change for ``quiet`` seconds),
  rebuilds once, and on failure keeps serving the last good build, with the
  errors printed in the terminal and shown as an overlay in the browser.
- When one update file the site was read from is all that changed, only that
  file is read again (the site and its update files are held in memory), the
  site is derived again, and the pages open in browsers are rendered alone
  and served first; the rest of the site follows in the same rebuild. Any
  other change (site.toml, templates, comms, a new, deleted or renamed file,
  the clock) reads the whole site again (parsed files whose bytes are
  unchanged are reused).
- Live reload needs no extra service: only in serve mode, every HTML response
  gets a tiny script that long-polls ``/__clarion/poll`` with its page's
  version and path; the answer comes when what that page shows changed
  (:mod:`.live`), and the page reloads. ``clarion build`` output never
  contains it.
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..config import SiteConfig, load_config
from ..core.collection import no_cycle_collection
from ..derive.changes import Change, next_change
from ..errors import ClarionError, ContentErrors, UsageError, display_path
from ..load import UpdateFiles
from .http import PreviewHandler, PreviewHTTPServer, Snapshot
from .live import LiveBuilds
from .memory import memory_cache_class, render_first, render_in_memory
from .reminders import REMIND_BEFORE, UpdateDue, updates_due_for
from .watch import SourceWatcher

#: Seconds without changes before a rebuild starts (editors save in bursts)...
QUIET = 0.15
#: ... or, once every file changed was closed after writing (or moved into
#: place, or deleted), this long: the events of one save come together.
SETTLE = 0.02
#: After serving the open pages first, wait at most this long for their tabs
#: to fetch them again before rendering the rest of the site.
RELOAD_GRACE = 0.25
#: How long a long-poll request is held open before it answers "no change".
POLL_TIMEOUT = 20.0
#: The build loop wakes at least this often to check the clock.
TICK = 15.0
Clock = Callable[[SiteConfig], datetime]
Log = Callable[[str], None]


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
        self.live = LiveBuilds(secrets.token_hex(3))
        self.config: SiteConfig | None = None
        #: the update files of the site last read (``None``: read them all again)
        self._files: UpdateFiles | None = None
        self._changes = threading.Condition()
        self._dirty = False
        self._last_change = 0.0
        self._changed: set[str] = set()
        self._writing: set[str] = set()  # changed files not closed since
        self._stopping = False
        self._httpd: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        # the watcher calls notify_change by name, so a wrapper set later is used
        self._watcher = SourceWatcher(
            self.root,
            self.watched_dirs,
            lambda path, finished: self.notify_change(path, finished=finished),
            log,
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
        self.live.stop()
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

    def notify_change(self, path: str, *, finished: bool = False) -> None:
        """Called from the watchdog thread: record and wake the build loop.
        ``finished``: the file is whole (closed after writing, moved into
        place, deleted); the build then need not wait for a quiet moment."""
        with self._changes:
            self._dirty = True
            self._last_change = time.monotonic()
            self._changed.add(path)
            if finished:
                self._writing.discard(path)
            else:
                self._writing.add(path)
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
                        wanted = self.quiet if self._writing else min(SETTLE, self.quiet)
                        if quiet_for >= wanted:
                            break
                        self._changes.wait(timeout=wanted - quiet_for)
                    if self._stopping:
                        return
                changed, self._changed, dirty = self._changed, set(), self._dirty
                self._dirty = False
                self._writing.clear()
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
        good files and show the errors. Returns True on success. When one
        update file is all that changed, only that file is read again and
        the pages browsers show are served before the rest of the site."""
        started = time.perf_counter()
        changed = set(changed)
        names = sorted(
            display_path(Path(p), self.root) if p.startswith("/") else p for p in changed
        )
        why = f"{', '.join(names[:3])}{' …' if len(names) > 3 else ''} changed" if names else ""
        with self._build_lock, no_cycle_collection():
            before = self.snapshot
            one = None if initial else self._one_update_file(changed)
            context, error = self._reread(one) if one is not None else (None, None)
            if context is None and error is None:
                context, error = _attempt(self._load)
            first: float | None = None
            files: dict[str, bytes] = {}
            if context is not None:
                if one is not None:
                    first = _attempt(lambda: self._render_first(context, before))[0]
                files, error = _attempt(lambda: render_in_memory(context))
            self.builds += 1
            self._watcher.sync()
            if error is not None:
                self._failed(error, why)
                return False
            timing = Timing(started, first)
            self._succeeded(files, context, before, timing, why, initial=initial)
            return True

    def _one_update_file(self, changed: set[str]) -> Path | None:
        """The update file, when one saved update file is all that changed
        and the site it belongs to is held in memory."""
        if len(changed) != 1 or self._files is None or self.config is None:
            return None
        path = Path(next(iter(changed)))
        updates = self.config.updates_dir
        if path.suffix != ".md" or not path.is_absolute() or not path.is_relative_to(updates):
            return None
        return path

    def _load(self) -> Any:
        """Read site.toml and every source (parsed files reused when their
        bytes are unchanged) and derive: the context to render."""
        from ..build import prepare
        from ..load import assemble_sources, read_sources

        self._files = None
        self.config = config = load_config(self.root)
        cache = self._cache_for(config)
        self._files = read_sources(config, cache)
        sources = assemble_sources(config, self._files)
        return prepare(config, self.clock(config), cache, sources=sources)

    def _reread(self, path: Path) -> tuple[Any, str | None]:
        """Read one saved update file again, put it into the site held in
        memory and derive: the context to render, or the error. ``(None,
        None)`` when the file is not one the site was read from (new,
        deleted, renamed): then the whole site is read again."""
        from ..build import prepare
        from ..load import assemble_sources, reread_update_file

        config, held = self.config, self._files
        assert config is not None and held is not None
        files = reread_update_file(config, held, path, self._cache)
        if files is None:
            return None, None
        self._files = files  # with the file's errors, if it has any
        return _attempt(
            lambda: prepare(
                config, self.clock(config), self._cache, sources=assemble_sources(config, files)
            )
        )

    def _render_first(self, context: Any, before: Snapshot) -> float | None:
        """Serve the pages browsers show, rendered alone, with the last
        build's other files, and give their tabs a moment to reload before
        the rest of the site is rendered; when they were served, or ``None``
        when no page is open."""
        pages = render_first(context, self.live.open_pages())
        if not pages:
            return None
        served, tabs = self.live.served_count(), set(self.live.polled_pages()) & set(pages)
        self.live.publish({**before.files, **pages}, None)
        published = time.perf_counter()
        if tabs:
            self.live.wait_for_pages(tabs, served, RELOAD_GRACE)
        return published

    def _failed(self, error: str, why: str) -> None:
        self.log(error)
        self.live.publish(self.snapshot.files, error)
        self.log(f"Build failed{f' ({why})' if why else ''}; still serving the last good build.")

    def _succeeded(
        self,
        files: dict[str, bytes],
        context: Any,
        before: Snapshot,
        timing: Timing,
        why: str,
        *,
        initial: bool,
    ) -> None:
        assert self.config is not None
        for warning in context.site.warnings:
            self.log(warning.format())
        differ = sum(1 for path, data in files.items() if before.files.get(path) != data)
        differ += sum(1 for path in before.files if path not in files)
        self.live.publish(files, None)
        if initial:
            self.log(f"Built {len(files)} files in {timing.total():.2f} s.")
        else:
            self.log(
                f"Rebuilt in {timing.total():.2f} s{timing.describe(why)}: "
                f"{differ} file{'s' if differ != 1 else ''} changed"
                + ("; the error is fixed." if before.error is not None else ".")
            )
        self._next_change = next_change(context.state, self.config.timezone)
        due = updates_due_for(
            self.config, context.site.incidents, context.state.now, rulebook=context.rulebook
        )
        changed_due = due != self._due
        self._due = due
        self._remind(context.state.now, always=initial or changed_due)

    def _cache_for(self, config: SiteConfig) -> Any:
        """The memory cache, started afresh when site.toml changes (parsed
        incidents depend on the components it defines)."""
        from .. import __version__

        salt = f"{__version__}:{config.digest}:serve"
        if self._cache is None or self._cache.salt != salt:
            factory = memory_cache_class()
            self._cache = (
                None
                if factory is None
                else factory(folder=config.root / ".clarion-serve", salt=salt)
            )
        return self._cache

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

    @property
    def snapshot(self) -> Snapshot:
        """What the server shows now."""
        return self.live.snapshot


@dataclass(frozen=True)
class Timing:
    """When a rebuild started and when its first pages were served."""

    started: float
    first: float | None

    def total(self) -> float:
        return time.perf_counter() - self.started

    def describe(self, why: str) -> str:
        """`` (what changed; open page in 0.08 s)``, as much as is known."""
        parts = [why] if why else []
        if self.first is not None:
            parts.append(f"open page in {self.first - self.started:.2f} s")
        return f" ({'; '.join(parts)})" if parts else ""


def _attempt(step: Callable[[], Any]) -> tuple[Any, str | None]:
    """Run a build step: its result, or the error to show in its stead."""
    try:
        return step(), None
    except ContentErrors as exc:
        count = len(exc.errors)
        errors = f"{count} error{'s' if count != 1 else ''}"
        return None, f"{exc.format()}\n{errors}; showing the last good build."
    except ClarionError as exc:
        return None, f"error: {exc}"
    except Exception as exc:  # a bug in Clarion: keep serving, say so
        return None, "internal error (a bug in Clarion; please report it):\n" + "".join(
            traceback.format_exception(type(exc), exc, exc.__traceback__)
        )


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
