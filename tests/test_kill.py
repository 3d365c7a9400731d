"""``kill -9`` at random moments of a large build: the public + private pair
is always the complete old one or the complete new one, no Clarion process
survives its build, and the next build removes every leftover and equals a
clean build byte for byte."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import build_leftovers

SEED = 20261130
KILLS = 20
INCIDENTS = 3000
NOW_A, NOW_B = "2026-11-27T12:00:00Z", "2026-11-28T12:00:00Z"
REPO = Path(__file__).parent.parent


def generate_site(root: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench/generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(INCIDENTS, root)


def start_build(root: Path, now: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "clarion", "build", "--source", str(root), "--now", now, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its workers share its session id: found below
        env=env,
    )


def run_build(root: Path, now: str, *extra: str) -> float:
    started = time.monotonic()
    process = start_build(root, now, *extra)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    return time.monotonic() - started


def pair_digest(public: Path, private: Path) -> str:
    total = hashlib.sha256()
    for folder in (public, private):
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        assert files, f"{folder} is missing or empty"
        for path in files:
            total.update(path.relative_to(folder).as_posix().encode() + b"\0")
            total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()


def session_members(session: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == session and fields[0] != "Z":
                members.append(int(entry))
    return members


def test_killed_builds_leave_a_complete_pair(tmp_path):
    root = tmp_path / "site"
    generate_site(root)
    public, private = root / "public", root / "private"
    run_build(root, NOW_A)
    digests = {NOW_A: pair_digest(public, private)}
    duration = run_build(root, NOW_B)  # an incremental build: what is killed below
    digests[NOW_B] = pair_digest(public, private)
    assert digests[NOW_A] != digests[NOW_B]
    state = NOW_B
    rng = random.Random(SEED)
    outcomes = []
    for _ in range(KILLS):
        target = NOW_A if state == NOW_B else NOW_B
        process = start_build(root, target)
        time.sleep(rng.uniform(0, duration))
        process.send_signal(signal.SIGKILL)  # the build only, not its workers
        # nothing holds the build's output pipes: reading them ends
        process.communicate(timeout=5)
        deadline = time.monotonic() + 5
        while session_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session_members(process.pid) == [], "a worker outlived its build"
        found = pair_digest(public, private)
        assert found in (digests[NOW_A], digests[NOW_B]), "a mixed or partial pair"
        state = NOW_A if found == digests[NOW_A] else NOW_B
        outcomes.append(state == target)
    assert not all(outcomes), "no kill landed before the swap: the test measures nothing"
    run_build(root, NOW_B)
    assert build_leftovers(root) == []
    clean = tmp_path / "clean"
    run_build(
        root,
        NOW_B,
        "--no-cache",
        "--out",
        str(clean / "public"),
        "--private-out",
        str(clean / "private"),
    )
    assert pair_digest(public, private) == pair_digest(clean / "public", clean / "private")
