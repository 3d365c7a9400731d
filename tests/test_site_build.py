"""Building the public site: pages, safety, privacy, determinism, atomic output."""

from __future__ import annotations

import difflib
import gzip
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion.build import build
from clarion.cli import main
from clarion.config import load_config
from tests.conftest import NOW, build_leftovers

SITES = Path(__file__).parent / "sites"
GOLDEN = Path(__file__).parent / "golden"


def run_build(root: Path, now: str = "2026-11-27T12:00:00Z", *extra: str):
    return CliRunner().invoke(main, ["build", "--source", str(root), "--now", now, *extra])


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def basic(tmp_path: Path) -> Path:
    root = tmp_path / "basic"
    shutil.copytree(SITES / "basic", root)
    return root


def test_builds_every_page(basic):
    result = run_build(basic)
    assert result.exit_code == 0, result.output
    files = tree(basic / "public")
    for path in [
        "index.html",
        "404.html",
        "incidents/2026-11-20-api-errors/index.html",
        "incidents/2026-11-27-web-slow/index.html",
        "maintenance/2026-12-03-db-upgrade/index.html",
        "components/api/index.html",
        "components/web/index.html",
        "history/index.html",
        "history/2026/11/index.html",
        "history/2026/12/index.html",
        "assets/clarion.css",
    ]:
        assert path in files, path
    index = files["index.html"].decode()
    assert "Partially Degraded Service" in index
    assert "Website loads slowly" in index and "Pages take several seconds" in index
    assert "Scheduled maintenance" in index and "Database upgrade" in index
    assert 'href="incidents/2026-11-27-web-slow/"' in index  # relative links
    assert '<time datetime="2026-11-27T10:30:00Z">27 Nov 2026, 11:30 CET</time>' in index


def test_incident_page_shows_timeline_postmortem_and_duration(basic):
    run_build(basic)
    page = (basic / "public/incidents/2026-11-20-api-errors/index.html").read_text()
    assert (
        page.index("Resolved</span>")
        < page.index("Identified</span>")
        < page.index("Investigating</span>")
    )
    assert '<h2 id="pm-h">Postmortem</h2>' in page and "<h3>What happened</h3>" in page
    assert "1 h 8 min" in page  # 14:02 -> 15:10
    assert 'href="../../components/api/"' in page
    assert "Impact:" not in page


def test_links_resolve_inside_the_site(basic):
    import re

    run_build(basic)
    public = basic / "public"
    for page in public.rglob("*.html"):
        if page.name == "404.html":
            continue
        for href in re.findall(r'(?:href|src)="([^"#]+)"', page.read_text()):
            if href.startswith(("http:", "https:", "mailto:", "data:")):
                continue
            target = (page.parent / href).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.exists(), f"{page.relative_to(public)} links to missing {href}"


def test_private_fields_and_comments_never_published(basic):
    run_build(basic)
    for path, data in tree(basic / "public").items():
        text = data.decode("utf-8", errors="replace")
        assert "on-call engineer" not in text, path
        assert "suspect deploy" not in text, path


def test_public_false_appears_nowhere(basic):
    (basic / "updates/2026-11-26-secret.md").write_text(
        "---\ntitle: Secret hush thing\nseverity: SEV3\npublic: "
        "false\ncomponents: {api: major_outage}\n---\n"
        "## 2026-11-26 10:00 UTC · Investigating\nclassified words\n"
    )
    run_build(basic)
    for path, data in tree(basic / "public").items():
        assert b"Secret hush" not in data and b"classified words" not in data, path
    assert not (basic / "public/incidents/2026-11-26-secret").exists()
    index = (basic / "public/index.html").read_text()
    assert "st-major_outage" not in index  # no component shows the hidden impact
    bars = re.findall(r'<ol class="bars".*?</ol>', index, re.S)
    assert bars and not any("u-major_outage" in bar for bar in bars)


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        ("<script>alert('x')</script>", "<script>alert"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<div style="background:url(javascript:x)">s</div>', "style="),
    ],
)
def test_markdown_is_sanitised(basic, payload, forbidden):
    path = basic / "updates/2026-11-27-web-slow.md"
    path.write_text(path.read_text() + f"\n{payload}\n")
    result = run_build(basic)
    assert result.exit_code == 0, result.output
    for page in ["index.html", "incidents/2026-11-27-web-slow/index.html"]:
        assert forbidden not in (basic / "public" / page).read_text()


