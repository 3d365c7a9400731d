"""Broken and hostile sources: exit 2 with file:line, never a traceback;
bounded work; no symlink followed; no comment that swallows updates."""

from __future__ import annotations

import os
import time

import pytest
from click.testing import CliRunner

from clarion.cli import main
from tests.conftest import MINIMAL_TOML

HEAD = "---\ntitle: API errors\nseverity: SEV2\ncomponents:\n  api: partial_outage\n---\n"
UPDATE = "## 2026-11-20 14:05 UTC · Investigating\n\nWe are looking into it.\n"
RESOLVED = "\n## 2026-11-20 15:05 UTC · Resolved\n\nFixed.\n"


def build(root, *extra: str):
    return CliRunner().invoke(
        main, ["build", "--source", str(root), "--now", "2026-11-27T12:00:00Z", *extra]
    )


def assert_error_at(result, where: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert f"{where}: error:" in result.output, result.output


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (HEAD.replace("severity: SEV2\n", "severity: SEV2\ndetected: 2026-11-31\n") + UPDATE, 4),
        (
            HEAD.replace("severity: SEV2\n", "severity: SEV2\ndetected: 2026-11-20T25:00:00Z\n")
            + UPDATE,
            4,
        ),
        (HEAD + UPDATE.replace("14:05 UTC", "14:05 +25:00"), 7),
        (HEAD + UPDATE.replace("2026-11-20", "2026-11-31"), 7),
        (HEAD.replace("API errors", "[a, b]") + UPDATE, 2),
        (HEAD.replace("API errors", "yes") + UPDATE, 2),
        (HEAD.replace("API errors", "12") + UPDATE, 2),
        (HEAD + UPDATE.replace("looking", "\x1b[31mlooking\x1b[0m"), 9),
        (HEAD + UPDATE.replace("looking", "look\x0bing"), 9),
        (HEAD + UPDATE.replace("looking", "look\x00ing"), 9),
        (HEAD.replace("API errors", "API\x85errors") + UPDATE, 2),
        ("---\ntitle: x\nseverity: SEV1\nextra: " + "[" * 10_000 + "]" * 10_000 + "\n---\n", 4),
        (
            "---\ntitle: x\nseverity: SEV1\nextra:\n"
            + "".join(" " * i + "- \n" for i in range(200))
            + "---\n",
            36,
        ),
    ],
    ids=[
        "impossible-date",
        "hour-25",
        "offset-25h",
        "impossible-heading-date",
        "list-title",
        "yes-title",
        "number-title",
        "terminal-colours",
        "vertical-tab",
        "nul",
        "c1-control",
        "deep-flow-yaml",
        "deep-block-yaml",
    ],
)
def test_bad_incident_files_are_errors_with_file_and_line(site_factory, text, where):
    root = site_factory({"updates/x.md": text})
    assert_error_at(build(root), f"updates/x.md:{where}")


def test_a_window_with_a_null_start_is_an_error(site_factory):
    text = (
        "---\ntitle: DB upgrade\nkind: maintenance\ncomponents: [api]\n"
        "window:\n  start: null\n  end: 2026-12-01T04:00:00Z\n---\n"
    )
    root = site_factory({"updates/m.md": text})
    assert_error_at(build(root), "updates/m.md:5")


def test_deep_toml_is_an_error_with_its_line(site_factory):
    toml = MINIMAL_TOML + "\n[rules.overrides]\ndeep = " + "[" * 10_000 + "]" * 10_000 + "\n"
    root = site_factory({"updates/x.md": HEAD + UPDATE}, toml=toml)
    line = toml.count("\n")
    assert_error_at(build(root), f"site_src/site.toml:{line}")


