"""The ``clarion`` command line: a thin layer over the core.

Exit codes (PRODUCT.md): 0 success; 1 ``check`` found something overdue;
2 invalid content or usage; 3 internal error (the traceback only with
``--debug``); 4 ``check``: nothing overdue, but something due soon.

``_common`` holds the group, error handling, shared options and the clock;
``site``, ``first_run`` (init), ``new``, ``writing`` (update, sent), ``reports``,
``learning``, ``importing``, ``alerting``, ``announce`` and ``send`` register the
commands.
"""

from __future__ import annotations

from . import (  # noqa: F401  (register the commands)
    alerting,
    announce,
    first_run,
    importing,
    learning,
    new,
    reports,
    send,
    site,
    writing,
)
from ._common import main, resolve_now, run

__all__ = ["main", "resolve_now", "run"]