def test_title_is_escaped(basic):
    path = basic / "updates/2026-11-27-web-slow.md"
    path.write_text(
        path.read_text().replace("title: Website loads slowly", 'title: "<b>Bold</b> & co"')
    )
    run_build(basic)
    index = (basic / "public/index.html").read_text()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in index and "<b>Bold</b>" not in index


def test_template_override_by_name_and_extends_default(basic):
    (basic / "templates").mkdir()
    (basic / "templates/404.html.j2").write_text("custom 404 for {{ site.title }}\n")
    (basic / "templates/base.html.j2").write_text(
        '{% extends "default/base.html.j2" %}{% block footer %}<p>Custom footer</p>{% endblock %}'
    )
    run_build(basic)
    assert (basic / "public/404.html").read_text() == "custom 404 for Basic Status\n"
    index = (basic / "public/index.html").read_text()
    assert (
        "<p>Custom footer</p>" in index
        and "All Systems" not in index
        and "Partially Degraded" in index
    )


@pytest.mark.parametrize(
    ("name", "text", "line", "words"),
    [
        ("404.html.j2", "<p>\n{{ site.titel }}\n", 2, ["'titel'", "check the spelling of 'titel'"]),
        ("page.html.j2", "{% if x %}\n<p>never closed\n", 2, ["valid Jinja syntax"]),
        ("404.html.j2", "{{ site.title|shout }}\n", 1, ["No filter named 'shout'", "time_tag"]),
        ("incident.html.j2", '{% extends "default/incident.html.j2" %}\n'
         "{% block main %}{{ item.titel }}{% endblock %}\n", 2, ["'titel'"]),
    ],
)  # fmt: skip
def test_a_template_error_is_a_content_error_with_file_and_line(basic, name, text, line, words):
    (basic / "templates").mkdir()
    (basic / "templates" / name).write_text(text)
    (basic / "site_src/pages").mkdir(exist_ok=True)
    (basic / "site_src/pages/about.md").write_text("# About\n\nUs.\n")
    result = run_build(basic)
    assert result.exit_code == 2, result.output
    assert f"templates/{name}:{line}: error: template error" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr
    assert not (basic / "public").exists()


def test_a_template_error_in_a_forked_worker_is_reported_whole(basic):
    from clarion.build import build
    from clarion.errors import ContentErrors

    (basic / "templates").mkdir()
    (basic / "templates/incident.html.j2").write_text("{{ item.titel }}\n")
    for n in range(410):  # enough for the item pages to render in forked workers
        (basic / f"updates/2026-10-{n % 28 + 1:02d}-extra-{n}.md").write_text(
            "---\ntitle: Extra\nseverity: SEV3\ncomponents: {api: degraded_performance}\n---\n"
            f"## 2026-10-{n % 28 + 1:02d} 10:00 UTC · Resolved\nDone.\n"
        )
    with pytest.raises(ContentErrors) as caught:
        build(load_config(basic), now=NOW, workers=2, use_cache=False)
    assert str(caught.value.errors[0].location) == "templates/incident.html.j2:1"


def test_deterministic_output(basic, tmp_path):
    run_build(basic, "2026-11-27T12:00:00Z", "--out", str(tmp_path / "one"))
    run_build(basic, "2026-11-27T12:00:00Z", "--out", str(tmp_path / "two"))
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_unchanged_state_gives_unchanged_site(basic, tmp_path):
    """Output depends on now only through state: same day, nothing changes
    (an incident is active all along; the next change is midnight in Berlin)."""
    run_build(basic, "2026-11-27T12:00:00Z", "--out", str(tmp_path / "one"))
    run_build(basic, "2026-11-27T22:59:59Z", "--out", str(tmp_path / "two"))
    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert one == two


