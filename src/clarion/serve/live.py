"""``clarion serve``'s live reload: the builds a browser may show, and who waits.

Each build the server shows is a :class:`~clarion.serve.http.Snapshot` with a
version; every HTML page carries the version it was served from and, with
its path, long-polls for a change. A poll is answered "reload" once what
that page shows changed since its version: its own bytes, the shared files
pages load (``assets/``, ``static/``) or the error overlay. A newer build in
which the page is unchanged is answered "no reload" with the newer version,
so an open tab is not reloaded for pages it does not show.

The paths of the waiting polls (and the last page served) are the pages
browsers show: after an edit, those are rendered first.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .http import Snapshot, page_key, shown_page

#: Snapshots kept for the polls of pages served from them.
KEEP = 16
#: At most this many open pages are rendered before the rest of the site.
MAX_OPEN = 4
#: Files that pages load: a change there reloads every page.
SHARED = ("assets/", "static/")


@dataclass(frozen=True)
class PollAnswer:
    """What a long-poll answers: the version the page may take, and whether to reload."""

    snapshot: Snapshot
    version: str
    reload: bool


class LiveBuilds:
    """The current snapshot, the recent ones, and the browsers waiting for a change."""

    def __init__(self, session: str):
        self._session = session
        self._counter = 0
        self.snapshot = Snapshot(version=f"{session}-0")
        self._recent: OrderedDict[str, Snapshot] = OrderedDict()
        self._recent[self.snapshot.version] = self.snapshot
        self._changed = threading.Condition()
        self._waiting: Counter[str] = Counter()
        self._last_page: str | None = None
        self._served = threading.Condition()
        self._served_count = 0
        self._served_at: dict[str, int] = {}  # page -> the count when last served
        self.stopping = False

    def publish(self, files: Mapping[str, bytes], error: str | None) -> None:
        """Swap in a new snapshot; wake the long-polls only when something a
        browser shows changed (the files or the error)."""
        current = self.snapshot
        if files is current.files and error == current.error:
            return
        if error is None and current.error is None and dict(files) == dict(current.files):
            return
        with self._changed:
            self._counter += 1
            self.snapshot = Snapshot(
                version=f"{self._session}-{self._counter}", files=files, error=error
            )
            self._recent[self.snapshot.version] = self.snapshot
            while len(self._recent) > KEEP:
                self._recent.popitem(last=False)
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self.stopping = True
            self._changed.notify_all()

    def page_served(self, key: str) -> None:
        """Record the HTML page just served (its poll starts a moment later)."""
        with self._served:
            self._last_page = key
            self._served_count += 1
            self._served_at[key] = self._served_count
            self._served.notify_all()

    def served_count(self) -> int:
        with self._served:
            return self._served_count

    def wait_for_pages(self, keys: Iterable[str], since: int, timeout: float) -> bool:
        """Wait until each page of ``keys`` was served after count ``since``
        (the reloads of the tabs that show them), at most ``timeout``."""
        deadline = time.monotonic() + timeout
        wanted = set(keys)
        with self._served:
            while not all(self._served_at.get(key, 0) > since for key in wanted):
                left = deadline - time.monotonic()
                if left <= 0 or self.stopping:
                    return False
                self._served.wait(timeout=left)
        return True

    def polled_pages(self) -> list[str]:
        """The pages whose tabs wait for a change now."""
        with self._changed:
            return [key for key, count in self._waiting.items() if count > 0]

    def open_pages(self) -> list[str]:
        """The pages browsers show now: those waiting for a change, and the
        last one served (newest first, at most :data:`MAX_OPEN`)."""
        pages = self.polled_pages()
        with self._served:
            last = self._last_page
        if last is not None:
            pages = [last, *(key for key in pages if key != last)]
        return pages[:MAX_OPEN]

    def wait(self, since: str, timeout: float, path: str | None = None) -> PollAnswer:
        """Block until the page at ``path``, served from version ``since``,
        changed (or ``timeout``). Without ``path``: until the version changes."""
        key = None if path is None else page_key(path)
        deadline = time.monotonic() + timeout
        with self._changed:
            if key is not None:
                self._waiting[key] += 1
            try:
                while not self.stopping:
                    current = self.snapshot
                    if current.version != since:
                        if self._differs(since, current, key):
                            return PollAnswer(current, current.version, True)
                        since = current.version  # the same page in the newer build
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(timeout=left)
                return PollAnswer(self.snapshot, since, False)
            finally:
                if key is not None:
                    self._waiting[key] -= 1
                    if self._waiting[key] <= 0:
                        del self._waiting[key]

    def _differs(self, since: str, current: Snapshot, key: str | None) -> bool:
        """Does a browser that shows ``key`` from version ``since`` need ``current``?"""
        old = self._recent.get(since)
        if old is None or key is None or old.error != current.error:
            return True
        if shown_page(old.files, key) != shown_page(current.files, key):
            return True
        return _shared(old.files) != _shared(current.files)


def _shared(files: Mapping[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in files.items() if path.startswith(SHARED)}
