"""``clarion serve``'s watcher: watchdog on the site's source folders.

Its callback does no work: it passes each relevant change to ``on_change``
(which records it and wakes the build loop), saying whether the change is
finished: a file closed after writing, moved into place or deleted (a file
still being written has been modified but not yet closed). The folders are asked for again
at each :meth:`SourceWatcher.sync`, so a source folder created while serving
(``templates/``, ``comms/``) is watched from then on; the folder above each is
watched too, so that its creation is seen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import display_path

_IGNORED_EVENTS = {"opened", "closed_no_write"}  # our own builds read files
#: Events after which a file is whole: closed after writing, moved into place, deleted.
_FINISHED_EVENTS = {"closed", "moved", "deleted"}


class SourceWatcher:
    """Watch ``folders()`` under ``root``; call ``on_change(path, finished)`` for
    each change to a file that matters (editors' swap and backup files do not)."""

    def __init__(
        self,
        root: Path,
        folders: Callable[[], list[Path]],
        on_change: Callable[[str, bool], None],
        log: Callable[[str], None],
    ):
        self.root = root
        self.folders = folders
        self.on_change = on_change
        self.log = log
        self._observer: Any = None
        self._watches: dict[Path, Any] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        from watchdog.observers import Observer

        self._observer = Observer()
        self._observer.daemon = True
        self.sync()
        self._observer.start()

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)

    def folder_appeared(self, path: str) -> None:
        """Called from the watchdog thread when a folder is created (or moved
        in): watch it at once, then rescan it, so that a file written into it
        before its watch began is not missed (after, its own event comes)."""
        self.sync()
        folder = Path(path)
        if not folder.is_dir():
            return
        for child in sorted(folder.rglob("*")):
            if child.is_file() and self.relevant(str(child)):
                self.on_change(str(child), True)

    def sync(self) -> None:
        """Watch every source folder that exists, and the folder above each,
        so that creating ``templates/`` or ``comms/`` is noticed too. Called
        by the build thread and the watchdog thread alike."""
        with self._lock:
            self._sync_locked()

    def _sync_locked(self) -> None:
        if self._observer is None:
            return
        wanted: dict[Path, bool] = {}
        for folder in self.folders():
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
        for folder in self.folders():
            if path == folder or path.is_relative_to(folder):
                return True
        return False


class _EventHandler:
    """A watchdog handler that only forwards relevant changes (no work here)."""

    def __init__(self, watcher: SourceWatcher):
        self.watcher = watcher

    def dispatch(self, event: Any) -> None:
        if event.event_type in _IGNORED_EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            return
        if event.is_directory and event.event_type in ("created", "moved"):
            path = getattr(event, "dest_path", "") or event.src_path
            path = path.decode() if isinstance(path, bytes) else path
            if self.watcher.relevant(path):
                self.watcher.folder_appeared(path)
        # a move (an editor's or sed's atomic save) names the real file in dest_path
        finished = event.event_type in _FINISHED_EVENTS
        for path in (getattr(event, "dest_path", ""), getattr(event, "src_path", "")):
            path = path.decode() if isinstance(path, bytes) else path
            if self.watcher.relevant(path):
                self.watcher.on_change(path, finished)
                return
