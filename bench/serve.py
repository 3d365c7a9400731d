"""Benchmark ``clarion serve``: from saving an update file to the reloaded page.

Generates a site of N incidents (default 10,000, realistic Markdown), starts
``clarion serve`` as a user does (a separate process on 127.0.0.1), waits for
the first build, opens the newest incident's page the way a browser tab does
(fetch it, then long-poll ``/__clarion/poll`` with its version and path),
then EDITS times (default 5): adds a paragraph to the newest incident file and
measures

* **edit → poll answered**: until the long-poll says "reload";
* **edit → page**: until the page, fetched again, holds the new paragraph
  (what a person sees: the reloaded tab);
* **serve's CPU**: the CPU time (user + system, all threads) the serve
  process used from the edit to the page (Linux, 10 ms ticks): what the
  page costs on a machine that is not shared;
* **rebuild**: the whole rebuild that follows, as serve reports it.

Each edit waits for the whole rebuild before the next. Medians are shown,
with the load average before and after (the machine may be shared). With
``CHECK=1`` it then builds the same sources with ``clarion build --no-cache``
and compares every public file serve serves with it, byte for byte (the
live-reload script removed).

    python bench/serve.py [N] [EDITS]        # CHECK=1 python bench/serve.py 1000 3

``CLARION_SRC`` names another ``src`` folder to measure, as in ``run.py``.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402
from run import CHILD_ENV, NOW, clarion  # noqa: E402

LIVE_SCRIPT = re.compile(rb'<script src="/__clarion/live\.js" data-version="[^"]*"></script>\n')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str, timeout: float = 120.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data: bytes = response.read()
        return data


def version_of(page: bytes) -> str:
    found = re.search(rb'data-version="([^"]+)"', page)
    assert found is not None, "no live-reload script in the page"
    return found.group(1).decode()


class Serve:
    """A ``clarion serve`` process and the lines it prints."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        command = [sys.executable, "-m", "clarion", "serve", "--source", str(root)]
        command += ["--port", str(self.port), "--now", NOW]
        src = os.environ.get("CLARION_SRC", str(HERE.parent / "src"))
        env = {**CHILD_ENV, "PYTHONPATH": src, "PYTHONUNBUFFERED": "1", "COLUMNS": "500"}
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
        )
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.process.stderr is not None
        stream = self.process.stderr
        threading.Thread(target=lambda: [self.lines.put(x) for x in stream], daemon=True).start()

    def wait_for(self, word: str, timeout: float = 900.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if word in line:
                return line
            if "Build failed" in line or "error" in line.lower():
                print("   serve:", line.rstrip())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_edit(serve: Serve, path: Path, page_url: str, run: int) -> dict[str, float]:
    """Open the page, poll like its tab, edit, and time until the new page."""
    version = version_of(get(page_url))
    answer: queue.Queue[float] = queue.Queue()
    path_of_page = "/" + page_url.split("/", 3)[3]

    def wait() -> None:
        since = version
        while True:
            reply = json.loads(get(f"{serve.url}__clarion/poll?since={since}&path={path_of_page}"))
            # a serve from before pages were told apart reloads on any new version
            if reply.get("reload", reply["version"] != since):
                answer.put(time.perf_counter())
                return
            since = reply["version"]

    threading.Thread(target=wait, daemon=True).start()
    time.sleep(0.5)  # the poll is waiting, as an open tab's is
    marker = f"Edited in run {run}."
    text = path.read_text(encoding="utf-8")
    cpu = cpu_seconds(serve.process.pid)
    started = time.perf_counter()
    path.write_text(text.rstrip("\n") + f"\n\n{marker}\n", encoding="utf-8")
    answered = answer.get(timeout=300)  # queue.Empty: the edit was never served
    fresh = get(page_url)
    shown = time.perf_counter()
    cpu = cpu_seconds(serve.process.pid) - cpu
    assert marker.encode() in fresh, "the reloaded page does not show the edit"
    line = serve.wait_for("Rebuilt in")
    rebuild = float(re.search(r"Rebuilt in ([0-9.]+) s", line).group(1))  # type: ignore[union-attr]
    return {"poll": answered - started, "page": shown - started, "cpu": cpu, "rebuild": rebuild}


def check(serve: Serve, root: Path) -> str:
    """Every public file of a clean build, as serve serves it."""
    clean = Path(tempfile.mkdtemp(prefix="clarion-serve-clean-"))
    try:
        public, private = str(clean / "public"), str(clean / "private")
        clarion(root, "--no-cache", "--out", public, "--private-out", private)
        files = sorted(p for p in (clean / "public").rglob("*") if p.is_file())
        for path in files:
            name = path.relative_to(clean / "public").as_posix()
            served = LIVE_SCRIPT.sub(b"", get(serve.url + name))
            if served != path.read_bytes():
                return f"DIFFERS at {name}"
        return f"equal ({len(files)} files)"
    finally:
        shutil.rmtree(clean, ignore_errors=True)


def main(n: int, edits: int) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"clarion-serve-{n}-"))
    serve = None
    try:
        generate(n, work, markdown=True)
        newest = sorted((work / "updates").glob("*synthetic*.md"))[-1]
        serve = Serve(work)
        started = time.perf_counter()
        serve.wait_for("Serving at")
        print(f"N={n}: first build and start {time.perf_counter() - started:.1f} s")
        page_url = f"{serve.url}incidents/{newest.stem}/"
        load_before = os.getloadavg()
        runs = [one_edit(serve, newest, page_url, run) for run in range(edits)]
        load_after = os.getloadavg()
        for run, figures in enumerate(runs, start=1):
            print(
                f"  edit {run}: poll answered {figures['poll']:.3f} s, "
                f"page {figures['page']:.3f} s (serve's CPU {figures['cpu']:.2f} s), "
                f"whole rebuild {figures['rebuild']:.2f} s"
            )
        figures = (("poll", "edit -> poll"), ("page", "edit -> page"), ("cpu", "serve's CPU"))
        for name, label in figures:
            values = [r[name] for r in runs]
            print(f"  {label}: median {statistics.median(values):.3f} s", end="")
            print(f" (min {min(values):.3f}, max {max(values):.3f})")
        print(f"  whole rebuild: median {statistics.median(r['rebuild'] for r in runs):.2f} s")
        print(
            f"  load average: {' '.join(f'{x:.1f}' for x in load_before)} before, "
            f"{' '.join(f'{x:.1f}' for x in load_after)} after"
        )
        if os.environ.get("CHECK") == "1":
            print(f"  served files vs a clean build: {check(serve, work)}")
    finally:
        if serve is not None:
            serve.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 5,
    )
