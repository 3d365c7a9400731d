"""Clarion's documentation: `mkdocs build --strict` passes, and the generated
references name every CLI command, option and rule, so they cannot drift."""

from __future__ import annotations

import html
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest

from clarion.cli import main as clarion_cli
from clarion.rules import default_rulebook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("docs") / "site"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(site),
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="module")
def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("clarion_docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def all_commands() -> list[tuple[click.Command, click.Context]]:
    found = []

    def walk(command: click.Command, ctx: click.Context) -> None:
        found.append((command, ctx))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                if not sub.hidden:
                    walk(
                        sub, click.Context(sub, parent=ctx, info_name=name, **sub.context_settings)
                    )

    walk(
        clarion_cli, click.Context(clarion_cli, info_name="clarion", **clarion_cli.context_settings)
    )
    return found


def test_every_command_and_option_is_in_the_reference(docs_site: Path) -> None:
    page = (docs_site / "commands" / "index.html").read_text()
    commands = all_commands()
    assert len(commands) > 10
    for command, ctx in commands:
        path = ctx.command_path
        anchor = path.replace(" ", "-")
        assert f'<h2 id="{anchor}">{path}' in page, f"{path} is missing from the command reference"
        usage = " ".join([path, *command.collect_usage_pieces(ctx)])
        assert html.escape(usage, quote=True) in page or html.escape(usage, quote=False) in page, (
            usage
        )
        for param in command.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                assert f"<code>{html.escape(record[0], quote=False)}</code>" in page, (
                    path,
                    record[0],
                )
        first_line = (command.help or "").strip().split("\n")[0]
        if first_line:
            assert html.escape(first_line, quote=False) in page, (path, first_line)


def test_every_rule_is_in_the_rulebook_page_with_its_source(docs_site: Path) -> None:
    page = (docs_site / "rulebook" / "index.html").read_text()
    book = default_rulebook()
    assert len(book) > 50
    for rule in book:
        assert f'<h3 id="{rule.id}">{rule.id}' in page, (
            f"{rule.id} is missing from the rulebook page"
        )
        assert f'href="#{rule.id}"' in page, rule.id  # and in the summary table
        assert html.escape(rule.title, quote=False) in page, rule.id
        url = next(
            (word.strip("();,") for word in rule.source.split() if word.startswith("http")), None
        )
        if url is not None:
            assert f'href="{html.escape(url)}' in page, (rule.id, url)
        if rule.primary is not None:  # the law's own text, linked, with its verification
            assert f'href="{html.escape(rule.primary.url)}' in page, rule.id
    assert "verified" in page and "eur-lex.europa.eu" in page


def test_readme_sections_are_included(docs_site: Path) -> None:
    formats = (docs_site / "file-formats" / "index.html").read_text()
    assert "Unknown keys are errors" in formats
    assert 'id="site_srcsitetoml"' in formats  # README's ### heading, now a ## of the page
    start = (docs_site / "getting-started" / "index.html").read_text()
    assert 'src="../screenshot.png"' in start and (docs_site / "screenshot.png").is_file()
    assert "clarion init my-status" in start
    for page in ("writing-updates", "deadlines", "api", "architecture", "theming"):
        assert (docs_site / page / "index.html").is_file(), page
    for page in ("api", "getting-started"):
        assert "<!-- readme" not in (docs_site / page / "index.html").read_text()


def test_the_example_status_page_is_built_with_the_plugin(docs_site: Path) -> None:
    index = (docs_site / "example" / "index.html").read_text()
    assert '<div class="clarion">' in index and "Demo data." in index
    assert (docs_site / "example" / "feed.xml").is_file()
    assert (docs_site / "example" / "api" / "v2" / "summary.json").is_file()
    names = {p.name for p in docs_site.rglob("*") if p.is_file()}
    assert not names & {"deadlines.html", "deadlines.json", "deadlines.ics"}
    assert not [n for n in names if n.endswith(".eml")]


def test_markdown_escaping_keeps_help_text_literal(hooks: ModuleType) -> None:
    assert (
        hooks.escape("comms/<slug>/*.md and updates/*.md")
        == r"comms/&lt;slug&gt;/\*.md and updates/\*.md"
    )
    assert hooks.escape("a | b", table=True) == r"a \| b"
    assert hooks.linked("see https://example.org/x_y.") == r"see <https://example.org/x_y>."


def test_a_missing_readme_section_fails_the_build(hooks: ModuleType) -> None:
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="README.md has no section 'No such section'"):
        hooks.readme_section("No such section", 2, 0)
    body = hooks.readme_section("Two commands", 1, 1)
    assert body.startswith("Install Clarion and build the example site")
    assert "](../docs/" not in body
