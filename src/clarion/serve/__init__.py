"""``clarion serve``: build, watch, serve on 127.0.0.1 with live reload.

One module per side: the build held in memory and its loop (:mod:`.preview`),
the HTTP side with live reload (:mod:`.http`), the watcher on the source folders
(:mod:`.watch`) and the reminders of public updates due (:mod:`.reminders`).
"""

from __future__ import annotations

from .http import Snapshot, inject
from .preview import PreviewServer, build_in_memory, public_writers, serve
from .reminders import UpdateDue, updates_due_for

__all__ = [
    "PreviewServer",
    "Snapshot",
    "UpdateDue",
    "build_in_memory",
    "inject",
    "public_writers",
    "serve",
    "updates_due_for",
]
