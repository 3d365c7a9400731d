"""Fuzzing: 2,000 seeded mutants of the example site (tests/fuzz_corpus.py).

Every mutant is loaded and derived in-process; every tenth one that loads is
rendered in full, and a sample goes through ``clarion build`` itself. Each
must succeed or fail with content errors that name a file and a line: never
an exception of another kind, never a hang (a CPU budget per mutant), never
a write outside the output folders.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from clarion.build import prepare, render_all
from clarion.config import load_config
from clarion.errors import ContentErrors
from tests.fuzz_corpus import COUNT, EXAMPLE, SEED, mutants, source_files

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
RENDER_EVERY = 10
CLI_SAMPLE = 12
CPU_SECONDS = 10


class Hang(Exception):
    pass


def _expire(signum: int, frame: object) -> None:
    raise Hang


def copy_site(target: Path) -> Path:
    for folder in ("site_src", "updates", "comms"):
        shutil.copytree(EXAMPLE / folder, target / folder)
    return target


def check_errors(errors: ContentErrors, name: str, applied: list[str]) -> None:
    for error in errors.errors:
        where = error.location
        assert where.path and where.line, (name, applied, error.format())


def run_one(root: Path, name: str, applied: list[str], render: bool) -> bool:
    """Load (and maybe render) the site; True when it loaded."""
    signal.setitimer(signal.ITIMER_PROF, CPU_SECONDS)
    try:
        config = load_config(root)
        context = prepare(config, NOW)
        if render:
            for output in render_all(context):
                assert isinstance(output.data, bytes)
        return True
    except ContentErrors as errors:
        check_errors(errors, name, applied)
        return False
    except Hang:
        raise AssertionError(f"{name} {applied}: more than {CPU_SECONDS} s of CPU") from None
    except Exception as exc:
        raise AssertionError(f"{name} {applied}: {type(exc).__name__}: {exc}") from exc
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def snapshot(root: Path, outputs: set[str]) -> dict[str, str]:
    """Every file outside the output folders and the cache, with its hash."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        if rel.parts and (rel.parts[0] in outputs or rel.parts[0].startswith(".")):
            dirnames[:] = []
            continue
        for filename in filenames:
            path = Path(dirpath) / filename
            found[(rel / filename).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run_cli(root: Path, name: str, applied: list[str]) -> None:
    before = snapshot(root, {"public", "private"})
    env = {**os.environ, "PYTHONPATH": str(EXAMPLE / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "clarion", "build", "--source", str(root), "--now", NOW.isoformat()],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode in (0, 2), (name, applied, result.stderr)
    assert "Traceback" not in result.stderr, (name, applied, result.stderr)
    if result.returncode == 2:
        first = result.stderr.splitlines()[0]
        assert first.split(":")[0] in source_files(root) and first.split(":")[1].isdigit(), (
            name,
            applied,
            first,
        )
    assert snapshot(root, {"public", "private"}) == before, (name, applied)


def test_mutants_of_the_example_site(tmp_path):
    root = copy_site(tmp_path / "site")
    previous = signal.signal(signal.SIGPROF, _expire)
    loaded = 0
    cli_every = COUNT // CLI_SAMPLE
    try:
        for number, (name, data, applied) in enumerate(mutants(SEED, COUNT)):
            original = (root / name).read_bytes()
            (root / name).write_bytes(data)
            try:
                render = loaded % RENDER_EVERY == 0
                loaded += run_one(root, name, applied, render)
                if number % cli_every == 0:
                    run_cli(root, name, applied)
            finally:
                (root / name).write_bytes(original)
    finally:
        signal.signal(signal.SIGPROF, previous)
    assert 0 < loaded < COUNT  # the corpus has both: sites that build and sites that do not
