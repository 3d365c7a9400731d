"""Bounded work for notice and email templates.

Templates are written by people and run on every build, so a mistake (or a
hostile pull request) must not hang or exhaust a build. On top of Jinja's
sandbox, every render has a budget:

* **loop iterations**: at most :data:`MAX_ITERATIONS` over all loops of one
  render (every ``{% for %}`` is counted as it runs);
* **calls** (macros, methods) nest at most :data:`MAX_CALL_DEPTH` deep;
* **size**: no text or list made by ``*``, ``+``, ``~``, ``%``, a filter or
  a method grows beyond :data:`MAX_OUTPUT` characters, and neither does the
  output; number arguments are at most that large (``center(10**9)``) and
  powers stay small.

A limit hit raises :class:`TemplateLimit`, which the caller reports as a
content error naming the template line.
"""

from __future__ import annotations

import contextvars
import functools
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
import jinja2.sandbox
from jinja2 import nodes
from jinja2.visitor import NodeTransformer

MAX_ITERATIONS = 100_000
MAX_CALL_DEPTH = 50
MAX_OUTPUT = 1_000_000
_MAX_POWER_BITS = 4096
_BIG_NUMBER_RE = re.compile(r"\d{7,}")  # a width of a million or more in a format string
_BUDGET_FILTER = "_clarion_loop_budget"
_SIZE_FILTER = "_clarion_size_limit"


class TemplateLimit(jinja2.TemplateRuntimeError):
    """A template went beyond a limit of :mod:`clarion.render.template_limits`.
    ``lineno`` and ``filename`` are set when the limit is found outside the
    template's own code (the output size)."""

    lineno: int | None = None
    filename: str | None = None


@dataclass
class _Budget:
    iterations: int = MAX_ITERATIONS
    depth: int = 0


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "clarion_template_budget", default=None
)


def _budget() -> _Budget:
    budget = _BUDGET.get()
    if budget is None:
        budget = _Budget()
        _BUDGET.set(budget)
    return budget


def _checked_size(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, bytes)) and len(value) > MAX_OUTPUT:
        raise TemplateLimit(f"a value of more than {MAX_OUTPUT:,} characters or items")
    return value


def _check_arguments(args: Iterable[Any]) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_OUTPUT:
            raise TemplateLimit(f"a number argument larger than {MAX_OUTPUT:,}")
        if isinstance(arg, str) and ("%" in arg or "{" in arg) and _BIG_NUMBER_RE.search(arg):
            raise TemplateLimit(f"a format with a width of more than {MAX_OUTPUT:,}")


def _counted(values: Iterable[Any]) -> Iterator[Any]:
    budget = _budget()
    for value in values:
        budget.iterations -= 1
        if budget.iterations < 0:
            raise TemplateLimit(f"more than {MAX_ITERATIONS:,} loop iterations")
        yield value


def _size_limited(filter_func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(filter_func)
    def limited(*args: Any, **kwargs: Any) -> Any:
        _check_arguments((*args, *kwargs.values()))
        return _checked_size(filter_func(*args, **kwargs))

    return limited


class _Instrument(NodeTransformer):
    """Count every loop's iterations and check the size of every ``~``."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)  # type: ignore[assignment]
        node.iter = nodes.Filter(node.iter, _BUDGET_FILTER, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)  # type: ignore[assignment]
        return nodes.Filter(node, _SIZE_FILTER, [], [], None, None, lineno=node.lineno)


def _power(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and right > 0:
        if max(1, abs(left).bit_length()) * right > _MAX_POWER_BITS:
            raise TemplateLimit("a power too large to compute")
    return operator.pow(left, right)


def _multiply(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
            if len(seq) * count > MAX_OUTPUT:
                raise TemplateLimit(f"a value of more than {MAX_OUTPUT:,} characters or items")
    return operator.mul(left, right)


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        _check_arguments([left])
    return _checked_size(operator.mod(left, right))


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        if len(left) + len(right) > MAX_OUTPUT:
            raise TemplateLimit(f"a value of more than {MAX_OUTPUT:,} characters or items")
    return operator.add(left, right)


class LimitedSandbox(jinja2.sandbox.SandboxedEnvironment):
    """Jinja's sandbox with the limits of this module."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    _limited_binops = {"*": _multiply, "**": _power, "%": _modulo, "+": _add}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters = {name: _size_limited(f) for name, f in self.filters.items()}
        self.filters[_BUDGET_FILTER] = _counted
        self.filters[_SIZE_FILTER] = _checked_size

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return self._limited_binops[operator](left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = _budget()
        if budget.depth >= MAX_CALL_DEPTH:
            raise TemplateLimit(f"calls nested more than {MAX_CALL_DEPTH} deep (recursion?)")
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        _check_arguments((*args, *kwargs.values(), *([owner] if isinstance(owner, str) else [])))
        budget.depth += 1
        try:
            return _checked_size(super().call(__context, __obj, *args, **kwargs))
        finally:
            budget.depth -= 1

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        return _Instrument().visit(tree)  # type: ignore[no-any-return]


def render_limited(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render ``template`` with a fresh budget and a bounded output."""
    token = _BUDGET.set(_Budget())
    try:
        chunks: list[str] = []
        size = 0
        generator = template.root_render_func(template.new_context(context))
        for chunk in generator:
            size += len(chunk)
            if size > MAX_OUTPUT:
                limit = TemplateLimit(f"output of more than {MAX_OUTPUT:,} characters")
                frame = generator.gi_frame  # type: ignore[attr-defined]
                if frame is not None:
                    limit.lineno = template.get_corresponding_lineno(frame.f_lineno)
                    limit.filename = template.filename
                raise limit
            chunks.append(chunk)
        return "".join(chunks)
    except Exception:
        # the errors Jinja's own render() would rewrite to point at template lines
        template.environment.handle_exception()
    finally:
        _BUDGET.reset(token)
