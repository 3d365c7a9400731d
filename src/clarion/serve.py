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
import html
import json
import mimetypes
import secrets
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .config import SiteConfig, load_config
from .derive.changes import Change, next_change
from .errors import ClarionError, ContentErrors, UsageError, display_path
from .model import Incident, Severity

LIVE_PREFIX = "/__clarion/"
#: Seconds without changes before a rebuild starts (editors save in bursts).
QUIET = 0.15
#: How long a long-poll request is held open before it answers "no change".
POLL_TIMEOUT = 20.0
#: The build loop wakes at least this often to check the clock.
TICK = 15.0
#: Remind this long before a public update is due.
REMIND_BEFORE = timedelta(minutes=5)

_IGNORED_EVENTS = {"opened", "closed_no_write"}  # our own builds read files

Clock = Callable[[SiteConfig], datetime]
Log = Callable[[str], None]


# -- what is due --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UpdateDue:
    """The next public update of an active incident."""

    slug: str
    title: str
    severity: Severity
    last_update_at: datetime
    due_at: datetime

    def describe(self, now: datetime) -> str:
        left = self.due_at - now
        when = self.due_at.astimezone(UTC).strftime("%H:%M UTC")
        if left >= timedelta(0):
            state = f"due at {when} (in {_minutes(left)})"
        else:
            state = f"OVERDUE since {when} ({_minutes(-left)} ago)"
        return f'{self.slug} ({self.severity.value}): next public update {state}; clarion update {self.slug} STAGE "..."'


def updates_due_for(
    config: SiteConfig, incidents: Iterable[Incident], now: datetime
) -> list[UpdateDue]:
    """When each active incident's next public update is due: the rulebook's
    ``update-cadence`` with the site's overrides, as ``clarion check`` counts
    it (:func:`clarion.derive.deadlines.next_update_due`)."""
    from .derive.deadlines import next_update_due
    from .rules import load_rules

    try:
        rulebook = load_rules(config)
    except ClarionError:  # the build reports the rulebook's errors
        return []
    result = []
    for incident in incidents:
        if incident.is_maintenance or incident.is_closed or incident.started_at > now:
            continue
        item = next_update_due(incident, rulebook, now)
        if item is None or item.due_at is None or incident.severity is None:
            continue
        last = item.clock_at or incident.started_at
        result.append(
            UpdateDue(incident.slug, incident.title, incident.severity, last, item.due_at)
        )
    return sorted(result, key=lambda d: (d.due_at, d.slug))


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"


# -- the build held in memory ---------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What the server shows: the last good build and the current error, if any."""

    version: str
    files: Mapping[str, bytes] = field(default_factory=dict)
    error: str | None = None


def _memory_cache_class() -> type | None:
    """A :class:`clarion.cache.BuildCache` that lives in memory between
    rebuilds: parsed sources are reused when a file's bytes are unchanged, and
    a page whose render key is unchanged is taken from the previous build."""
    try:
        from .cache import BuildCache
    except ImportError:  # pragma: no cover - the cache ships with Clarion
        return None

    @dataclass
    class MemoryCache(BuildCache):
        pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)

        def previous_page(self, area: str, path: str, key: str) -> bytes | None:
            entry = self.pages.get(path) if area == "public" else None
            return entry[1] if entry is not None and entry[0] == key else None

        def save(self, *args: object, **kwargs: object) -> None:
            return  # nothing on disk: serve never touches the site's folders

    return MemoryCache


def public_writers() -> tuple[Any, ...]:
    """The build's writers minus those that only make private files (the
    deadline report): serve shows the public site, so it skips their cost."""
    from .build import WRITERS

    try:
        from .render.report import render_deadlines
    except ImportError:  # pragma: no cover
        return WRITERS
    return tuple(w for w in WRITERS if w is not render_deadlines)


