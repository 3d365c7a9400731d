"""``clarion serve``: build, watch, serve on 127.0.0.1 with live reload.

One module per side: the build loop (:mod:`.preview`), the builds in memory
(:mod:`.memory`), the HTTP side (:mod:`.http`), live reload (:mod:`.live`),
the watcher on the source folders (:mod:`.watch`) and the reminders of
public updates due (:mod:`.reminders`).
"""

from __future__ import annotations

from .http import Snapshot, inject
from .memory import build_in_memory, public_writers
from .preview import PreviewServer, serve
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
