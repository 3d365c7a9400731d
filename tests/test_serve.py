"""``clarion serve``: live rebuilds, reload, the error overlay and recovery,
update reminders. Every wait is bounded; the servers run on free loopback ports."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion.cli import main
from clarion.config import load_config
from clarion.load import load_site
from clarion.model import Severity
from clarion.serve import PreviewServer, Snapshot, inject, updates_due_for
from tests.conftest import NOW

WAIT = 10.0  # seconds: the longest any test waits for a rebuild

INCIDENT = """\
---
title: API errors
severity: SEV1
components:
  api: partial_outage
declared: 2026-11-27T11:00:00Z
---
## 2026-11-27 11:05 UTC · Investigating
We are investigating elevated error rates.
"""


def fetch(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def eventually(check, timeout: float = WAIT, interval: float = 0.05):
    """Poll ``check()`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"gave up after {timeout} s; last result: {last!r}")


@pytest.fixture
def site(site_factory):
    return site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})


@pytest.fixture
def server(site):
    logs: list[str] = []
    preview = PreviewServer(
        site, clock=lambda config: NOW, port=0, log=logs.append, quiet=0.05, tick=0.5
    )
    preview.start()
    preview.logs = logs  # type: ignore[attr-defined]
    try:
        yield preview
    finally:
        preview.stop()


def status(server: PreviewServer) -> dict:
    return json.loads(fetch(server.url + "__clarion/status")[1])


def test_serves_the_site_with_the_live_script(server):
    code, page = fetch(server.url)
    assert code == 200
    assert "API errors" in page
    assert (
        f'<script src="/__clarion/live.js" '
        f'data-version="{server.snapshot.version}"></script>\n</body>' in page
    )
    assert fetch(server.url + "__clarion/live.js")[0] == 200
    assert fetch(server.url + "incidents/2026-11-27-api-errors/")[0] == 200
    code, missing = fetch(server.url + "no/such/page")
    assert code == 404 and "__clarion/live.js" in missing
    assert any(
        "next public update OVERDUE since 11:35 UTC (25 min ago)" in line for line in server.logs
    )


def test_redirects_a_folder_without_slash(server):
    request = urllib.request.Request(server.url + "incidents/2026-11-27-api-errors", method="HEAD")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(request, timeout=5)
    assert caught.value.code == 301
    assert caught.value.headers["Location"] == "/incidents/2026-11-27-api-errors/"


def test_an_edit_is_served_within_seconds(server, site):
    path = site / "updates/2026-11-27-api-errors.md"
    started = time.monotonic()
    path.write_text(
        INCIDENT
        + "\n## 2026-11-27 11:30 UTC · Identified\nA bad deploy, rolled back: MARKER-ONE.\n"
    )
    page = eventually(
        lambda: (
            (p := fetch(server.url + "incidents/2026-11-27-api-errors/")[1])
            and "MARKER-ONE" in p
            and p
        )
    )
    assert time.monotonic() - started < WAIT
    assert "clarion-error-overlay" not in page
    eventually(  # said once the whole site is rebuilt (the open page may come first)
        lambda: any(
            "Rebuilt in" in line and "updates/2026-11-27-api-errors.md" in line
            for line in server.logs
        )
    )


def test_long_poll_answers_when_the_build_changes(server, site):
    version = server.snapshot.version
    answers: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: answers.put(
            fetch(server.url + f"__clarion/poll?since={version}", timeout=WAIT)
        ),
        daemon=True,
    ).start()
    time.sleep(0.2)
    assert answers.empty()  # held open while nothing changes
    (site / "updates/2026-11-27-api-errors.md").write_text(
        INCIDENT.replace("elevated error rates", "MARKER-POLL")
    )
    code, body = answers.get(timeout=WAIT)
    assert code == 200 and json.loads(body)["version"] != version


def test_a_broken_file_shows_the_overlay_then_recovers(server, site):
    path = site / "updates/2026-11-27-api-errors.md"
    path.write_text(INCIDENT.replace("severity: SEV1", "severity: SEV9"))
    eventually(lambda: status(server)["error"])
    code, page = fetch(server.url)
    assert code == 200
    assert '<div id="clarion-error-overlay" role="alert"' in page
    assert "updates/2026-11-27-api-errors.md:3: error: severity: got &#x27;SEV9&#x27;" in page
    assert "API errors" in page  # still the last good build underneath
    assert any(
        "Build failed" in line and "still serving the last good build" in line
        for line in server.logs
    )
    assert any("severity: got 'SEV9'" in line for line in server.logs)

    path.write_text(INCIDENT.replace("elevated error rates", "MARKER-FIXED"))
    page = eventually(
        lambda: (
            (p := fetch(server.url + "incidents/2026-11-27-api-errors/")[1])
            and "MARKER-FIXED" in p
            and p
        )
    )
    assert "clarion-error-overlay" not in page
    assert status(server)["error"] is None
    eventually(lambda: any("the error is fixed" in line for line in server.logs))


def test_a_new_file_and_a_new_templates_folder_are_noticed(server, site):
    (site / "updates/2026-11-27-web-slow.md").write_text(
        INCIDENT.replace("API errors", "MARKER-NEW").replace(
            "api: partial_outage", "web: degraded_performance"
        )
    )
    eventually(lambda: "MARKER-NEW" in fetch(server.url)[1])
    templates = site / "templates"
    templates.mkdir()
    (templates / "404.html.j2").write_text("<html><body>MARKER-TEMPLATE</body></html>\n")
    eventually(lambda: "MARKER-TEMPLATE" in fetch(server.url + "nothing-here")[1])


def _noticed(server, name: str) -> threading.Event:
    """An event set when the server records a change to a file called ``name``."""
    seen = threading.Event()
    record = server.notify_change

    def notify(path: str, **kwargs) -> None:
        record(path, **kwargs)
        if Path(path).name == name:
            seen.set()

    server.notify_change = notify
    return seen


@pytest.mark.parametrize("folder", ["templates", "updates/2026", "comms/2026-11-27-api-errors"])
def test_a_file_written_into_a_new_folder_while_no_build_runs_is_noticed(server, site, folder):
    """The new folder is watched as soon as it appears, not after the next
    build: with builds held back, a file written into it at once is still seen
    (by its own event, or by the rescan of the new folder)."""
    with server._build_lock:  # no rebuild (and no watch update by one) meanwhile
        seen = _noticed(server, "new-file.md")
        (site / folder).mkdir(parents=True)
        (site / folder / "new-file.md").write_text("x\n")
        assert seen.wait(timeout=WAIT), f"{folder}/new-file.md was never noticed"


def test_a_folder_moved_in_is_rescanned(server, site, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "404.html.j2").write_text("<html><body>MARKER-MOVED</body></html>\n")
    with server._build_lock:
        seen = _noticed(server, "404.html.j2")
        outside.rename(site / "templates")
        assert seen.wait(timeout=WAIT)
    eventually(lambda: "MARKER-MOVED" in fetch(server.url + "nothing-here")[1])


def test_ignores_editor_temp_files_and_other_folders(server, site):
    assert not server.relevant(str(site / "updates/.2026-11-27-api-errors.md.swp"))
    assert not server.relevant(str(site / "updates/2026-11-27-api-errors.md~"))
    assert not server.relevant(str(site / "public/index.html"))
    assert server.relevant(str(site / "updates/2026-11-27-api-errors.md"))
    assert server.relevant(str(site / "site_src/site.toml"))
    assert server.relevant(str(site / "comms/x/notice.md"))


def test_build_output_has_no_live_reload(site):
    result = CliRunner().invoke(
        main, ["build", "--source", str(site), "--now", "2026-11-27T12:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    for path in (site / "public").rglob("*"):
        if path.is_file():
            assert b"__clarion" not in path.read_bytes(), path


def test_inject():
    page = b"<html><body><p>x</p></BODY></html>"
    plain = inject(page, Snapshot(version="v-1"))
    assert (
        plain == b'<html><body><p>x</p><script src="/__clarion/live.js" '
        b'data-version="v-1"></script>\n</BODY></html>'
    )
    broken = inject(page, Snapshot(version="v-2", error="a.md:1: error: <b>"))
    assert b"a.md:1: error: &lt;b&gt;" in broken and b"clarion-error-overlay" in broken
    assert inject(b"no body", Snapshot(version="v")).startswith(b"no body<script")


def test_updates_due_follows_the_cadence(site_factory):
    files = {
        "updates/2026-11-27-a.md": INCIDENT.replace("SEV1", "SEV0"),
        "updates/2026-11-27-b.md": INCIDENT.replace("SEV1", "SEV2"),
        "updates/2026-11-27-c.md": INCIDENT.replace("SEV1", "SEV3"),
        "updates/2026-11-27-d.md": INCIDENT + "\n## 2026-11-27 11:50 UTC · Resolved\nFixed.\n",
        "updates/2026-11-27-e.md": INCIDENT.replace("---\n## ", "public: false\n---\n## "),
        "updates/2026-11-27-f.md": INCIDENT + "\n## 2026-11-27 11:20 UTC · Identified\nFound it.\n",
    }
    config = load_config(site_factory(files))
    due = updates_due_for(config, load_site(config).incidents, NOW)
    got = {d.slug: (d.severity, d.due_at.strftime("%H:%M")) for d in due}
    assert got == {
        "2026-11-27-a": (Severity.SEV0, "11:20"),
        "2026-11-27-b": (Severity.SEV2, "13:05"),
        "2026-11-27-f": (Severity.SEV1, "11:50"),
    }
    overdue = next(d for d in due if d.slug == "2026-11-27-a")
    assert overdue.describe(NOW).startswith(
        "2026-11-27-a (SEV0): next public update OVERDUE since 11:20 UTC (40 min ago)"
    )
    soon = next(d for d in due if d.slug == "2026-11-27-b")
    assert "due at 13:05 UTC (in 1 h 5 min)" in soon.describe(NOW)


def test_a_reminder_when_an_update_falls_due(site):
    clock = {"now": datetime(2026, 11, 27, 11, 10, tzinfo=UTC)}
    logs: list[str] = []
    preview = PreviewServer(
        site, clock=lambda config: clock["now"], port=0, log=logs.append, quiet=0.05, tick=0.1
    )
    preview.start()
    try:
        assert any("due at 11:35 UTC (in 25 min)" in line for line in logs)
        clock["now"] += timedelta(minutes=30)
        eventually(lambda: any("OVERDUE since 11:35 UTC (5 min ago)" in line for line in logs))
    finally:
        preview.stop()


def test_a_maintenance_window_opening_triggers_a_rebuild(site_factory):
    files = {
        "updates/2026-11-27-db.md": """\
            ---
            title: Database upgrade
            kind: maintenance
            components: [api]
            window: {start: 2026-11-27T12:05:00Z, end: 2026-11-27T13:00:00Z}
            ---
            ## 2026-11-26 09:00 UTC · Scheduled
            We will upgrade the database.
            """
    }
    clock = {"now": NOW}
    logs: list[str] = []
    preview = PreviewServer(
        site_factory(files),
        clock=lambda config: clock["now"],
        port=0,
        log=logs.append,
        quiet=0.05,
        tick=0.1,
    )
    preview.start()
    try:
        assert preview.builds == 1
        time.sleep(0.3)
        assert preview.builds == 1  # nothing changes while the clock stands still
        clock["now"] = NOW + timedelta(minutes=10)
        eventually(
            lambda: any(
                "At 12:05 UTC the maintenance window of 'Database upgrade'" in line for line in logs
            )
        )
        eventually(lambda: preview.builds >= 2)
    finally:
        preview.stop()


def test_serve_refuses_a_busy_port(site):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main,
            ["serve", "--source", str(site), "--port", str(port), "--now", "2026-11-27T12:00:00Z"],
        )
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port" in result.output


def test_serve_refuses_a_folder_without_a_site(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--source", str(tmp_path), "--port", "0"])
    assert result.exit_code == 2
    assert "no site configuration found" in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_clarion_serve_command_end_to_end(site):
    """The real command in a subprocess: serve, edit, see the change, stop on SIGTERM."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clarion",
            "serve",
            "--source",
            str(site),
            "--port",
            str(port),
            "--now",
            "2026-11-27T12:00:00Z",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stderr], daemon=True
    ).start()
    try:
        deadline = time.monotonic() + WAIT
        seen = []
        while not any("Serving at" in line for line in seen):
            seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        url = f"http://127.0.0.1:{port}/"
        assert "API errors" in fetch(url)[1]
        (site / "updates/2026-11-27-api-errors.md").write_text(
            INCIDENT.replace("elevated error rates", "MARKER-CLI")
        )
        eventually(lambda: "MARKER-CLI" in fetch(url + "incidents/2026-11-27-api-errors/")[1])
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=WAIT)


def test_a_rebuild_converts_only_the_markdown_that_changed(tmp_path, monkeypatch):
    """serve keeps the Markdown conversions between rebuilds: after an edit
    only the edited text is converted again, and the files equal those of a
    fresh build; the private-only writers are skipped."""
    from clarion.render.markdown import MarkdownRenderer
    from clarion.serve.memory import build_in_memory, memory_cache_class, public_writers
    from tests.conftest import copy_example

    root = copy_example(tmp_path / "site")
    config = load_config(root)
    cache = memory_cache_class()(folder=root / ".clarion-serve", salt="test")
    build_in_memory(config, NOW, cache)
    converted: list[str] = []
    convert = MarkdownRenderer._convert
    monkeypatch.setattr(
        MarkdownRenderer,
        "_convert",
        lambda self, text: converted.append(text) or convert(self, text),
    )
    source = root / "updates/2026-11-27-email-delivery-delays.md"
    # nested emphasis: outside the fast path's subset, so the full converter runs
    source.write_text(source.read_text().replace("reaching some", "reaching **a *few***", 1))
    files, _ = build_in_memory(load_config(root), NOW, cache)
    assert len(converted) == 1 and "reaching **a *few***" in converted[0]
    fresh, _ = build_in_memory(load_config(root), NOW)
    assert files == fresh
    names = {w.__name__ for w in public_writers(config)}
    assert not names & {"render_deadlines", "render_emails", "render_metrics"}