def build_in_memory(
    config: SiteConfig, now: datetime, cache: Any = None
) -> tuple[dict[str, bytes], Any]:
    """Load, derive and render the public site into ``{path: bytes}``.

    Returns the files and the render context (site and state). With a memory
    ``cache`` only changed sources are parsed and only changed pages rendered."""
    from .build import prepare, render_all
    from .render import Area

    context = prepare(config, now, cache) if cache is not None else prepare(config, now)
    files: dict[str, bytes] = {}
    pages: dict[str, tuple[str, bytes]] = {}
    for output in render_all(context, public_writers()):
        if output.area is Area.PUBLIC:
            files[output.path] = output.data
            key = getattr(output, "key", None)
            if key is not None:
                pages[output.path] = (key, output.data)
    if cache is not None:
        cache.pages = pages
    return files, context


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
        self._observer: Any = None
        self._watches: dict[Path, Any] = {}
        self._watch_lock = threading.Lock()
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
            self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise UsageError(
                    f"cannot listen on {self.host}:{self.port} ({exc.strerror}); "
                    "pass --port with another number, or --port 0 for any free port"
                ) from None
            raise
        self.port = self._httpd.server_address[1]
        self._start_observer()
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
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
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

    def _start_observer(self) -> None:
        from watchdog.observers import Observer

        self._observer = Observer()
        self._observer.daemon = True
        self._sync_watches()
        self._observer.start()

    def folder_appeared(self, path: str) -> None:
        """Called from the watchdog thread when a folder is created (or moved
        in): watch it at once, then rescan it, so that a file written into it
        before its watch began is not missed (after, its own event comes)."""
        self._sync_watches()
        folder = Path(path)
        if not folder.is_dir():
            return
        for child in sorted(folder.rglob("*")):
            if child.is_file() and self.relevant(str(child)):
                self.notify_change(str(child))

    def _sync_watches(self) -> None:
        """Watch every source folder that exists, and the folder above each,
        so that creating ``templates/`` or ``comms/`` is noticed too. Called
        by the build thread and the watchdog thread alike."""
        with self._watch_lock:
            self._sync_watches_locked()

    def _sync_watches_locked(self) -> None:
        if self._observer is None:
            return
        wanted: dict[Path, bool] = {}
        for folder in self.watched_dirs():
            if folder.is_dir():
                wanted[folder] = True
            if folder.parent.is_dir():
                wanted.setdefault(folder.parent, False)
        for path in list(self._watches):
            if path not in wanted:
                self._observer.unschedule(self._watches.pop(path))
        handler = _EventHandler(self)
        for path, recursive in wanted.items():
            if (
                path in self._watches
                and getattr(self._watches[path], "is_recursive", recursive) == recursive
            ):
                continue
            if path in self._watches:
                self._observer.unschedule(self._watches.pop(path))
            try:
                self._watches[path] = self._observer.schedule(
                    handler, str(path), recursive=recursive
                )
            except OSError as exc:  # e.g. inotify watch limit
                self.log(f"warning: cannot watch {display_path(path, self.root)}: {exc}")

    def relevant(self, path_text: str) -> bool:
        """Does a change at this path affect the site?"""
        if not path_text:
            return False
        path = Path(path_text)
        name = path.name
        if (
            not name
            or name.startswith((".", "#"))
            or name.endswith(("~", ".swp", ".swx", ".tmp"))
            or name == "4913"
        ):
            return False
        for folder in self.watched_dirs():
            if path == folder or path.is_relative_to(folder):
                return True
        return False

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
        self._sync_watches()
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
                f"Rebuilt in {elapsed:.2f} s{why}: {differ} file{'s' if differ != 1 else ''} changed"
                + ("; the error is fixed." if recovered else ".")
            )
        self._next_change = next_change(context.state, self.config.timezone)
        due = updates_due_for(self.config, context.site.incidents, context.state.now)
        changed_due = due != self._due
        self._due = due
        self._remind(context.state.now, always=initial or changed_due)
        return True

    def _cache_for(self, config: SiteConfig) -> Any:
        """The memory cache, started afresh when site.toml changes (parsed
        incidents depend on the components it defines)."""
        from . import __version__

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


