"""The pages in a real browser: Debian's Chromium, driven by Playwright.

Two sites, the example and a generated 1,000-incident site, are built once and
served over http on 127.0.0.1 (each under a sub-path, as on GitHub project
pages). Every page of the matrix (index, an incident with a postmortem, a
component, a month of history, the 404 page, the metrics page and the private
deadline report) is loaded in light and dark colour schemes at 390 px and
1,280 px, and must show zero axe-core violations at any impact level, no
console error, no failed request, no sideways scrolling and, on public pages,
no script. The bars' days are walked with the Tab key. The Nu HTML checker
validates every HTML page of the example build.

The tools are installed by .ci/run; without them these tests fail (they never
skip), with a hint on how to install them.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from clarion.build import build
from clarion.config import load_config
from tests.browser import (
    AXE_JS,
    INSTALL_HINT,
    REPO,
    VNU_JAR,
    chromium,
    missing_tools,
    serve,
)
from tests.conftest import NOW, copy_example

SCHEMES = ("light", "dark")
WIDTHS = (390, 1280)
BIG = 1000
AXE_URL = "/axe-core/axe.min.js"
EXAMPLE_POSTMORTEM = "incidents/2026-10-14-api-and-dashboard-outage/"
# (public or private folder, path) of each page of the matrix; {postmortem}
# is the site's incident with a postmortem.
PAGES = {
    "index": ("public", ""),
    "incident": ("public", "{postmortem}"),
    "component": ("public", "components/api/"),
    "month": ("public", "history/2026/11/"),
    "404": ("public", "no/such/page/"),
    "metrics": ("private", "metrics/"),
    "deadlines": ("private", "deadlines.html"),
}


def _generate_big_site(root: Path) -> str:
    """The benchmark's 1,000-incident site, with a postmortem (task list
    included) added to one incident of the last weeks; returns its page."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench/generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate(BIG, root)
    incident = sorted((root / "updates").glob("*-synthetic-*.md"))[-12]
    text = incident.read_text(encoding="utf-8")
    last = re.findall(r"^## (\d{4}-\d\d-\d\d) \d\d:\d\d UTC", text, re.M)[-1]
    text += (
        f"\n## {last} 23:50 UTC · Postmortem\n### Summary\nA *replica* fell behind; "
        "see [the runbook](https://runbooks.bench.example/db).\n\n### Action items\n"
        "- [x] Alert on replica lag\n- [ ] Rehearse the failover\n"
    )
    incident.write_text(text, encoding="utf-8")
    return f"incidents/{incident.stem}/"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """name -> (site root, its incident with a postmortem), both built."""
    base = tmp_path_factory.mktemp("browser")
    example = copy_example(base / "example")
    big = base / "big"
    postmortem = _generate_big_site(big)
    for root in (example, big):
        build(load_config(root), now=NOW, use_cache=False)
    return {"example": (example, EXAMPLE_POSTMORTEM), "big": (big, postmortem)}


@pytest.fixture(scope="module")
def server(sites: dict[str, tuple[Path, str]]) -> Iterator[str]:
    mounts = {}
    for name, (root, _) in sites.items():
        mounts[f"/{name}/"] = root / "public"
        mounts[f"/{name}-private/"] = root / "private"
    mounts[AXE_URL.rsplit("/", 1)[0] + "/"] = AXE_JS.parent
    with serve(mounts) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = missing_tools()
    if missing:
        pytest.fail(f"the browser tests need {', '.join(missing)}: {INSTALL_HINT}")
    with chromium() as instance:
        yield instance


def page_url(server: str, sites: dict[str, tuple[Path, str]], site: str, page: str) -> str:
    area, path = PAGES[page]
    mount = site if area == "public" else f"{site}-private"
    return f"{server}/{mount}/{path.format(postmortem=sites[site][1])}"


class Tab:
    """One page of one browser context (a viewport width and colour scheme),
    reused for every URL of that combination; it records what went wrong."""

    def __init__(self, browser: Any, width: int, scheme: str):
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=scheme
        )
        self.page = self.context.new_page()
        self.url = ""
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("response", self._response)
        self.page.on("request", lambda request: self.requests.append(request.url))

    @property
    def missing_page(self) -> bool:
        return self.url.rstrip("/").endswith("no/such/page")

    def _console(self, message: Any) -> None:
        where = (message.location or {}).get("url", "")
        if message.type == "error" and not (self.missing_page and where == self.url):
            self.problems.append(f"console: {message.text} ({where})")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not (self.missing_page and response.url == self.url):
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, url: str) -> Any:
        self.url, self.problems, self.requests = url, [], []
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.status == (404 if self.missing_page else 200)
        return self.page


