"""``clarion serve`` after an edit: the open page first, then a site equal to a clean build.

A real server on a free loopback port serves a copy of the example site. After
each kind of edit (one update file, which takes the fast path; or anything
else, which reads the whole site again), every file it serves equals, byte
for byte, what ``clarion build --no-cache`` writes for the same sources (the
live-reload script aside). No test times anything: waits are bounded only.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import clarion.build
from clarion.build import build
from clarion.config import load_config
from clarion.render.html import HtmlRenderer
from clarion.serve import PreviewServer, Snapshot
from tests.conftest import NOW, copy_example
from tests.test_incremental import EDITS, EMAIL, SSO, Edit, _replace
from tests.test_serve import WAIT, eventually

EMAIL_PAGE = "incidents/2026-11-27-email-delivery-delays/"
LIVE_SCRIPT = re.compile(rb'<script src="/__clarion/live\.js" data-version="[^"]*"></script>\n')


def get(url: str, timeout: float = WAIT) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as exc:
        return bytes(exc.read())


def version_of(page: bytes) -> str:
    found = re.search(rb'data-version="([^"]+)"', page)
    assert found is not None
    return found.group(1).decode()


def start(root: Path, **options: float) -> PreviewServer:
    server = PreviewServer(
        root, clock=lambda config: NOW, port=0, log=lambda line: None, tick=60, **options
    )
    server.start()
    return server


def settle(server: PreviewServer, builds: int) -> None:
    """Wait until a rebuild after ``builds`` ended and no other follows (an
    edit of several files may be seen in more than one rebuild)."""
    eventually(lambda: server.builds > builds and not server._dirty)
    while True:
        with server._build_lock:  # a rebuild that began meanwhile has ended
            done = server.builds
        time.sleep(0.3)
        if server.builds == done and not server._dirty:
            return


def poll(
    server: PreviewServer, since: str, path: str, *, once: bool = False
) -> queue.Queue[dict[str, object]]:
    """Long-poll as an open tab does, polling again after each "no reload"
    (unless ``once``); the answer that ends it arrives in the queue."""
    answers: queue.Queue[dict[str, object]] = queue.Queue()

    def run(version: str) -> None:
        while True:
            url = f"{server.url}__clarion/poll?since={version}&path=/{path}"
            reply = json.loads(get(url))
            reply.setdefault("reload", reply["version"] != version)
            if reply["reload"] or once:
                answers.put(reply)
                return
            version = str(reply["version"])

    threading.Thread(target=run, args=(since,), daemon=True).start()
    return answers


def assert_equals_clean_build(server: PreviewServer, root: Path, out: Path) -> None:
    """Every file a clean build makes is served with the same bytes, and no other."""
    build(
        load_config(root),
        now=NOW,
        public_dir=out / "public",
        private_dir=out / "private",
        use_cache=False,
    )
    clean = {
        p.relative_to(out / "public").as_posix(): p.read_bytes()
        for p in (out / "public").rglob("*")
        if p.is_file()
    }
    assert sorted(server.snapshot.files) == sorted(clean)
    differ = [
        name for name, data in clean.items() if LIVE_SCRIPT.sub(b"", get(server.url + name)) != data
    ]
    assert differ == []


def test_the_open_page_is_served_before_the_rest_of_the_site(tmp_path, monkeypatch):
    """With the rest of the rebuild held back, the page a tab shows is already
    fresh and its long-poll says reload; the other pages follow, and then the
    whole site equals a clean build (and the tab is not told to reload twice)."""
    root = copy_example(tmp_path / "site")
    server = start(root, poll_timeout=1.0)
    try:
        page = get(server.url + EMAIL_PAGE)
        assert b"reaching some" in page
        front = get(server.url)
        get(server.url + EMAIL_PAGE)  # the page the tab shows, served last
        answers = poll(server, version_of(page), EMAIL_PAGE)

        release = threading.Event()
        render_all = clarion.build.render_all

        def held_back(*args, **kwargs):
            assert release.wait(timeout=WAIT), "the test never released the rebuild"
            return render_all(*args, **kwargs)

        monkeypatch.setattr(clarion.build, "render_all", held_back)
        builds = server.builds
        _replace(root, EMAIL, "reaching some", "reaching MARKER-FIRST")
        answer = answers.get(timeout=WAIT)
        assert answer["reload"] is True
        fresh = get(server.url + EMAIL_PAGE)
        assert b"reaching MARKER-FIRST" in fresh
        # the rest waits for the whole rebuild
        assert LIVE_SCRIPT.sub(b"", get(server.url)) == LIVE_SCRIPT.sub(b"", front)
        assert server.builds == builds

        again = poll(server, version_of(fresh), EMAIL_PAGE, once=True)
        release.set()
        settle(server, builds)
        assert LIVE_SCRIPT.sub(b"", get(server.url + EMAIL_PAGE)) == LIVE_SCRIPT.sub(b"", fresh)
        assert again.get(timeout=WAIT)["reload"] is False  # the same page: no second reload
        assert_equals_clean_build(server, root, tmp_path / "clean")
    finally:
        server.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PreviewServer, Path]]:
    root = copy_example(tmp_path_factory.mktemp("serve-edits") / "site")
    server = start(root)
    try:
        yield server, root
    finally:
        server.stop()


#: The edits of the incremental build's test that a source file makes (serve
#: reads the clock itself; changes of ``now`` are tested there).
SOURCE_EDITS = [(what, edit) for what, edit, now in EDITS if now == NOW]
#: Edits that change only private files (a private incident, a notice's time
#: sent or its text, a rule's deadline, the deadline report's row template).
PRIVATE_ONLY = {
    "renamed file",
    "notice sent later",
    "notice text",
    "rulebook override",
    "report row template",
}


@pytest.mark.parametrize("what,edit", SOURCE_EDITS, ids=[e[0] for e in SOURCE_EDITS])
def test_after_each_edit_serve_equals_a_clean_build(
    served: tuple[PreviewServer, Path], tmp_path: Path, what: str, edit: Edit
) -> None:
    server, root = served
    page = get(server.url + EMAIL_PAGE)  # a tab shows the email incident
    before, builds = server.snapshot.files, server.builds
    edit(root)
    settle(server, builds)
    if what not in PRIVATE_ONLY:
        assert server.snapshot.files != before, f"{what}: the edit changed no file"
    assert server.snapshot.error is None
    assert_equals_clean_build(server, root, tmp_path)
    assert page  # (the tab's page was served before the edit)


def test_a_file_that_no_longer_parses_then_is_fixed(served, tmp_path):
    """One update file broken and fixed again (the fast path both times): the
    overlay names the error, then the site equals a clean build."""
    server, root = served
    builds = server.builds
    _replace(root, SSO, "severity: SEV1", "severity: SEV9")
    settle(server, builds)
    error = server.snapshot.error
    assert error is not None and "severity: got 'SEV9'" in error
    page = get(server.url).decode()
    assert "clarion-error-overlay" in page and "SEV9" in page
    builds = server.builds
    _replace(root, SSO, "severity: SEV9", "severity: SEV1")
    settle(server, builds)
    assert server.snapshot.error is None
    assert_equals_clean_build(server, root, tmp_path)


def test_a_finished_save_is_built_without_waiting_for_quiet(tmp_path):
    """A file closed after writing is whole: the rebuild starts at once, not
    after the quiet period (an hour here) meant for files still being written."""
    root = copy_example(tmp_path / "site")
    server = start(root, quiet=3600.0)
    try:
        _replace(root, EMAIL, "reaching some", "reaching MARKER-SAVED")
        eventually(lambda: b"MARKER-SAVED" in get(server.url + EMAIL_PAGE))
    finally:
        server.stop()


def test_each_page_alone_equals_the_page_of_the_whole_site(tmp_path):
    """What serve renders first is what the whole build renders, for every page."""
    from clarion.build import prepare

    context = prepare(load_config(copy_example(tmp_path / "site")), NOW)
    renderer = HtmlRenderer(context.config, context.site, context.state, context.markdown)
    pages = [o for o in renderer.outputs() if o.path.endswith(".html")]
    assert {p.path.split("/")[0] for p in pages} >= {
        "index.html",
        "incidents",
        "maintenance",
        "components",
        "history",
        "pages",
        "runbooks",
        "404.html",
    }
    for output in pages:
        alone = renderer.page(output.path)
        assert alone is not None and alone.data == output.data, output.path
    assert renderer.page("assets/clarion.css") is None
    assert renderer.page("incidents/no-such-incident/index.html") is None


def test_a_poll_is_answered_when_what_its_page_shows_changes():
    from clarion.serve.live import LiveBuilds

    live = LiveBuilds("t")
    files = {"index.html": b"front", "a/index.html": b"a", "assets/x.css": b"css", "404.html": b"?"}
    live.publish(files, None)
    v1 = live.snapshot.version

    live.publish({**files, "index.html": b"front 2"}, None)  # another page changed
    answer = live.wait(v1, 0.01, "/a/")
    assert not answer.reload and answer.version == live.snapshot.version
    assert live.wait(v1, 0.01, "/").reload  # the front page changed
    assert live.wait(v1, 0.01).reload  # no path: any new version reloads

    v2 = live.snapshot.version
    live.publish({**files, "index.html": b"front 2", "assets/x.css": b"css 2"}, None)
    assert live.wait(v2, 0.01, "/a/").reload  # a file every page loads changed
    v3 = live.snapshot.version
    live.publish(live.snapshot.files, "a.md:1: error")
    assert live.wait(v3, 0.01, "/a/").reload  # the error overlay
    v4 = live.snapshot.version
    live.publish({**live.snapshot.files, "404.html": b"not here"}, "a.md:1: error")
    assert live.wait(v4, 0.01, "/gone/").reload  # the 404 page is shown there
    assert not live.wait(v4, 0.01, "/a/").reload
    assert live.wait("unknown-version", 0.01, "/a/").reload
    assert not live.wait(live.snapshot.version, 0.01, "/a/").reload  # nothing new
    assert isinstance(live.snapshot, Snapshot)


def test_an_edited_template_is_compiled_afresh(tmp_path):
    """Compiled templates are kept between environments (serve makes one per
    rebuild); an edited template is compiled again, not taken from there."""
    from zoneinfo import ZoneInfo

    from clarion.render.templates import make_environment

    (tmp_path / "note.html.j2").write_text("first {{ x }}", encoding="utf-8")
    first = make_environment(tmp_path, ZoneInfo("UTC")).get_template("note.html.j2")
    assert first.render(x=1) == "first 1"
    (tmp_path / "note.html.j2").write_text("second {{ x }}", encoding="utf-8")
    again = make_environment(tmp_path, ZoneInfo("UTC")).get_template("note.html.j2")
    assert again.render(x=2) == "second 2"