class _EventHandler:
    """A watchdog handler that only forwards relevant changes (no work here)."""

    def __init__(self, server: PreviewServer):
        self.server = server

    def dispatch(self, event: Any) -> None:
        if event.event_type in _IGNORED_EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            return
        if event.is_directory and event.event_type in ("created", "moved"):
            path = getattr(event, "dest_path", "") or event.src_path
            path = path.decode() if isinstance(path, bytes) else path
            if self.server.relevant(path):
                self.server.folder_appeared(path)
        # a move (an editor's or sed's atomic save) names the real file in dest_path
        for path in (getattr(event, "dest_path", ""), getattr(event, "src_path", "")):
            path = path.decode() if isinstance(path, bytes) else path
            if self.server.relevant(path):
                self.server.notify_change(path)
                return


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        preview: PreviewServer,
    ):
        self.preview = preview
        super().__init__(address, handler)


_LIVE_JS = b"""(function () {
  var script = document.currentScript;
  var version = script ? script.getAttribute("data-version") : "";
  function poll() {
    fetch("/__clarion/poll?since=" + encodeURIComponent(version), {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (d) { if (d.version !== version) { location.reload(); } else { poll(); } })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"""

_OVERLAY_STYLE = (
    "position:fixed;inset:0;z-index:2147483647;margin:0;padding:2rem;overflow:auto;"
    "background:rgba(30,0,0,.94);color:#fff;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;"
    "white-space:pre-wrap;cursor:pointer"
)


def inject(page: bytes, snapshot: Snapshot) -> bytes:
    """Add the live-reload script (and the error overlay) to an HTML page."""
    parts = [f'<script src="{LIVE_PREFIX}live.js" data-version="{snapshot.version}"></script>']
    if snapshot.error:
        parts.insert(
            0,
            f'<div id="clarion-error-overlay" role="alert" title="Click to hide" style="{_OVERLAY_STYLE}" '
            'onclick="this.remove()"><strong>Clarion: the last change does not build. '
            "Showing the last good build until it is fixed.</strong>\n\n"
            f"{html.escape(snapshot.error)}</div>",
        )
    snippet = "\n".join(parts).encode("utf-8")
    lower = page.lower()
    at = lower.rfind(b"</body>")
    if at == -1:
        return page + snippet
    return page[:at] + snippet + b"\n" + page[at:]


_EMPTY_PAGE = b'<!doctype html><html><head><meta charset="utf-8"><title>Clarion</title></head><body></body></html>'


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "clarion-serve"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return  # quiet: the terminal is for builds and reminders

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, *, head: bool) -> None:
        preview = self.server.preview
        url = urlsplit(self.path)
        path = unquote(url.path)
        try:
            if path.startswith(LIVE_PREFIX):
                self._live(path[len(LIVE_PREFIX) :], parse_qs(url.query), head=head)
                return
            snapshot = preview.snapshot
            key = path.lstrip("/")
            if key == "" or key.endswith("/"):
                key += "index.html"
            data = snapshot.files.get(key)
            status = HTTPStatus.OK
            if data is None and f"{key}/index.html" in snapshot.files:
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", url.path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if data is None:
                status = HTTPStatus.NOT_FOUND
                key = "404.html"
                data = snapshot.files.get(key, _EMPTY_PAGE)
            ctype = mimetypes.guess_type(key)[0] or "application/octet-stream"
            if ctype == "text/html":
                data = inject(data, snapshot)
            if ctype.startswith("text/") or ctype in (
                "application/json",
                "application/xml",
                "application/javascript",
            ):
                ctype += "; charset=utf-8"
            self._send(status, ctype, data, head=head)
        except (BrokenPipeError, ConnectionResetError):
            return

    def _live(self, name: str, query: Mapping[str, list[str]], *, head: bool) -> None:
        preview = self.server.preview
        if name == "live.js":
            self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", _LIVE_JS, head=head)
            return
        if name in ("poll", "status"):
            since = query.get("since", [""])[0]
            if name == "poll" and since:
                snapshot = preview.wait_for_change(since, preview.poll_timeout)
            else:
                snapshot = preview.snapshot
            body = json.dumps(
                {"version": snapshot.version, "error": snapshot.error, "builds": preview.builds}
            ).encode()
            self._send(HTTPStatus.OK, "application/json", body, head=head)
            return
        self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n", head=head)

    def _send(self, status: HTTPStatus, ctype: str, data: bytes, *, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)


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
