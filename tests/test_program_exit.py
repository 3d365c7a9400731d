"""The ``clarion`` program ends without the interpreter's teardown
(``clarion.cli.run``): its exit codes, output and ``atexit`` handlers are
those of an ordinary exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clarion import __version__

SRC = Path(__file__).resolve().parent.parent / "src"


def _clarion(*args: str, code: str = "") -> subprocess.CompletedProcess[str]:
    program = code or "from clarion.cli import run; run()"
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )


def test_exit_codes_and_output_are_kept(tmp_path: Path) -> None:
    done = _clarion("--version")
    assert done.returncode == 0 and __version__ in done.stdout
    usage = _clarion("no-such-command")
    assert usage.returncode == 2 and "No such command" in usage.stderr
    missing = _clarion("build", "--source", str(tmp_path / "missing"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.strip()


def test_atexit_handlers_run_and_output_is_flushed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    program = (
        "import atexit, sys; from pathlib import Path; "
        f"atexit.register(Path({str(marker)!r}).write_text, 'yes'); "
        "sys.stdout.write('unflushed'); "
        "from clarion.cli import run; run()"
    )
    done = _clarion("--version", code=program)
    assert done.returncode == 0
    assert done.stdout.startswith("unflushed") and __version__ in done.stdout
    assert marker.read_text() == "yes"


def test_a_closed_pipe_is_no_traceback() -> None:
    shell = f"{sys.executable} -c 'from clarion.cli import run; run()' --help | head -c 10"
    done = subprocess.run(
        shell,
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert len(done.stdout) == 10 and "Traceback" not in done.stderr