@pytest.fixture(scope="module")
def tabs(browser: Any) -> Iterator[Any]:
    """``tabs(width, scheme)`` -> the Tab of that combination (one browser,
    one page per combination, reused across the URLs)."""
    opened: dict[tuple[int, str], Tab] = {}

    def tab(width: int, scheme: str) -> Tab:
        if (width, scheme) not in opened:
            opened[(width, scheme)] = Tab(browser, width, scheme)
        return opened[(width, scheme)]

    yield tab
    for each in opened.values():
        each.context.close()


def axe_violations(page: Any, server: str) -> list[str]:
    """Every axe-core violation, at any impact level. The script is loaded
    from the test server (after the page's own requests are checked), so
    Chromium compiles it once and reuses the code on each page."""
    page.add_script_tag(url=f"{server}{AXE_URL}")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"]
    ]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("page_name", list(PAGES))
@pytest.mark.parametrize("site", ["example", "big"])
def test_page_in_chromium(sites, server, tabs, site, page_name, scheme, width):
    tab = tabs(width, scheme)
    page = tab.open(page_url(server, sites, site, page_name))
    if PAGES[page_name][0] == "public":
        assert page.evaluate("document.scripts.length") == 0, "a public page runs no script"
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "scrolls sideways"
    assert all(r.startswith(server + "/") for r in tab.requests), tab.requests
    assert axe_violations(page, server) == []
    assert tab.problems == []


def _walk_days(page: Any, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """Press Tab through the page; the focus state of each day reached."""
    count = page.evaluate(
        "() => { const days = document.querySelectorAll('.bars li > *');"
        " days.forEach((el, i) => { el.dataset.day = i; }); return days.length; }"
    )
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(
            "() => { const el = document.activeElement;"
            " if (!el || el === document.body) return null;"
            " const style = getComputedStyle(el); const tip = el.querySelector('.sr');"
            " return {day: el.dataset.day === undefined ? null : Number(el.dataset.day),"
            " outline: style.outlineStyle, width: parseFloat(style.outlineWidth),"
            " tip: tip ? tip.getBoundingClientRect().width : 0,"
            " text: tip ? tip.textContent : ''}; }"
        )
        if state is None:
            break
        if state["day"] is not None:
            seen.append(state)
    return count, seen


@pytest.mark.parametrize(
    "site, page_name, width, scheme",
    [("example", "index", 1280, "light"), ("big", "component", 390, "dark")],
)
def test_keyboard_reaches_every_day_of_the_bars(
    sites, server, tabs, site, page_name, width, scheme
):
    tab = tabs(width, scheme)
    count, seen = _walk_days(tab.open(page_url(server, sites, site, page_name)), limit=2000)
    assert count >= 90 and [state["day"] for state in seen] == list(range(count))
    for state in seen:
        assert state["outline"] != "none" and state["width"] >= 2, state  # focus is visible
        assert state["tip"] > 100, state  # the day's text shows on focus
        assert re.match(
            r"\d\d \w{3} \d{4}: (\d+(\.\d+)?% uptime|no data|today so far, [a-z ]+)",
            state["text"],
        ), state
    assert tab.problems == []


def test_days_with_incidents_lead_to_their_entry_in_the_history(sites):
    for root, _ in sites.values():
        public = root / "public"
        for page in (public / "index.html", public / "components/api/index.html"):
            html = page.read_text(encoding="utf-8")
            links = re.findall(r'<li class="u-[a-z_]+"><a href="([^"]+)">', html)
            assert links, page
            for link in set(links):
                target, _, anchor = urljoin(f"/{page.relative_to(public)}", link).partition("#")
                month = (public / target.lstrip("/") / "index.html").read_text(encoding="utf-8")
                assert f'id="{anchor}"' in month, (page, link)


def test_page_weight_of_the_example_index(sites, server, tabs):
    """Index HTML + CSS <= 15 KB gzipped, no JavaScript, at most 3 requests."""
    public = sites["example"][0] / "public"
    html, css = (public / "index.html").read_bytes(), (public / "assets/clarion.css").read_bytes()
    assert len(gzip.compress(html, 9)) + len(gzip.compress(css, 9)) <= 15_000
    for root, _ in sites.values():
        assert not list((root / "public").rglob("*.js"))
        for path in (root / "public").rglob("*.html"):
            assert b"<script" not in path.read_bytes().lower(), path
    tab = tabs(1280, "light")
    tab.open(f"{server}/example/")
    assert len(tab.requests) <= 3, tab.requests
    assert tab.problems == []


def test_every_html_page_of_the_example_is_valid(sites):
    """The Nu HTML checker (vnu.jar from npm, on this machine's Java): zero
    errors on every page, public and private."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.fail(
            f"the Nu HTML checker needs java and {VNU_JAR.relative_to(REPO)}: {INSTALL_HINT}"
        )
    root = sites["example"][0]
    pages = sorted(str(p) for p in root.glob("p*/**/*.html"))
    assert len(pages) > 30
    run = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr)["messages"]
    assert [f"{m.get('url', '')}:{m.get('lastLine')}: {m['message']}" for m in messages] == []
