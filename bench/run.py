"""Benchmark ``clarion build`` as a user runs it: whole processes, edits, checked output.

For each N (default 1,000 and 10,000) it generates a site (realistic Markdown
by default; ``CORPUS=plain`` for plain prose), then runs, each as a fresh
``clarion build`` process:

* **cold**: no cache, no previous output;
* **unchanged**: nothing changed since the last build;
* **newest** / **old**: one line added to the newest / an old incident file;
* **update**: a new update added to the newest incident (its deadlines change);
* **site.toml**: the site's title changed;
* **template**: a site template (an override of the incident page) changed.

Every figure is of the whole process and its workers: wall time, CPU time
(user + system of the build and every worker it waited for, from
``getrusage(RUSAGE_CHILDREN)`` of a small wrapper process) and the peak
resident memory of the largest process. After each edit case (``CHECK=0`` to
skip) the output is compared, byte for byte, public and private, with a
``--no-cache`` build of the same sources into other folders. It also prints
the sizes of the sources, the cache, the output and the gzipped front page,
and the load average (the machine is shared: compare CPU time, and runs made
back to back). ``REPEAT`` (default 3) runs of each case; medians are shown.

    python bench/run.py [N ...]            # REPEAT=1 CHECK=0 python bench/run.py 50000

``CLARION_SRC`` names another ``src`` folder to measure (e.g. an export of
another commit, so editing the worktree during a run changes nothing).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

NOW = "2026-11-27T12:00:00Z"
# Runs one command and reports what it and all its descendants used.
WRAPPER = r"""
import json, resource, subprocess, sys, time
import os
load = os.getloadavg()[0]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_CHILDREN)
if done.returncode:
    sys.exit(done.stderr.decode())
print(json.dumps({"wall": wall, "load": load,
                  "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
                  "peak_mb": after.ru_maxrss / 1024}))
