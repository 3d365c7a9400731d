"""Benchmark ``clarion import statuspage`` on a generated Statuspage history.

Writes N incidents (default 10,000) and N/50 maintenance windows in the
public API's shape (tests/import_fixtures.py, fixed seed), then times the
whole ``clarion import`` process (start, read, plan, write every file into a
scratch copy, validate it with Clarion's loader, move it into place) into an
empty site, and a second run with nothing changed. Usage:

    python bench/import_bench.py [N]          # REPEAT=5 python bench/import_bench.py
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from import_fixtures import history, write  # noqa: E402


def timed(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds of a whole process, CPU seconds of it and its workers,
    and the peak memory of the largest process so far, in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, after.ru_maxrss / 1024


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def main(n: int) -> None:
    repeat = int(os.environ.get("REPEAT", "3"))
    with tempfile.TemporaryDirectory(prefix="clarion-import-bench-") as tmp:
        work = Path(tmp)
        source = write(work / "statuspage", history(incidents=n, maintenances=n // 50))
        clarion = [sys.executable, "-m", "clarion"]
        cold, warm = [], []
        for _ in range(repeat):
            site = work / "site"
            shutil.rmtree(site, ignore_errors=True)
            subprocess.run(
                [*clarion, "init", str(site), "--deadline-schedule", "off"],
                check=True,
                capture_output=True,
            )
            for example in (site / "updates").glob("*.md"):
                example.unlink()
            command = [*clarion, "import", "statuspage", str(source), "--source", str(site)]
            command.append("--keep-ids")
            cold.append(timed(command))
            warm.append(timed(command))
        files = len(list((work / "site" / "updates").glob("*.md")))
        print(f"{n:,} incidents + {n // 50:,} maintenance windows -> {files:,} files")
        for label, runs in (
            ("import into an empty site", cold),
            ("re-import, nothing changed", warm),
        ):
            walls = [r[0] for r in runs]
            cpus = [r[1] for r in runs]
            print(
                f"  {label}: wall median {statistics.median(walls):.2f} s, "
                f"fastest {min(walls):.2f} s; "
                f"CPU median {statistics.median(cpus):.2f} s ({repeat} runs); "
                f"peak memory {max(r[2] for r in runs):.0f} MB"
            )
        print(f"  load average when done: {load_average()} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
