"""Parallel builds (worker processes for parsing, incident pages and private
writers) give exactly the output of a serial build."""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest

from clarion.build import build
from clarion.config import load_config
from clarion.core.parallel import (
    MIN_ITEMS,
    Background,
    can_fork,
    fork_imap,
    fork_map,
)
from clarion.core.spool import ITEMS_DONE, Spooled
from clarion.core.stretch import Stretch
from tests.conftest import NOW, build_clean
from tests.test_site_build import tree

BENCH = Path(__file__).resolve().parent.parent / "bench" / "generate.py"


def _square_all(offset, items):
    return [item * item + offset for item in items]


def test_fork_map_keeps_order():
    items = list(range(MIN_ITEMS * 3 + 7))
    assert fork_map(_square_all, 0, items, 2) == [i * i for i in items]
    assert fork_map(_square_all, 0, items[:5], 2) == [0, 1, 4, 9, 16]


def _pid_of_each(_inputs, items):
    return [os.getpid() for _ in items]


def _fail_on(bad, items):
    if bad in items:
        raise ValueError(f"item {bad}")
    return list(items)


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_fork_map_caller_parses_its_share_and_a_worker_the_rest():
    # the caller is one of the workers: its results are never pickled
    pids = fork_map(_pid_of_each, None, list(range(MIN_ITEMS * 4)), 2)
    assert len(pids) == MIN_ITEMS * 4
    assert os.getpid() in pids
    assert len(set(pids)) == 2


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_fork_map_reraises_whoever_fails():
    items = list(range(MIN_ITEMS * 4))
    for bad in (0, 1, len(items) // 2, len(items) - 1):  # some chunks go to the worker
        with pytest.raises(ValueError, match=f"item {bad}"):
            fork_map(_fail_on, bad, items, 2)


def test_fork_map_failing_again_and_again_always_reraises_the_failure():
    # a chunk sent by the pool's result thread while the pool was being
    # terminated failed there ("Pool not running"), stopping that thread,
    # and the pool's end raised an AssertionError instead of the failure
    # (in two to five calls of a hundred before the fix)
    items = list(range(MIN_ITEMS * 4))
    bad = len(items) // 2
    for _ in range(200):
        with pytest.raises(ValueError, match=f"item {bad}"):
            fork_map(_fail_on, bad, items, 2)


class _Unpicklable:
    """Inputs that cannot cross a process boundary by pickling."""

    def __init__(self, offset):
        self.offset = offset
        self.handle = open(__file__, "rb")  # noqa: SIM115 - file objects refuse pickling

    def __reduce__(self):
        raise TypeError("inputs must be inherited, not pickled")


def _add_offset(inputs, items):
    return [item + inputs.offset for item in items]


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_fork_map_hands_inputs_to_workers_without_pickling_them():
    inputs = _Unpicklable(1000)
    try:
        items = list(range(MIN_ITEMS * 2))
        assert fork_map(_add_offset, inputs, items, 2) == [i + 1000 for i in items]
    finally:
        inputs.handle.close()


def _big_results(_inputs, items):
    return [(os.getpid(), item, "x" * 20_000) for item in items]


def _memory_files() -> set[str]:
    """The memory files this process holds open."""
    held = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("/memfd:"):
                held.add(fd)
        except OSError:  # (the listing's own descriptor, closed since)
            pass
    return held


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="memory files are Linux's")
def test_fork_map_takes_a_workers_results_from_a_memory_file_not_the_pipe(monkeypatch):
    """A worker's chunk (megabytes here) is written into a memory file the
    caller made before forking; what crosses the pool's pipe is its length.
    The results are the same, in order, and every file is closed after."""
    from clarion.core import parallel

    handed: list[int | list[object]] = []
    taken = parallel.taken
    monkeypatch.setattr(
        parallel, "taken", lambda value, fd: handed.append(value) or taken(value, fd)
    )
    before = _memory_files()
    items = list(range(MIN_ITEMS * 2))
    results = fork_map(_big_results, None, items, 2)
    assert [item for _, item, _ in results] == items
    assert all(len(text) == 20_000 for _, _, text in results)
    assert {pid for pid, _, _ in results} - {os.getpid()}  # a worker did some chunks
    assert handed and all(isinstance(value, int) and value > 20_000 for value in handed)
    assert _memory_files() == before


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="memory files are Linux's")
def test_a_forked_call_returns_its_value_and_runs_here_when_no_process_can_be_had(monkeypatch):
    from clarion.core.parallel import Forked

    before = _memory_files()
    assert Forked(lambda: {"pid": os.getpid()}).result()["pid"] != os.getpid()

    def no_process() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_process)
    assert Forked(lambda: {"pid": os.getpid()}).result()["pid"] == os.getpid()
    assert _memory_files() == before


