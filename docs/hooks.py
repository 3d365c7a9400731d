"""MkDocs hooks of Clarion's documentation: the parts that must not drift.

A page names what it wants with an HTML comment on a line of its own:

``<!-- clarion:commands -->``
    every command of the ``clarion`` CLI, rendered from the click group: usage,
    help text and options, exactly what ``clarion COMMAND --help`` says.
``<!-- clarion:rules -->``
    every rule of the shipped rulebook with its clock, deadline, calendar,
    conditions and sources, from the rule data.
``<!-- readme: ## Section title -->``
    the body of the README section with that heading, its sub-headings moved
    to sit below the given level (``##`` here), so the README stays the one
    copy of that text.

An unknown directive or README section fails the build, so the docs cannot
silently lose a part. ``mkdocs serve`` also watches README.md.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import click
from mkdocs.exceptions import PluginError

from clarion.cli import main as clarion_cli
from clarion.render.rulebook_markdown import (  # noqa: F401 (linked: read by the tests)
    anchor,
    escape,
    linked,
    render_rules_markdown,
)
from clarion.rules import default_rulebook

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

_DIRECTIVE = re.compile(r"^<!--\s*(clarion:[a-z-]+|readme:\s*(#{1,6})\s+(.+?))\s*-->[ \t]*$", re.M)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    depth = page.file.src_uri.count("/")

    def expand(match: re.Match[str]) -> str:
        name = match[1]
        if name == "clarion:commands":
            return render_commands(clarion_cli)
        if name == "clarion:rules":
            return render_rules_markdown(default_rulebook())
        if match[2]:
            return readme_section(match[3], len(match[2]), depth)
        raise PluginError(f"{page.file.src_uri}: unknown directive <!-- {name} -->")

    return _DIRECTIVE.sub(expand, markdown)


def on_serve(server: Any, *, config: Any, builder: Any) -> Any:
    server.watch(str(README))
    return server


# -- text ---------------------------------------------------------------------------


# escape, linked and anchor: clarion.render.rulebook_markdown, one copy for the
# rulebook page and the command reference.


# -- the CLI --------------------------------------------------------------------------


def context(
    command: click.Command, name: str, parent: click.Context | None = None
) -> click.Context:
    """The context click gives a command when it runs (with its settings,
    such as ``-h`` for help, inherited by sub-commands)."""
    return click.Context(command, parent=parent, info_name=name, **command.context_settings)


def walk(command: click.Command, ctx: click.Context) -> list[tuple[click.Command, click.Context]]:
    """The command and all its sub-commands, depth first, in the CLI's order."""
    found = [(command, ctx)]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found += walk(sub, context(sub, name, ctx))
    return found


def render_commands(group: click.Group) -> str:
    commands = walk(group, context(group, "clarion"))
    lines = ["| command | what it does |", "|---|---|"]
    for command, ctx in commands[1:]:
        path = ctx.command_path
        lines.append(
            f"| [`{path}`](#{anchor(path)}) | "
            f"{escape(command.get_short_help_str(200), table=True)} |"
        )
    lines.append("")
    for command, ctx in commands:
        lines += render_command(command, ctx)
    return "\n".join(lines)


def render_command(command: click.Command, ctx: click.Context) -> list[str]:
    path = ctx.command_path
    usage = " ".join([path, *command.collect_usage_pieces(ctx)])
    lines = [f"## {path}", "", "```text", usage, "```", ""]
    lines += help_paragraphs(inspect.cleandoc(command.help or ""))
    if isinstance(command, click.Group):
        lines += ["**Commands**", ""]
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                sub_path = f"{path} {name}"
                lines.append(
                    f"- [`{sub_path}`](#{anchor(sub_path)}): "
                    f"{escape(sub.get_short_help_str(200))}"
                )
        lines.append("")
    records = [r for p in command.get_params(ctx) if (r := p.get_help_record(ctx)) is not None]
    if records:
        lines += ["| option | meaning |", "|---|---|"]
        for names, text in records:
            lines.append(f"| `{names}` | {escape(text, table=True)} |")
        lines.append("")
    return lines


def help_paragraphs(text: str) -> list[str]:
    """Click's help text: ``\\b`` blocks keep their lines (a code block),
    other paragraphs are re-wrapped text, as ``--help`` shows them."""
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        if not paragraph.strip():
            continue
        if paragraph.startswith("\b"):
            body = paragraph.split("\n", 1)[1] if "\n" in paragraph else ""
            lines += ["```text", textwrap.dedent(body).strip("\n"), "```", ""]
        else:
            lines += [escape(" ".join(paragraph.split())), ""]
    return lines


# -- README sections ------------------------------------------------------------------


def readme_section(title: str, level: int, depth: int) -> str:
    """The body of README's section ``title``, its headings moved so that the
    section sits at ``level``; links into docs/ made relative to the page."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = own_level = None
    fenced = False
    body: list[str] = []
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if start is None:
            if heading and heading[2] == title:
                start, own_level = True, len(heading[1])
            continue
        assert own_level is not None
        if heading and len(heading[1]) <= own_level:
            break
        if heading:
            line = "#" * (len(heading[1]) - own_level + level) + " " + heading[2]
        elif line.startswith("|"):
            # GitHub needs "\|" even inside a code span in a table; Python-Markdown shows it.
            line = re.sub(r"`[^`]*`", lambda code: code[0].replace("\\|", "|"), line)
        body.append(line)
    if start is None:
        raise PluginError(f"README.md has no section {title!r} (a docs page includes it)")
    text = "\n".join(body).strip("\n") + "\n"
    return re.sub(r"\]\(docs/", "](" + "../" * depth, text)
