"""Spread CPU-bound build steps over the machine's cores.

Parsing thousands of update files and rendering thousands of incident pages
are independent per item. Where the operating system can ``fork`` (Linux,
the platform CI and most builds run on), :func:`fork_map` runs chunks of such
work in worker processes that inherit the parent's state (the loaded site,
the template environment), so nothing but the chunk's results crosses a
process boundary. Elsewhere, for small inputs, or with ``workers=1``, the
same function runs in-process. Results always come back in input order, so
the output does not depend on the number of workers.

Workers never outlive the build: each asks the kernel to kill it when its
parent dies (``PR_SET_PDEATHSIG`` on Linux) and lets go of the parent's
stdout and stderr, so a killed build leaves no process behind and no pipe
held open (a CI step reading the build's output ends with it).

Only ``clarion build`` asks for workers; ``clarion serve`` and the MkDocs
plugin run in-process (they run inside threaded servers, where forking is
unsafe).

``multiprocessing`` and ``ctypes`` are imported where a worker is started: a
build that forks none (its inputs unchanged) never imports them.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, Generic, TypeVar

from .result_files import handed_over, open_result_files, result_files_closed, taken

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

#: Below this many items the cost of starting workers outweighs the gain.
MIN_ITEMS = 400


def default_workers() -> int:
    """The cores this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In a worker: be killed with the parent, and hold none of its output pipes."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            # the interpreter's own symbols, libc's among them: no search for
            # the library (ctypes.util's runs ldconfig, milliseconds per worker)
            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):  # pragma: no cover - a libc not linked in
            prctl = None
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def fork_map(
    func: Callable[[S, Sequence[T]], list[R]], inputs: S, items: Sequence[T], workers: int
) -> list[R]:
    """``func(inputs, chunk)`` over chunks of ``items``, flattened, in order.

    ``inputs`` is what every chunk needs besides its items (the config, the
    renderer, the records): each worker receives it once, through the pool's
    initializer, inherited by ``fork`` (never pickled); only the chunks and
    their results cross a process boundary. ``func`` must be a module-level
    function (it is called by name in the workers).

    The calling process is one of the ``workers``: it takes chunks from the
    same queue as the ``workers - 1`` forked ones, so its share of the
    results is never pickled (at 10,000 update files, pickling every parsed
    incident in a worker and reading it back in the caller cost about half
    a second of CPU), and no core waits while the caller only reads results.
    A worker's results come back in a memory file (:mod:`.result_files`).
    """
    if workers <= 1 or len(items) < MIN_ITEMS or not can_fork():
        return func(inputs, items)
    count = workers * 8  # small chunks: whoever is free takes the next one
    size = -(-len(items) // count)
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    parts: list[list[R] | None] = [None] * len(chunks)
    upcoming = iter(range(len(chunks)))
    sent: list[tuple[int, Any]] = []
    lock = threading.Lock()  # the caller and the pool's result thread take chunks
    stopping = threading.Event()  # the caller leaves: no chunk is sent after

    import multiprocessing

    files = open_result_files(len(chunks))  # made before the workers, who inherit them
    context = multiprocessing.get_context("fork")
    with (
        result_files_closed(files),
        context.Pool(
            workers - 1, initializer=_start_worker, initargs=(os.getpid(), func, inputs)
        ) as pool,
    ):

        def send(_: object = None) -> None:
            with lock:  # (a chunk is taken and sent at once: none is lost at the end)
                index = None if stopping.is_set() else next(upcoming, None)
                if index is not None:
                    task = (chunks[index], None if files is None else files[index])
                    sent.append((index, pool.apply_async(_run_chunk_into, task, callback=send)))

        try:
            for _ in range(2 * (workers - 1)):
                send()
            while True:
                with lock:
                    index = next(upcoming, None)
                if index is None:
                    break
                parts[index] = func(inputs, chunks[index])
            with lock:
                waiting = list(sent)
            for index, result in waiting:
                parts[index] = taken(result.get(), None if files is None else files[index])
        finally:
            # the pool ends with every chunk sent done, not terminated while
            # some are under way: a chunk sent by the result thread while the
            # pool was terminated failed there and stopped the thread, and the
            # pool's end with it (or waited for it for ever)
            with lock:
                stopping.set()
                waiting = list(sent)
            for _, result in waiting:
                result.wait()  # (a chunk's failure stays in its result)
            pool.close()
            pool.join()
    return [result for part in parts if part is not None for result in part]


#: At most this many items per chunk of :func:`fork_imap`: a chunk's results
#: are held (twice, while they cross the pipe) until the caller takes them.
STREAM_CHUNK = 64


def fork_imap(
    func: Callable[[S, Sequence[T]], list[R]], inputs: S, items: Sequence[T], workers: int
) -> Iterator[R]:
    """:func:`fork_map`, streamed: the results in input order, each chunk's as
    soon as it and the chunks before it are done. At most two chunks per
    worker are in flight, so a caller that writes each result and lets go of
    it holds a few chunks' results at any moment, whatever the number of
    items. Without workers, ``func`` runs in-process, chunk by chunk."""
    size = STREAM_CHUNK
    if workers <= 1 or len(items) < MIN_ITEMS or not can_fork():
        for start in range(0, len(items), size):
            yield from func(inputs, items[start : start + size])
        return
    size = max(1, min(size, -(-len(items) // (workers * 4))))
    chunks = (items[start : start + size] for start in range(0, len(items), size))
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(
        workers, initializer=_start_worker, initargs=(os.getpid(), func, inputs)
    ) as pool:
        pending = deque(
            pool.apply_async(_run_chunk, (chunk,)) for chunk in islice(chunks, 2 * workers)
        )
        while pending:
            part = pending.popleft().get()
            for chunk in chunks:
                pending.append(pool.apply_async(_run_chunk, (chunk,)))
                break
            yield from part
            del part


def in_worker() -> bool:
    """True in a worker process of :func:`fork_map` or :func:`fork_imap`."""
    return _WORK is not None


#: In a worker process only: the function and inputs its pool was started with.
_WORK: tuple[Callable[[Any, Sequence[Any]], list[Any]], object] | None = None


def _start_worker(
    parent: int, func: Callable[[Any, Sequence[Any]], list[Any]], inputs: object
) -> None:
    global _WORK
    _die_with_parent(parent)
    _WORK = (func, inputs)


def _run_chunk(chunk: Sequence[Any]) -> list[Any]:
    assert _WORK is not None, "called outside a fork_map worker"
    func, inputs = _WORK
    return func(inputs, chunk)


def _run_chunk_into(chunk: Sequence[Any], results_file: int | None) -> int | list[Any]:
    """A chunk's results, handed over in ``results_file`` if there is one
    (:mod:`.result_files`)."""
    if results_file is None:
        return _run_chunk(chunk)
    return handed_over(_run_chunk(chunk), results_file)


class Forked(Generic[R]):
    """``func()`` started now in a process forked with ``os.fork`` alone
    (``multiprocessing`` is not imported: a build that finds nothing changed
    never needs it); :meth:`result` waits for it and returns its value,
    pickled into a memory file (:mod:`.result_files`). If the process
    fails, or none can be forked, ``func`` runs here. Fork it before this
    process starts any thread."""

    def __init__(self, func: Callable[[], R]):
        self._func = func
        self._pid = 0
        files = open_result_files(1) if hasattr(os, "fork") else None  # (Linux: memfd)
        if files is None:
            return
        [self._file] = files
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # (no process to be had: it runs here)
            os.close(self._file)
            return
        if pid == 0:  # pragma: no cover - the child, which never returns
            failed = 1
            try:
                _die_with_parent(parent)
                failed = not isinstance(handed_over([func()], self._file), int)
            finally:
                os._exit(failed)
        self._pid = pid

    def result(self) -> R:
        """The value (waited for once; asked again, ``func`` runs here)."""
        if not self._pid:
            return self._func()
        pid, self._pid = self._pid, 0
        try:
            _, status = os.waitpid(pid, 0)
            if status:
                return self._func()
            [value] = taken(os.fstat(self._file).st_size, self._file)
            return value  # type: ignore[no-any-return]
        finally:
            os.close(self._file)


class Background(Generic[R]):
    """``func()`` started now in a forked process; :meth:`result` returns its
    value. Without ``fork`` (or with ``enabled=False``) it runs in-process
    when the result is asked for. If the worker fails, ``func`` runs again
    in-process, so the caller sees the real exception.

    The parent starts no thread for this, so later forks stay safe.
    """

    def __init__(self, func: Callable[[], R], *, enabled: bool = True):
        self._func = func
        self._process = None
        if enabled and can_fork():
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_send_result, args=(func, send, os.getpid()), daemon=True
            )
            self._process.start()
            send.close()

    def stop(self) -> None:
        """Ask the worker to finish early (``SIGTERM``, which a ``func`` that
        expects it handles); :meth:`result` still returns what it sends."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()

    def result(self) -> R:
        if self._process is None:
            return self._func()
        try:
            ok, value = self._receive.recv()
        except EOFError:
            ok, value = False, None
        finally:
            self._receive.close()
            self._process.join()
        return value if ok else self._func()


def _send_result(func: Callable[[], object], send: object, parent: int) -> None:
    _die_with_parent(parent)
    try:
        value = (True, func())
    except BaseException:  # reported by re-running in the parent
        value = (False, None)
    send.send(value)  # type: ignore[attr-defined]
    send.close()  # type: ignore[attr-defined]
