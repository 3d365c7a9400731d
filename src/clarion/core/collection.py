"""The cyclic garbage collector around a build.

A build makes hundreds of thousands of objects that all live until it ends:
collecting cycles among them while it runs, or as the interpreter exits,
only walks them again (see each function for what it saved).
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one build.

    A large build keeps every incident, update and page model alive until it
    ends, and each collection walks all of them again: at 10,000 incidents
    that is about a third of the build's time. Reference counting still frees
    everything that is not in a cycle; the pause ends with the build, and one
    collection then frees the rest.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_COLLECTION_AT_EXIT_SKIPPED = False
_PROCESS_ENDS_WITH_COMMAND = False


def process_ends_with_command() -> None:
    """Say that this process is the ``clarion`` program itself, which exits
    when its one command ends (not a test runner or a library user that
    calls the commands and goes on): see :func:`no_collection_at_exit`."""
    global _PROCESS_ENDS_WITH_COMMAND
    _PROCESS_ENDS_WITH_COMMAND = True


def no_collection_at_exit() -> None:
    """Spare the process the cyclic collection the interpreter runs as it
    exits (once per process; :func:`atexit.register` of :func:`gc.freeze`).

    A build's site, state and outputs stay alive until ``clarion build``
    exits, and that last collection walks all of them again only for the
    memory to go back to the system with the process: about 0.05 s of a
    one-incident edit at 1,000 incidents. Only a command that exits right
    after its build calls this (never ``clarion serve`` or a library user).

    In the ``clarion`` program itself (:func:`process_ends_with_command`)
    the collector also stays off after the build: the pause of
    :func:`no_cycle_collection` would end with every object the build made
    still young, and the first collection after it walks them all (about
    0.09 s at 10,000 incidents) for a process about to exit.
    """
    global _COLLECTION_AT_EXIT_SKIPPED
    if not _COLLECTION_AT_EXIT_SKIPPED:
        _COLLECTION_AT_EXIT_SKIPPED = True
        atexit.register(gc.freeze)
    if _PROCESS_ENDS_WITH_COMMAND:
        gc.disable()
