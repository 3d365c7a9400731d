"""Untrusted text stays inert in every output format.

Every payload of ``tests/payloads/markup.txt`` goes into every text field of
a site; each output is then read the way its consumers read it: HTML pages
and email HTML as a browser parses them, RSS descriptions and titles as feed
readers do (as HTML, after XML decoding), Atom ``type="html"`` fields as
HTML, JSON Feed ``content_html`` as HTML, the API JSON, the calendar and the
SVG badges as data. Nothing may come out as live markup.
"""

from __future__ import annotations

import email
import email.policy
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest

from clarion.build import build
from clarion.config import load_config
from tests.conftest import MINIMAL_TOML, NOW

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "payloads/markup.txt").read_text().splitlines()
    if line and not line.startswith("#")
]
MARK = "clarion-xss"
ALWAYS_LIVE = {"script", "iframe", "object", "embed", "base", "form", "frame", "meta", "link"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class LiveMarkup(HTMLParser):
    """Collects what a browser would run or load from a document."""

    def __init__(self, allowed: set[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed = allowed  # tags the template itself uses (<link>, <meta> in <head>)
        self.problems: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ALWAYS_LIVE and tag not in self.allowed:
            self.problems.append(f"<{tag}> {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value and value.strip().lower().startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[self.open.index(tag) :]

    def handle_data(self, data: str) -> None:
        if MARK in data and self.open and self.open[-1] in ("style", "script"):
            self.problems.append(f"in <{self.open[-1]}>: {data[:80]!r}")


def live(html: str, allowed: set[str] = frozenset()) -> list[str]:
    parser = LiveMarkup(allowed)
    parser.feed(html)
    parser.close()
    return parser.problems


def toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("payloads") / "site"
    toml = (
        MINIMAL_TOML.replace('title = "Test Status"', f"title = {toml_string(PAYLOADS[0])}")
        .replace('name = "API"', f"name = {toml_string(PAYLOADS[1])}")
        .replace('name = "Core"', f"name = {toml_string(PAYLOADS[2])}")
        .replace('name = "Website"', f"name = {toml_string(PAYLOADS[3])}")
        .replace("[site]\n", f"[site]\ndescription = {toml_string(PAYLOADS[4])}\n")
    )
    files: dict[str, str] = {"site_src/site.toml": toml}
    for index, payload in enumerate(PAYLOADS):
        slug = f"2026-11-{10 + index % 15:02d}-payload-{index}"
        quoted = json.dumps(payload)
        resolved = "" if index % 2 else f"\n## 2026-11-26 10:00 UTC · Resolved\n\nFixed {payload}\n"
        files[f"updates/{slug}.md"] = (
            f"---\ntitle: {quoted}\nseverity: SEV2\ncomponents:\n  api: partial_outage\n"
            f"  web: major_outage\n---\n{payload}\n\n"
            f"## 2026-11-25 10:00 UTC · Investigating\n\n{payload}\n\n- {payload}\n{resolved}"
        )
        files[f"comms/{slug}/note.md"] = (
            f"---\nto: [customers]\nsubject: {quoted}\n---\nHello,\n\n{payload}\n\n"
            "{{ incident.title }} {{ incident.latest_update.text }}\n"
        )
    files["updates/2026-12-01-maintenance.md"] = (
        f"---\ntitle: {json.dumps(PAYLOADS[5])}\nkind: maintenance\ncomponents: [api]\n"
        "window: {start: 2026-12-01T02:00:00Z, end: 2026-12-01T04:00:00Z}\n---\n\n"
        f"## 2026-11-20 10:00 UTC · Scheduled\n\n{PAYLOADS[6]}\n"
    )
    files["site_src/pages/about.md"] = (
        f"---\ntitle: {json.dumps(PAYLOADS[7])}\n---\n" + "\n\n".join(PAYLOADS) + "\n"
    )
    for relpath, text in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text, encoding="utf-8")
    result = build(load_config(root), now=NOW)
    return result.public_dir, result.private_dir


def files(folder: Path, suffix: str) -> list[Path]:
    found = sorted(p for p in folder.rglob(f"*{suffix}") if p.is_file())
    assert found, f"no {suffix} file in {folder}"
    return found


def test_the_payloads_reach_every_output(built):
    public, private = built
    index = (public / "index.html").read_text()
    assert MARK in index  # the text is there, shown as text


def test_html_pages(built):
    public, private = built
    for path in files(public, ".html") + files(private, ".html"):
        assert live(path.read_text(), allowed={"link", "meta"}) == [], path


def test_rss(built):
    public, _ = built
    for path in files(public, "feed.xml"):
        for element in ET.parse(path).iter():
            if element.tag in ("title", "description") or element.tag.endswith("}encoded"):
                assert live(element.text or "") == [], (path, element.tag, element.text)


def test_atom(built):
    public, _ = built
    for path in files(public, "atom.xml"):
        for element in ET.parse(path).iter():
            kind = element.get("type")
            if kind == "html":
                assert live(element.text or "") == [], (path, element.tag)
            elif kind == "xhtml":
                assert live(ET.tostring(element, encoding="unicode")) == [], (path, element.tag)


def test_json_feed(built):
    public, _ = built
    for path in files(public, "feed.json"):
        feed = json.loads(path.read_text())
        for item in feed["items"]:
            assert live(item["content_html"]) == [], (path, item["id"])
            # title and summary are plain text (JSON Feed 1.1): shown as written


def test_api_json_keeps_text_as_text(built):
    public, _ = built
    titles = set(PAYLOADS)
    names = set()
    for path in files(public / "api", ".json"):
        data = json.loads(path.read_text())
        for incident in data.get("incidents", []) + data.get("scheduled_maintenances", []):
            names.add(incident["name"])
    assert names and names <= titles  # exactly the source text, neither escaped nor cleaned


def test_email(built):
    _, private = built
    for path in files(private / "comms", ".eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert "\n" not in str(message["Subject"])
        for part in message.walk():
            if part.get_content_type() == "text/html":
                assert live(part.get_content(), allowed={"meta"}) == [], path


def test_calendar(built):
    public, _ = built
    calendar = icalendar.Calendar.from_ical((public / "maintenance.ics").read_bytes())
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert [str(e["SUMMARY"]) for e in events] == [PAYLOADS[5]]


def test_svg_badges(built):
    public, _ = built
    for path in files(public, ".svg"):
        for element in ET.parse(path).iter():
            tag = element.tag.rsplit("}", 1)[-1]
            assert tag not in ("script", "foreignObject", "iframe"), path
            for name, value in element.attrib.items():
                name = name.rsplit("}", 1)[-1]
                assert not name.startswith("on"), (path, name)
                assert not value.strip().lower().startswith(BAD_SCHEMES), (path, name)
