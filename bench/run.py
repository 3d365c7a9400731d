"""Benchmark ``clarion build`` on synthetic sites.

For each N (default 1,000, 10,000 and 50,000) it generates a site, runs a cold
build and a second build with nothing changed (each in a fresh process), and
prints wall time, CPU time (of the main process; worker processes are not
included), peak memory, file count and output size, with the ratios between
sizes so linear growth is visible. Shared and virtual machines are noisy, so
each size up to 10,000 is measured ``REPEAT`` times (default 3) and the
median is shown with the fastest run. Usage:

    python bench/run.py [N ...]          # REPEAT=5 python bench/run.py 10000
"""

from __future__ import annotations

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
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from clarion.build import build
from clarion.config import load_config
from clarion.load.schema import parse_time
root = Path(sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
config = load_config(root)
build(config, now=parse_time(sys.argv[2], None))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "peak_mb": usage.ru_maxrss / 1024}))
"""


def measure(root: Path) -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), NOW], check=True, capture_output=True, text=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_wall"] = time.perf_counter() - started
    return result


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def cold_and_warm(work: Path) -> tuple[dict[str, float], dict[str, float]]:
    for stale in (work / "public", work / "private", work / ".clarion-cache"):
        shutil.rmtree(stale, ignore_errors=True)
    subprocess.run(["sync"], check=False)
    return measure(work), measure(work)


def main(sizes: list[int]) -> None:
    repeat = int(os.environ.get("REPEAT", "3"))
    rows = []
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"clarion-bench-{n}-"))
        try:
            generate(n, work)
            runs = [cold_and_warm(work) for _ in range(repeat if n <= 10_000 else 1)]
            colds = [c for c, _ in runs]
            cold = sorted(colds, key=lambda r: r["wall"])[len(colds) // 2]
            warm_walls = [w["wall"] for _, w in runs]
            files, size = folder_size(work / "public")
            rows.append((n, cold, None, files, size))
            print(
                f"N={n:>6}  cold {cold['wall']:6.2f} s wall (fastest {min(c['wall'] for c in colds):.2f}),"
                f" {cold['cpu']:6.2f} s CPU, {max(c['peak_mb'] for c in colds):6.0f} MB peak"
                f"  | unchanged rebuild {statistics.median(warm_walls):5.2f} s"
                f"  | {files} files, {size / 1e6:.1f} MB  ({len(runs)} run{'s' if len(runs) > 1 else ''})",
                flush=True,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if len(rows) > 1:
        base = rows[0]
        print("\nRatios against the smallest N (linear growth keeps time/N and bytes/N flat):")
        for n, cold, _, files, size in rows:
            scale = n / base[0]
            print(
                f"  N={n:>6} ({scale:4.0f}x): time {cold['wall'] / base[1]['wall']:5.1f}x, "
                f"output {size / base[4]:5.1f}x, files {files / base[3]:5.1f}x, "
                f"{cold['wall'] / n * 1000:.2f} ms and {size / n / 1000:.1f} KB per incident"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000, 50000])
