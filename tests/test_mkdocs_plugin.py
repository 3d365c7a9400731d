"""The MkDocs plugin: a status site inside an MkDocs site, in its theme.

Each test builds a small MkDocs project in a temporary folder with the real
``mkdocs`` command (so the ``mkdocs.plugins`` entry point is exercised too)
and reads the output back.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import feedparser
import pytest

from tests.conftest import write_files

SITES = Path(__file__).parent / "sites"

MKDOCS_YML = """\
site_name: Acme docs
site_url: https://docs.acme.example/
theme: mkdocs
plugins:
  - search
  - clarion:
      source: status-site
      now: 2026-11-27T12:00:00Z
"""

#: Files that must never leave the status site's repository.
PRIVATE_FILES = {
    "status-site/updates/2026-11-22-secret.md": """\
        ---
        title: Quiet credential rotation
        severity: SEV3
        public: false
        components: {api: major_outage}
        declared: 2026-11-22T09:00:00Z
        ---
        ## 2026-11-22 09:00 UTC · Investigating
        Rotating the signing keys of tenant 4411.
        """,
    "status-site/comms/2026-11-20-api-errors/customer-ack.md": """\
        ---
        rule: customer-ack
        to: [customers]
        subject: We are sorry about the API errors
        ---
        Dear customer, our notice text stays private.
        """,
    "status-site/site_src/pages/about.md": """\
        ---
        title: About this page
        ---
        Status of the Acme platform.
        """,
}


def mkdocs(project: Path, *args: str, strict: bool = True) -> subprocess.CompletedProcess[str]:
    flags = ["--strict"] if strict else []
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            *flags,
            "--site-dir",
            str(project / "site"),
            *args,
        ],
        cwd=project,
        capture_output=True,
        text=True,
    )


def make_project(
    tmp_path: Path, mkdocs_yml: str = MKDOCS_YML, files: dict[str, str] | None = None
) -> Path:
    project = tmp_path / "docs-project"
    shutil.copytree(SITES / "basic", project / "status-site")
    toml = project / "status-site" / "site_src" / "site.toml"
    toml.write_text(toml.read_text() + '\n[audiences]\ncustomers = ["customers@basic.example"]\n')
    write_files(project, {
        "mkdocs.yml": mkdocs_yml,
        "docs/index.md": "# Acme docs\n\nSee the [status page](status/index.md).\n",
        **PRIVATE_FILES,
        **(files or {}),
    })  # fmt: skip
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("mkdocs"))
    result = mkdocs(project)
    assert result.returncode == 0, result.stderr
    return project / "site"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.in_clarion = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "div" and values.get("class") == "clarion":
            self.in_clarion = 1
        elif self.in_clarion and tag == "div":
            self.in_clarion += 1
        if self.in_clarion and tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self.in_clarion and tag == "div":
            self.in_clarion -= 1


def status_pages(site: Path) -> list[Path]:
    return sorted(p for p in (site / "status").rglob("index.html"))


def test_status_pages_are_wrapped_in_the_mkdocs_theme(built: Path) -> None:
    for relpath in [
        "status/index.html",
        "status/incidents/2026-11-20-api-errors/index.html",
        "status/incidents/2026-11-27-web-slow/index.html",
        "status/maintenance/2026-12-03-db-upgrade/index.html",
        "status/components/api/index.html",
        "status/components/web/index.html",
        "status/history/index.html",
        "status/history/2026/11/index.html",
        "status/history/2026/12/index.html",
        "status/pages/about/index.html",
    ]:
        page = (built / relpath).read_text()
        assert page.count("<html") == 1, relpath  # one document: the theme's, not a page in a page
        assert 'class="navbar' in page, relpath  # the mkdocs theme's header
        assert '<div class="clarion">' in page, relpath
        assert "assets/clarion-fragment.css" in page, relpath
        assert "Published with Clarion" not in page  # the stand-alone footer is not there
    incident = (built / "status/incidents/2026-11-20-api-errors/index.html").read_text()
    assert "<title>Elevated error rates on the API - Acme docs</title>" in incident
    assert "A faulty deploy was identified and is being rolled back." in incident
    assert '<time datetime="2026-11-20T14:40:00Z">20 Nov 2026, 15:40 CET</time>' in incident
    assert 'href="../../assets/clarion-fragment.css"' in incident
    index = (built / "status/index.html").read_text()
    assert "Partially Degraded Service" in index
    assert '<ol class="bars"' in index  # uptime bars
    assert 'href="#components-h"' in index  # the theme's table of contents lists the sections
    css = (built / "status/assets/clarion-fragment.css").read_text()
    assert ".clarion .bars" in css and "body{" not in css


def test_links_inside_the_status_pages_resolve(built: Path) -> None:
    checked = 0
    for page in status_pages(built):
        parser = Links()
        parser.feed(page.read_text())
        folder = page.parent.relative_to(built).as_posix()
        for href in parser.hrefs:
            if urlsplit(href).scheme or href.startswith("#"):
                continue
            target = posixpath.normpath(posixpath.join(folder, urldefrag(href).url))
            path = built / target
            assert (
                path / "index.html" if href.endswith("/") or path.is_dir() else path
            ).is_file(), (page, href)
            checked += 1
    assert checked > 50


def test_feeds_api_badges_and_calendar_sit_beside_the_pages(built: Path) -> None:
    for relpath in [
        "status/feed.xml", "status/atom.xml", "status/feed.json", "status/maintenance.ics",
        "status/badge.svg", "status/badge.json", "status/components/api/feed.xml",
        "status/api/v2/summary.json", "status/api/v2/incidents/unresolved.json",
    ]:  # fmt: skip
        assert (built / relpath).is_file(), relpath
    feed = feedparser.parse((built / "status/feed.xml").read_bytes())
    assert not feed.bozo
    links = {entry.link for entry in feed.entries}
    # base_url follows the MkDocs site: site_url + prefix, and every entry's page exists.
    assert "https://docs.acme.example/status/incidents/2026-11-20-api-errors/" in links
    for link in links:
        path = urlsplit(link).path.removeprefix("/")
        assert (built / path / "index.html").is_file(), link
    summary = json.loads((built / "status/api/v2/summary.json").read_text())
    assert summary["page"]["url"] == "https://docs.acme.example/status/"
    # The MkDocs site keeps its own discovery files; Clarion's are not added.
    assert (
        not (built / "status/sitemap.xml").exists() and not (built / "status/robots.txt").exists()
    )
    assert not (built / "status/404.html").exists() and (built / "404.html").is_file()
    assert "status/incidents/2026-11-20-api-errors/" in (built / "sitemap.xml").read_text()


def test_private_output_never_reaches_the_mkdocs_site(built: Path) -> None:
    names = [p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()]
    assert not [n for n in names if n.endswith((".eml",)) or "deadlines" in n or "/comms/" in n]
    for path in built.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".ics", ".svg", ".md"):
            text = path.read_text(errors="replace")
            for secret in (
                "Quiet credential rotation",
                "tenant 4411",
                "our notice text stays private",
                "on-call engineer's notes",
                "suspect deploy 4411",
            ):
                assert secret not in text, (path, secret)


def test_nav_gets_a_status_section(built: Path) -> None:
    home = (built / "index.html").read_text()
    nav = home[
        home.index('<ul class="nav navbar-nav">') : home.index("</ul>", home.index("dropdown-menu"))
    ]
    assert "Status" in nav
    assert (
        'href="status/"' in nav
        and 'href="status/history/"' in nav
        and 'href="status/pages/about/"' in nav
    )
    # Incident, component and month pages are reachable from the status pages, not the nav.
    assert "2026-11-20-api-errors" not in nav


def test_without_nav_and_with_another_prefix(tmp_path: Path) -> None:
    yml = MKDOCS_YML.replace(
        "      now:", "      prefix: /service-status\n      nav: false\n      now:"
    )
    project = make_project(
        tmp_path, yml, {"docs/index.md": "# Docs\n\n[Status](service-status/index.md)\n"}
    )
    result = mkdocs(project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    assert (site / "service-status/incidents/2026-11-20-api-errors/index.html").is_file()
    assert (site / "service-status/feed.xml").is_file()
    home = (site / "index.html").read_text()
    assert 'href="service-status/history/"' not in home


def test_a_content_error_fails_the_build_with_file_and_line(tmp_path: Path) -> None:
    bad = """\
        ---
        title: Broken
        severity: SEV2
        components:
          apl: partial_outage
        declared: 2026-11-26T10:00:00Z
        ---
        ## 2026-11-26 10:00 UTC · Investigating
        Something.
        """
    project = make_project(tmp_path, files={"status-site/updates/2026-11-26-broken.md": bad})
    result = mkdocs(project)
    assert result.returncode == 1
    assert (
        "status-site/updates/2026-11-26-broken.md:5: error: unknown component 'apl'"
        in result.stderr
    )
    assert "hint: did you mean 'api'?" in result.stderr
    assert "Aborted with a BuildError" in result.stdout + result.stderr


def test_a_config_error_fails_the_build_with_file_and_line(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    toml = project / "status-site/site_src/site.toml"
    toml.write_text(
        toml.read_text().replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlinn"')
    )
    result = mkdocs(project)
    assert result.returncode == 1
    assert (
        "status-site/site_src/site.toml:4: error: site.timezone: unknown time zone 'Europe/Berlinn'"
        in result.stderr
    )


def test_a_content_warning_is_an_mkdocs_warning(tmp_path: Path) -> None:
    notice = "---\nrule: customer-ack\n---\nText.\n"
    project = make_project(
        tmp_path, files={"status-site/comms/2026-11-20-api-errors/old/ack.md": notice}
    )
    result = mkdocs(project, strict=False)
    assert result.returncode == 0, result.stderr
    assert (
        "WARNING -  clarion: status-site/comms/2026-11-20-api-errors/old: "
        "warning: notices in sub-folders are not read" in result.stderr
    )
    assert mkdocs(project).returncode == 1  # --strict: warnings fail the build


def test_a_docs_file_in_the_way_is_an_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, files={"docs/status/index.md": "# Our own status page\n"})
    result = mkdocs(project)
    assert result.returncode == 1
    assert (
        "clarion: the status section needs status/index.md, but "
        "the MkDocs site already has it (docs/status/index.md); "
        "move that file or give the clarion plugin another 'prefix'"
    ) in result.stderr


def test_serve_watches_the_status_sources(tmp_path: Path) -> None:
    from mkdocs.config import load_config

    project = make_project(tmp_path)
    config = load_config(str(project / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    plugin = config.plugins["clarion"]

    class Server:
        watched: list[str] = []

        def watch(self, path: str) -> None:
            self.watched.append(path)

    server = Server()
    plugin.on_serve(server, config=config, builder=None)  # type: ignore[arg-type]
    root = project / "status-site"
    assert set(server.watched) == {
        str((root / name).resolve()) for name in ("site_src", "updates", "comms")
    }


def test_fragment_mode_renders_markdown_documents(tmp_path: Path) -> None:
    """The HTML renderer's fragment mode: same templates, the host's chrome."""
    from clarion.build import prepare
    from clarion.config import load_config
    from clarion.render.html import HtmlRenderer
    from tests.conftest import NOW

    root = tmp_path / "site"
    shutil.copytree(SITES / "basic", root)
    context = prepare(load_config(root), NOW)
    pages = {o.path: o.data.decode() for o in HtmlRenderer(
        context.config, context.site, context.state, context.markdown, fragment=True
    ).outputs()}  # fmt: skip
    assert "404.html" not in pages and "assets/clarion.css" not in pages
    incident = pages["incidents/2026-11-20-api-errors/index.html"]
    assert incident.startswith(
        '---\ntitle: "Elevated error rates on the API"\n---\n\n<div class="clarion">\n'
    )
    assert "<!doctype" not in incident and "<html" not in incident and "<head>" not in incident
    assert re.search(r'<a href="\.\./\.\./components/api/">API</a>', incident)
    assert textwrap.dedent(incident).rstrip().endswith("</div>")


def test_every_public_file_of_clarion_build_is_in_the_mkdocs_site(
    built: Path, tmp_path: Path
) -> None:
    """The plugin adds what `clarion build` publishes, from the same writers."""
    from click.testing import CliRunner

    from clarion.cli import main

    out = tmp_path / "public"
    source = built.parent / "status-site"
    result = CliRunner().invoke(
        main, ["build", "--source", str(source), "--out", str(out), "--now", "2026-11-27T12:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    own = {
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "assets/clarion.css",
    }  # the MkDocs site has its own
    for path in out.rglob("*"):
        relpath = path.relative_to(out).as_posix()
        if path.is_file() and relpath not in own:
            assert (built / "status" / relpath).is_file(), relpath