def test_failed_build_leaves_previous_output(basic):
    assert run_build(basic).exit_code == 0
    before = tree(basic / "public")
    (basic / "updates/broken.md").write_text("---\ntitle: [unclosed\n---\n")
    result = run_build(basic)
    assert result.exit_code == 2
    assert "updates/broken.md:2: error: invalid YAML" in result.output
    assert "nothing was written" in result.output
    assert tree(basic / "public") == before
    assert build_leftovers(basic) == []


def test_build_failing_midway_leaves_previous_output(basic, monkeypatch):
    assert run_build(basic).exit_code == 0
    before = tree(basic / "public")
    from clarion.render import html

    calls = {"n": 0}
    original = html.HtmlRenderer.component_page

    def exploding(self, component):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return original(self, component)

    monkeypatch.setattr(html.HtmlRenderer, "component_page", exploding)
    result = run_build(basic, "2026-11-27T12:00:00Z", "--no-cache")
    assert result.exit_code == 3
    assert "internal error" in result.output and "Traceback" not in result.output
    assert tree(basic / "public") == before
    assert build_leftovers(basic) == []


def test_outputs_cannot_escape_their_folder(tmp_path):
    from clarion.output.write import OutputPathError, write_outputs
    from clarion.render import Area, Output

    for bad in ["../evil.html", "/etc/passwd", "a/../../b", "a\\..\\b"]:
        with pytest.raises(OutputPathError):
            write_outputs([Output(Area.PUBLIC, bad, b"x")], {Area.PUBLIC: tmp_path / "out"})
    with pytest.raises(OutputPathError):
        write_outputs(
            [Output(Area.PUBLIC, "a.html", b"x"), Output(Area.PUBLIC, "a.html", b"y")],
            {Area.PUBLIC: tmp_path / "out"},
        )
    assert not (tmp_path / "out").exists()


def test_index_is_small(basic):
    run_build(basic)
    index = (basic / "public/index.html").read_bytes()
    css = (basic / "public/assets/clarion.css").read_bytes()
    assert len(gzip.compress(index + css)) < 20_000


def test_example_site_builds_and_index_stays_small(tmp_path):
    """The repository's own example site: it builds, and its index with its CSS
    stays under 20 KB gzipped."""
    root = Path(__file__).parent.parent
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--source",
            str(root),
            "--out",
            str(tmp_path / "public"),
            "--private-out",
            str(tmp_path / "private"),
        ],
    )
    assert result.exit_code == 0, result.output
    index = (tmp_path / "public/index.html").read_bytes()
    css = (tmp_path / "public/assets/clarion.css").read_bytes()
    assert b"Demo data" in index
    assert len(gzip.compress(index + css, 9)) < 20_000


def test_golden_basic_site(basic, update_golden):
    """Every HTML page of tests/sites/basic, byte for byte
    (``pytest --update-golden`` rewrites tests/golden/basic)."""
    out = basic / "public"
    build(load_config(basic), now=NOW, public_dir=out)
    actual = {k: v for k, v in tree(out).items() if k.endswith(".html")}
    golden_dir = GOLDEN / "basic"
    if update_golden:
        shutil.rmtree(golden_dir, ignore_errors=True)
        for path, data in actual.items():
            target = golden_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        pytest.skip("golden files rewritten")
    expected = tree(golden_dir)
    assert sorted(expected) == sorted(actual), (
        "the set of pages changed; run pytest --update-golden and review"
    )
    for path, data in actual.items():
        if data != expected[path]:
            diff = "\n".join(
                difflib.unified_diff(
                    expected[path].decode(errors="replace").splitlines(),
                    data.decode(errors="replace").splitlines(),
                    f"golden/{path}",
                    f"built/{path}",
                    lineterm="",
                )
            )
            pytest.fail(
                f"{path} differs from the golden file (pytest "
                f"--update-golden rewrites it):\n{diff[:4000]}"
            )


def test_cli_build_help_and_version():
    runner = CliRunner()
    assert "Render the public site" in runner.invoke(main, ["build", "--help"]).output
    assert runner.invoke(main, ["--version"]).output.startswith("clarion, version")