"""
# An installed Clarion runs from compiled bytecode: the builds measured may
# write and use __pycache__ even where the environment says not to (the first
# run compiles, which only the cold case pays).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
TEMPLATE = '{% extends "default/incident.html.j2" %}{# bench edit VERSION #}\n'


def clarion(root: Path, *extra: str) -> dict[str, float]:
    command = [sys.executable, "-m", "clarion", "build", "--source", str(root), "--now", NOW]
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command, *extra],
        capture_output=True,
        text=True,
        env={**CHILD_ENV, "PYTHONPATH": os.environ.get("CLARION_SRC", str(HERE.parent / "src"))},
    )
    if done.returncode:
        raise SystemExit(f"clarion build failed: {done.stderr}")
    return json.loads(done.stdout)


def folder_digest(folder: Path) -> tuple[str, int, int]:
    total, files, size = hashlib.sha256(), 0, 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        total.update(path.relative_to(folder).as_posix().encode() + b"\0")
        total.update(hashlib.sha256(data).digest())
        files, size = files + 1, size + len(data)
    return total.hexdigest(), files, size


def du(folder: Path) -> int:
    """Bytes of the files under ``folder``, each hard-linked file once."""
    seen = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            seen[stat.st_ino] = stat.st_size
    return sum(seen.values())


def check_against_clean(root: Path) -> str:
    clean = Path(tempfile.mkdtemp(prefix="clarion-clean-"))
    try:
        clarion(
            root,
            "--no-cache",
            "--out",
            str(clean / "public"),
            "--private-out",
            str(clean / "private"),
        )
        for area in ("public", "private"):
            mine, theirs = folder_digest(root / area), folder_digest(clean / area)
            if mine != theirs:
                return f"DIFFERS ({area}: {mine[1]} vs {theirs[1]} files)"
        return "equal"
    finally:
        shutil.rmtree(clean, ignore_errors=True)


def newest_and_old(root: Path) -> tuple[Path, Path]:
    files = sorted(p for p in (root / "updates").glob("*synthetic*.md"))
    return files[-1], files[len(files) // 3]


def edit(case: str, root: Path, run: int) -> None:
    newest, old = newest_and_old(root)
    if case in ("newest", "old"):
        path = newest if case == "newest" else old
        text = path.read_text(encoding="utf-8")
        path.write_text(text.rstrip("\n") + f" Edited **{run}**.\n", encoding="utf-8")
    elif case == "update":
        text = newest.read_text(encoding="utf-8")
        heading = f"## 2026-11-27 05:{10 + run:02d} UTC · Resolved"
        newest.write_text(f"{text.rstrip()}\n\n{heading}\nStill **resolved**.\n", encoding="utf-8")
    elif case == "site.toml":
        path = root / "site_src/site.toml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Benchmark Status", f"Benchmark Status {run}", 1))
    elif case == "template":
        (root / "templates").mkdir(exist_ok=True)
        (root / "templates/incident.html.j2").write_text(TEMPLATE.replace("VERSION", str(run)))


#: Seconds between generating a site and its first build (see bench_size).
RACY_WAIT = 3.5
CASES = ("unchanged", "newest", "old", "update", "site.toml", "template")


def bench_size(n: int, repeat: int, check: bool, markdown: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"clarion-bench-{n}-"))
    try:
        generate(n, work, markdown=markdown)
        # A repository's files are older than the window in which a build
        # cannot trust a file's stat (RACY_NS in clarion.output.file_digests,
        # 3 s). A site generated a moment ago has every file in that window:
        # the cold build could trust none of them and the first edit would
        # read and hash every file again, which no user's first edit does.
        time.sleep(RACY_WAIT)
        sources = du(work / "updates") + du(work / "site_src")
        rows: dict[str, list[dict[str, float]]] = {}
        verdicts: dict[str, str] = {}
        for run in range(repeat):
            for stale in (work / "public", work / "private", work / ".clarion-cache"):
                if stale.is_symlink():
                    stale.unlink()
                shutil.rmtree(stale, ignore_errors=True)
            for store in work.glob(".*.clarion"):
                shutil.rmtree(store)
            shutil.rmtree(work / "templates", ignore_errors=True)
            rows.setdefault("cold", []).append(clarion(work))
            for case in CASES:
                edit(case, work, run)
                rows.setdefault(case, []).append(clarion(work))
                if check and run == 0 and case != "unchanged":
                    verdicts[case] = check_against_clean(work)
        _, files, size = folder_digest(work / "public")
        index = gzip.compress((work / "public/index.html").read_bytes(), 9)
        print(
            f"\nN={n:,} ({'Markdown' if markdown else 'plain'} corpus, {repeat} runs each,"
            f" load average {os.getloadavg()[0]:.1f})"
        )
        print(
            f"{'case':<10} {'wall':>7} {'CPU':>7} {'CPU/wall':>8} {'peak':>8} {'load':>9}"
            "  same as --no-cache"
        )
        for case, results in rows.items():
            wall = statistics.median(r["wall"] for r in results)
            cpu = statistics.median(r["cpu"] for r in results)
            peak = max(r["peak_mb"] for r in results)
            loads = [r["load"] for r in results]
            print(
                f"{case:<10} {wall:6.2f}s {cpu:6.2f}s {cpu / wall:8.2f} {peak:6.0f}MB"
                f" {min(loads):4.1f}-{max(loads):<4.1f}  {verdicts.get(case, '-')}"
            )
        print(
            f"sources {sources / 1e6:.1f} MB, cache {du(work / '.clarion-cache') / 1e6:.1f} MB,"
            f" public {files:,} files {size / 1e6:.1f} MB,"
            f" output store {du(next(work.glob('.*.clarion'))) / 1e6:.1f} MB on disk,"
            f" index.html {len(index) / 1000:.1f} KB gzipped",
            flush=True,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(sizes: list[int]) -> None:
    repeat = int(os.environ.get("REPEAT", "3"))
    check = os.environ.get("CHECK", "1") != "0"
    markdown = os.environ.get("CORPUS", "markdown") != "plain"
    for n in sizes:
        bench_size(n, repeat, check, markdown)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