def test_control_characters_in_site_toml_and_notices(site_factory):
    toml = MINIMAL_TOML.replace('title = "', 'title = "\x1b[1m', 1)
    root = site_factory({"updates/x.md": HEAD + UPDATE}, toml=toml)
    line = toml[: toml.index("\x1b")].count("\n") + 1
    assert_error_at(build(root), f"site_src/site.toml:{line}")
    notice = "---\nto: [customers]\nsubject: Hello\n---\nHi\x07 there\n"
    root = site_factory(
        {"updates/x.md": HEAD + UPDATE, "comms/x/ack.md": notice}, name="with-notice"
    )
    assert_error_at(build(root), "comms/x/ack.md:5")


def test_a_yaml_alias_bomb_is_refused_quickly(site_factory):
    lines = ["---", "title: x", "severity: SEV1", "a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        prev, name = f"l{level - 1}" if level > 1 else "a", f"l{level}"
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    root = site_factory({"updates/x.md": "\n".join(lines) + "\n---\n" + UPDATE})
    started = time.process_time()
    result = build(root)
    assert time.process_time() - started < 5  # was 15 s and 740 MiB one level less deep
    assert_error_at(result, "updates/x.md:8")
    assert "aliases expand" in result.output


# -- links --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link", ["updates/secret.md", "site_src/static/notes.txt", "site_src/pages/about.md"]
)
def test_a_symlinked_source_is_refused(site_factory, tmp_path, link):
    secret = tmp_path / "outside.txt"
    secret.write_text("---\ntitle: secret\nseverity: SEV1\n---\n" + UPDATE + "TOP SECRET\n")
    root = site_factory({"updates/x.md": HEAD + UPDATE})
    (root / link).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, root / link)
    result = build(root)
    assert_error_at(result, link)
    assert "symbolic link" in result.output
    assert not (root / "public").exists()


def test_a_symlinked_folder_of_sources_is_refused(site_factory, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "y.md").write_text(HEAD + UPDATE)
    root = site_factory({"updates/x.md": HEAD + UPDATE})
    os.symlink(outside, root / "updates/more")
    assert_error_at(build(root), "updates/more")


# -- comments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "comment", ["<!-- draft, never closed", "<!-- closed the wrong way --!> <!--", "<!--> <!--"]
)
def test_a_broken_comment_never_hides_later_updates(site_factory, comment):
    text = HEAD + UPDATE + comment + "\n" + RESOLVED
    root = site_factory({"updates/x.md": text})
    result = build(root)
    assert_error_at(result, "updates/x.md:10")
    assert "comment" in result.output


@pytest.mark.parametrize("comment", ["<!-- fine -->", "<!--> empty", "<!---> empty", "a --!> b"])
def test_closed_comments_are_removed(site_factory, comment):
    text = HEAD + UPDATE + comment.replace("a --!> b", "<!-- a --!> b") + "\n" + RESOLVED
    root = site_factory({"updates/x.md": text})
    result = build(root)
    assert result.exit_code == 0, result.output
    page = (root / "public/incidents/x/index.html").read_text()
    assert "Resolved" in page and "fine" not in page


def test_an_unclosed_comment_in_a_notice_is_an_error(site_factory):
    notice = "---\nto: [customers]\nsubject: Hello\n---\nHello,\n<!-- internal: never closed\nBye\n"
    root = site_factory({"updates/x.md": HEAD + UPDATE, "comms/x/ack.md": notice})
    assert_error_at(build(root), "comms/x/ack.md:6")


def test_an_impossible_date_does_not_hide_the_other_problems_of_its_file(site_factory):
    """Every problem in one run: the impossible date is reported at its line
    and so is the unknown severity beside it."""
    text = HEAD.replace("severity: SEV2\n", "severity: SEV9\ndetected: 2026-11-31T10:00:00Z\n")
    result = build(site_factory({"updates/x.md": text + UPDATE}))
    assert_error_at(result, "updates/x.md:4")  # detected
    assert "updates/x.md:3: error: severity: got 'SEV9'" in result.output
    assert "day is out of range" in result.output