def test_missing_site_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["build", "--source", str(tmp_path)])
    assert result.exit_code == 2
    assert "site_src/site.toml: error: no site configuration found" in result.output
    assert "clarion init" in result.output


def test_bad_now_is_a_usage_error(basic):
    result = run_build(basic, "yesterday")
    assert result.exit_code == 2 and "--now" in result.output


def test_reopened_incident_is_marked(basic):
    path = basic / "updates/2026-11-20-api-errors.md"
    text = path.read_text().replace(
        "## 2026-11-21 10:00 UTC · Postmortem",
        "## 2026-11-20 16:00 UTC · Investigating\nErrors are back.\n\n## 2026-11-20 "
        "17:00 UTC · Resolved\nFixed again.\n\n## 2026-11-21 10:00 UTC · Postmortem",
    )
    path.write_text(text)
    run_build(basic)
    page = (basic / "public/incidents/2026-11-20-api-errors/index.html").read_text()
    assert '<span class="badge b-stage">Reopened</span>' in page
    assert "Errors are back." in page
    index_free = (basic / "public/incidents/2026-11-27-web-slow/index.html").read_text()
    assert "Reopened" not in index_free


def test_build_progress_bar_only_on_a_terminal_and_after_a_moment(monkeypatch):
    import io

    from rich.console import Console

    from clarion.cli import _common, site

    quiet = io.StringIO()
    monkeypatch.setattr(_common, "err", Console(file=quiet, force_terminal=False))
    with site._BuildProgress() as progress:
        progress.started -= 5
        progress(10, 100)
    assert quiet.getvalue() == ""

    shown = io.StringIO()
    monkeypatch.setattr(_common, "err", Console(file=shown, force_terminal=True, width=80))
    with site._BuildProgress() as progress:
        progress(1, 100)  # too early: nothing yet
        assert progress.bar is None
        progress.started -= 5
        progress(50, 100)
        assert progress.bar is not None
    assert "Building" in shown.getvalue() and "50/100" in shown.getvalue()


def test_build_progress_asks_once_whether_stderr_is_a_terminal(monkeypatch):
    # a build reports progress once per file: at 10,000 pages, asking rich
    # each time (it reads the environment) cost a tenth of a second
    import io

    from rich.console import Console

    from clarion.cli import _common, site

    asked = []

    class Counting(Console):
        @property
        def is_terminal(self) -> bool:
            asked.append(1)
            return False

    monkeypatch.setattr(_common, "err", Counting(file=io.StringIO()))
    asked.clear()  # (rich asks too, as it makes the console)
    with site._BuildProgress() as progress:
        progress.started -= 5
        for done in range(1, 1001):
            progress(done, 1000)
    assert len(asked) == 1


def test_index_stays_small_with_many_recent_incidents(site_factory, tmp_path):
    """Seven incidents a day for 60 days: the index with its CSS still fits
    in 20 KB gzipped (a day of the bars names one incident and counts the rest)."""
    from datetime import timedelta

    files = {}
    for n in range(420):
        start = NOW - timedelta(hours=3.4 * (n + 1))
        at = start.strftime("%Y-%m-%d %H:%M")
        files[f"updates/i{n:04d}.md"] = (
            f"---\ntitle: Incident number {n} with a longer headline about api {n * 7919 % 1000}\n"
            f"severity: SEV2\ncomponents: {{api: partial_outage, web: degraded_performance}}\n---\n"
            f"## {at} UTC · Investigating\nLooking into it.\n\n"
            f"## {(start + timedelta(minutes=45)).strftime('%Y-%m-%d %H:%M')} "
            f"UTC · Resolved\nFixed.\n"
        )
    root = site_factory(files)
    result = build(
        load_config(root), now=NOW, public_dir=tmp_path / "out", private_dir=tmp_path / "private"
    )
    index = (result.public_dir / "index.html").read_bytes()
    css = (result.public_dir / "assets/clarion.css").read_bytes()
    assert b"and 6 more" in index
    assert len(gzip.compress(index + css, 9)) < 20_000