def test_results_the_memory_file_cannot_take_come_back_as_they_are():
    from clarion.core.result_files import handed_over, taken

    read_only = os.open(__file__, os.O_RDONLY)  # a write to it fails
    try:
        assert handed_over([1, "two"], read_only) == [1, "two"]
    finally:
        os.close(read_only)
    assert taken([1, "two"], None) == [1, "two"]


def test_background_returns_value_and_reraises_in_parent():
    assert Background(lambda: {"a": [1, 2]}).result() == {"a": [1, 2]}

    def boom():
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        Background(boom).result()


ORPHANED_WORKER = """
import os, sys, time
from clarion.core.parallel import Background

def wait():
    open(sys.argv[1], "w").close()  # past its start: the parent was alive then
    time.sleep(60)

worker = Background(wait)
print(os.getpid(), flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_worker_dies_with_a_killed_parent(tmp_path):
    import signal
    import subprocess

    started = tmp_path / "started"
    run = [sys.executable, "-c", ORPHANED_WORKER, str(started)]
    parent = subprocess.Popen(run, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    [worker] = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    os.kill(pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _running(worker), "the worker outlived its killed parent"


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (dead, not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for_go(folder, items):
    """The last chunk waits (up to 20 s) for the caller to have taken the first result."""
    if items[-1] == MIN_ITEMS * 3 - 1:
        deadline = time.monotonic() + 20
        while not (folder / "go").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    return [(item, (folder / "go").exists()) for item in items]


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_fork_imap_yields_each_result_before_the_last_is_made(tmp_path):
    items = list(range(MIN_ITEMS * 3))
    results = fork_imap(_wait_for_go, tmp_path, items, 2)
    first = next(results)
    (tmp_path / "go").touch()
    rest = list(results)
    assert [item for item, _ in [first, *rest]] == items
    assert rest[-1] == (items[-1], True)  # made after the first result was taken
    assert list(fork_imap(_square_all, 1, items[:5], 2)) == [1, 2, 5, 10, 17]


def _big_items():
    for n in range(20):
        yield bytes([n]) * 100_000  # far more than a pipe holds


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_spooled_worker_finishes_without_waiting_for_the_parent():
    spooled = Spooled(_big_items)
    deadline = time.monotonic() + 20
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not multiprocessing.active_children()  # done before anything was read
    assert list(spooled.items()) == list(_big_items())


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_spooled_items_are_taken_as_the_worker_makes_them(tmp_path):
    """The parent takes an item as soon as it is written, while the worker
    is still making the next: here the worker waits for the parent to have
    taken the first before it makes the second."""
    marker = tmp_path / "first taken"

    def first_then_wait():
        yield b"first"
        deadline = time.monotonic() + 20
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        yield b"second, after the first was taken" if marker.exists() else b"too late"

    items = Spooled(first_then_wait).items()
    assert next(items) == b"first"
    marker.touch()
    assert list(items) == [b"second, after the first was taken"]


def test_spooled_items_after_a_failure_are_made_again_from_the_first_not_taken():
    def flaky():
        yield 1
        yield 2
        if os.getpid() != parent:
            os._exit(3)  # the worker dies after two items
        yield 3

    parent = os.getpid()
    assert list(Spooled(flaky).items()) == [1, 2, 3]


def test_spooled_items_reraise_in_parent():
    def boom():
        yield b"one"
        raise ValueError(f"bad input in {os.getpid()}")

    with pytest.raises(ValueError, match=f"bad input in {os.getpid()}"):
        list(Spooled(boom).items())
    assert list(Spooled(lambda: iter([1, 2]), enabled=False).items()) == [1, 2]


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_spooled_items_end_at_items_done_and_wait_waits_for_the_rest(tmp_path):
    """The items end when the worker says they are done; what it does after
    (here: waiting for the parent to have taken them, then writing a file)
    is waited for by ``wait``."""
    taken, kept = tmp_path / "all taken", tmp_path / "kept"

    def items_then_keep():
        yield 1
        yield 2
        yield ITEMS_DONE
        deadline = time.monotonic() + 20
        while not taken.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        kept.write_text("after the items were taken" if taken.exists() else "too late")

    spooled = Spooled(items_then_keep)
    assert list(spooled.items()) == [1, 2]
    assert not kept.exists()
    taken.touch()
    spooled.wait()
    assert kept.read_text() == "after the items were taken"
    # without a worker: the items alone, and the rest done when they end
    kept.unlink()
    assert list(Spooled(items_then_keep, enabled=False).items()) == [1, 2]
    assert kept.read_text() == "after the items were taken"


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_spooled_work_after_items_done_that_fails_reraises_in_wait():
    def keep_fails():
        yield b"one"
        yield ITEMS_DONE
        raise ValueError(f"cannot keep in {os.getpid()}")

    spooled = Spooled(keep_fails)
    assert list(spooled.items()) == [b"one"]
    with pytest.raises(ValueError, match=f"cannot keep in {os.getpid()}"):
        spooled.wait()


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_parallel_build_equals_serial_build(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = tmp_path / "site"
    module.generate(MIN_ITEMS + 50, root)
    config = load_config(root)
    serial = build(
        config,
        now=NOW,
        public_dir=tmp_path / "serial",
        private_dir=tmp_path / "p1",
        use_cache=False,
        workers=1,
    )
    parallel = build(
        config,
        now=NOW,
        public_dir=tmp_path / "parallel",
        private_dir=tmp_path / "p2",
        use_cache=False,
        workers=2,
    )
    assert len(serial.site.incidents) > MIN_ITEMS
    assert tree(serial.public_dir) == tree(parallel.public_dir)
    assert tree(tmp_path / "p1") == tree(tmp_path / "p2")


def _large_site_built(tmp_path: Path) -> Path:
    """A generated site large enough for workers, built once with two."""
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = tmp_path / "site"
    module.generate(MIN_ITEMS + 50, root)
    build(load_config(root), now=NOW, workers=2)
    return root


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_the_deadline_parts_derived_in_the_background_are_kept(tmp_path):
    """With workers, the private files (and the deadline report's parts) are
    derived in a background process: the parts come back and are kept, so
    the next build finds every incident's part, and its output equals a
    clean build's."""
    from clarion.derive.deadline_report import evaluate
    from clarion.derive.part_reuse import Reuse
    from clarion.load import load_sources
    from clarion.output.kept import KeptParts, rules_digest

    root = _large_site_built(tmp_path)
    newest = sorted((root / "updates").glob("*synthetic*.md"))[-1]
    newest.write_text(newest.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    build(load_config(root), now=NOW, workers=2)
    config = load_config(root)
    sources = load_sources(config)
    site = sources.site.as_of(NOW)
    kept = KeptParts(root / ".clarion-cache").previous
    reuse = Reuse(rules_digest(config), kept)
    report = evaluate(site, sources.rulebook, NOW, config.timezone, reuse=reuse)
    assert report.reused == len(site.incidents) > MIN_ITEMS
    build(config, now=NOW, public_dir=tmp_path / "p", private_dir=tmp_path / "q", use_cache=False)
    assert tree(root / "private") == tree(tmp_path / "q")


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_the_main_process_never_reads_the_kept_deadline_parts(tmp_path):
    """With a background process for the private files, that process reads
    the kept parts and keeps the new ones: the main process, which renders
    the pages, spends nothing on them."""
    root = _large_site_built(tmp_path)
    newest = sorted((root / "updates").glob("*synthetic*.md"))[-1]
    newest.write_text(newest.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    result = build(load_config(root), now=NOW, workers=2)
    kept = result.context.kept_parts
    assert kept is not None and "previous" not in vars(kept)
    assert result.context.private.kept == {}  # derived in the other process only


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_the_deadline_rows_rendered_in_the_background_are_kept(tmp_path):
    """The background process that renders the deadline report keeps where
    its rows are: the next build renders only the edited incident's."""
    from clarion.output.kept import ROWS_FILE
    from clarion.render.report.splice import read_places

    root = _large_site_built(tmp_path)
    before = read_places(root / ".clarion-cache" / ROWS_FILE)
    assert before is not None and len(before.parts) > MIN_ITEMS // 2
    newest = sorted((root / "updates").glob("*synthetic*.md"))[-1]
    text = newest.read_text(encoding="utf-8")
    newest.write_text(text.replace("title: Synthetic", "title: Edited", 1), encoding="utf-8")
    build(load_config(root), now=NOW, workers=2)
    after = read_places(root / ".clarion-cache" / ROWS_FILE)
    assert after is not None and after.key != before.key
    made = [slug for slug, key in after.parts.items() if before.parts.get(slug) != key]
    assert made == [newest.stem]
    config = load_config(root)
    build(config, now=NOW, public_dir=tmp_path / "p", private_dir=tmp_path / "q", use_cache=False)
    assert tree(root / "private") == tree(tmp_path / "q")


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_the_private_files_process_starts_before_the_public_state_is_derived(tmp_path, monkeypatch):
    """The process that renders the private files is forked before the main
    process starts writing or derives the public state, and never derives it itself (its
    metrics page, rendered again after a new update, does not show it): the
    derivation is not on its path."""
    import clarion.build
    import clarion.derive
    import clarion.output.write

    root = _large_site_built(tmp_path)
    calls = tmp_path / "calls"
    derive, spooled = clarion.derive.derive_state, clarion.build.Spooled
    write_outputs = clarion.output.write.write_outputs

    def record(what: str) -> None:
        with calls.open("a", encoding="utf-8") as out:
            out.write(f"{what} {os.getpid()}\n")

    def recorded(*args, **kwargs):
        record("derived")
        return derive(*args, **kwargs)

    class Recorded(spooled):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            record("forked")

    def writing(*args, **kwargs):
        record("writing")
        return write_outputs(*args, **kwargs)

    monkeypatch.setattr(clarion.derive, "derive_state", recorded)
    monkeypatch.setattr(clarion.build, "Spooled", Recorded)
    # nor what the writer does first (read the last output's manifest)
    monkeypatch.setattr(clarion.output.write, "write_outputs", writing)
    newest = sorted((root / "updates").glob("*synthetic*.md"))[-1]
    text = newest.read_text(encoding="utf-8")
    newest.write_text(
        text + "\n## 2026-11-27 11:59 UTC · Resolved\nStill resolved.\n", encoding="utf-8"
    )
    config = load_config(root)
    build(config, now=NOW, workers=2)
    assert calls.read_text(encoding="utf-8").split() == [
        "forked",
        str(os.getpid()),
        "writing",
        str(os.getpid()),
        "derived",
        str(os.getpid()),
    ]
    build(config, now=NOW, public_dir=tmp_path / "p", private_dir=tmp_path / "q", use_cache=False)
    assert tree(root / "private") == tree(tmp_path / "q")


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_the_main_process_saves_what_it_read_while_the_private_files_are_made(
    tmp_path, monkeypatch
):
    """Once the public files are made, the main process keeps the parsed
    sources and the input files' digests while it waits for the private
    files, not after them."""
    from clarion.output import write
    from clarion.output.cache import BuildCache
    from clarion.render import Area

    root = _large_site_built(tmp_path)
    events: list[str] = []
    save_sources, add = BuildCache.save_sources, write._Writing.add

    def saving(self):
        events.append("sources saved")
        return save_sources(self)

    def adding(self, output):
        if output.area is Area.PRIVATE and "private file" not in events:
            events.append("private file")
        return add(self, output)

    monkeypatch.setattr(BuildCache, "save_sources", saving)
    monkeypatch.setattr(write._Writing, "add", adding)
    newest = sorted((root / "updates").glob("*synthetic*.md"))[-1]
    text = newest.read_text(encoding="utf-8")
    newest.write_text(text + "\n## 2026-11-27 11:59 UTC · Resolved\nDone.\n", encoding="utf-8")
    config = load_config(root)
    build(config, now=NOW, workers=2)
    assert events[:2] == ["sources saved", "private file"]
    parsed = BuildCache.open(config).parsed  # the edit, kept
    assert any("Done." in u.body for u in parsed[f"updates/{newest.name}"][1].updates)
    build_clean(root, tmp_path / "clean")
    assert tree(root / "private") == tree(tmp_path / "clean/private")
    assert tree(root / "public") == tree(tmp_path / "clean/public")


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_the_private_files_are_hashed_by_the_process_that_writes_them(tmp_path):
    """The process that renders the private files ends a build's work last:
    it hands its files over unhashed (no digest travels with an output), and
    the manifest's digest of each is the file's, computed as it is written."""
    import dataclasses
    import hashlib

    from clarion.render import Output

    assert "digest" not in {f.name for f in dataclasses.fields(Output)}
    root = _large_site_built(tmp_path)
    result = build(load_config(root), now=NOW, workers=2)
    manifest = result.report.manifest["private"]
    assert len(manifest) > 3
    for path, entry in manifest.items():
        assert hashlib.sha256((root / "private" / path).read_bytes()).hexdigest() == entry.sha


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_the_deadline_report_reaches_the_writer_in_pieces(tmp_path, monkeypatch):
    """After an edit, the private files' process makes the deadline report's
    files from runs of the last build's and the rows it renders, and hands
    them over as those pieces, the items as a stretch of a file: no file is
    held whole in either process.
    The files written equal a clean build's."""
    from clarion.output import write
    from clarion.render.report.splice import FILES

    root = _large_site_built(tmp_path)
    received = {}
    add = write._Writing.add

    def adding(self, output):
        if output.path in FILES and output.reused is None:
            received[output.path] = output
        return add(self, output)

    monkeypatch.setattr(write._Writing, "add", adding)
    newest = sorted((root / "updates").glob("*synthetic*.md"))[-1]
    text = newest.read_text(encoding="utf-8")
    newest.write_text(text + "\n## 2026-11-27 11:59 UTC · Resolved\nDone.\n", encoding="utf-8")
    build(load_config(root), now=NOW, workers=2)
    assert set(received) == set(FILES)
    for path, output in received.items():
        assert output.data == b"" and output.pieces is not None and len(output.pieces) > 2
        whole = output.whole()
        assert whole == (root / "private" / path).read_bytes()
        # the items are a stretch of a file (the spool): no piece in memory holds them
        assert any(isinstance(piece, Stretch) for piece in output.pieces)
        assert sum(len(p) for p in output.pieces if not isinstance(p, Stretch)) < len(whole) / 4
    build_clean(root, tmp_path / "clean")
    assert tree(root / "private") == tree(tmp_path / "clean/private")


_MODULES_AFTER_AN_EDIT = """
import sys
from pathlib import Path

from clarion.build import build
from clarion.config import load_config
from tests.conftest import NOW

build(load_config(Path(sys.argv[1])), now=NOW, workers=2)
print(" ".join(sorted(sys.modules)))
"""


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_the_main_process_imports_nothing_only_the_private_files_need(tmp_path):
    """With a process for the private files, the main process of an edit
    imports neither their writers nor what derives them, nor icalendar while
    maintenance.ics is reused."""
    import subprocess
    import sys

    root = _large_site_built(tmp_path)
    newest = sorted((root / "updates").glob("*synthetic*.md"))[-1]
    text = newest.read_text(encoding="utf-8")
    newest.write_text(
        text + "\n## 2026-11-27 11:59 UTC · Resolved\nStill resolved.\n", encoding="utf-8"
    )
    top = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER_AN_EDIT, str(root)],
        capture_output=True,
        text=True,
        check=True,
        cwd=top,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(top / "src"), str(top)])},
    )
    imported = set(done.stdout.split())
    assert "clarion.render.html" in imported  # (the pages were rendered)
    unwanted = {
        "icalendar",
        "clarion.render.report",
        "clarion.render.metrics",
        "clarion.render.email",
        "clarion.derive.deadline_report",
        "clarion.derive.stats",
        "clarion.derive.learning",
    }
    assert not imported & unwanted
