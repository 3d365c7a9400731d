"""Split a Markdown file into YAML front matter and body, keeping line numbers."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import yaml

from ..errors import ErrorCollector, SourceLocation
from .guards import decode_source, nesting_problem

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The most nodes front matter may expand to once aliases (``*name``) are
#: followed: far more than any real front matter, far less than an alias bomb.
MAX_EXPANDED_NODES = 10_000


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with impossible dates kept as the text written."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    """A date or time, or, when it names none (``2026-11-31``, hour 25), its
    text: the field that reads it says what is wrong, at its line, while the
    rest of the file is still checked in the same run."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except (ValueError, OverflowError):
        return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int | None, hint: str | None = None):
        super().__init__(message)
        self.line = line
        self.hint = hint


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """Parsed front matter.

    ``lines`` maps dotted key paths (``components.api``, ``breach.aware``) to the
    1-based line of the key in the file; ``body_line`` is the line on which the
    body starts.
    """

    data: dict[str, object]
    lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1


def parse_yaml_with_lines(text: str, first_line: int = 1) -> tuple[object, dict[str, int]]:
    """Parse YAML once, returning the data and a map of dotted key -> line.

    Nesting deeper than :data:`~.guards.MAX_DEPTH` is refused before parsing,
    aliases that expand to more than :data:`MAX_EXPANDED_NODES` nodes before
    the data is built.
    """
    deep = nesting_problem(text, indentation=True)
    if deep is not None:
        raise FrontMatterError(
            f"invalid YAML: {deep.message}", first_line + deep.line - 1, deep.hint
        )
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and "*" in text:  # (an alias is written ``*name``)
            _check_expansion(node, first_line)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and (mark is None or mark.line >= text.count("\n")):
            mark = exc.context_mark  # the problem is at the end: point at what was left open
        line = first_line + mark.line if mark else None
        raise FrontMatterError(
            f"invalid YAML: {exc.problem or exc}", line, "check indentation, colons and quotes"
        ) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"invalid YAML: {exc}", None) from None
    except RecursionError:
        raise FrontMatterError("invalid YAML: nested too deeply", first_line, None) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if node is not None:
        _collect_lines(node, "", first_line, lines, set())
    return data, lines


def _check_expansion(root: yaml.Node, first_line: int) -> None:
    """Refuse aliases that would expand the data beyond :data:`MAX_EXPANDED_NODES`."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        if total > MAX_EXPANDED_NODES:
            raise FrontMatterError(
                f"invalid YAML: aliases expand to more than {MAX_EXPANDED_NODES:,} values",
                first_line + node.start_mark.line,
                "write the values out instead of repeating anchors (&name) with aliases (*name)",
            )
        sizes[id(node)] = total
        return total

    size(root)


def _collect_lines(
    node: yaml.Node, prefix: str, first_line: int, lines: dict[str, int], seen: set[int]
) -> None:
    """Lines of keys; a node reached again through an alias is not walked again."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            # (interned: every incident file has the same keys)
            key = sys.intern(f"{prefix}{key_node.value}")
            lines[key] = first_line + key_node.start_mark.line
            _collect_lines(value_node, key + ".", first_line, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = f"{prefix}{index}"
            lines[key] = first_line + item.start_mark.line
            _collect_lines(item, key + ".", first_line, lines, seen)


def read_front_matter(raw: bytes, relpath: str, errors: ErrorCollector) -> FrontMatter | None:
    """A source file's front matter and body, or ``None`` after reporting why
    it cannot be read (not UTF-8, a control character, invalid YAML)."""
    text = decode_source(raw, relpath, errors)
    if text is None:
        return None
    try:
        return split_front_matter(text)
    except FrontMatterError as exc:
        errors.error(SourceLocation(relpath, exc.line), str(exc), hint=exc.hint)
        return None


def split_front_matter(text: str) -> FrontMatter:
    """Split ``---``-fenced YAML from the Markdown body.

    A file must start with ``---``; the front matter must be a mapping.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if not (text.startswith("---\n") or text.startswith("---\r\n")):
        raise FrontMatterError(
            "the file does not start with front matter",
            1,
            "start the file with a line '---', then 'title: ...', then a closing '---'",
        )
    end = text.find("\n---", 3)
    while end != -1 and text[end + 4 : end + 5] not in ("\n", "\r", ""):
        end = text.find("\n---", end + 4)
    if end == -1:
        raise FrontMatterError(
            "the front matter is not closed", 1, "add a line '---' after the front matter"
        )
    yaml_text = text[4 : end + 1]
    data, lines = parse_yaml_with_lines(yaml_text, first_line=2)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            "the front matter must be a mapping of keys to values", 2, "write 'key: value' lines"
        )
    newline = text.find("\n", end + 4)
    body = "" if newline == -1 else text[newline + 1 :]
    body_line = yaml_text.count("\n") + 3
    return FrontMatter(data=data, lines=lines, body=body, body_line=body_line)
