"""Settings tables declared as options, in the style of MkDocs' ``config_options``.

A TOML table is a :class:`Section` subclass with one :class:`Option` per key,
each holding its default, its check and what a wrong value is told::

    class Feeds(Section):
        entries = Whole(50, minimum=1, expected="a whole number of at least 1")

``Feeds.read(table, "feeds", reading)`` reports every unknown key (with a "did
you mean" hint) and every wrong value at its line, in one run, and returns a
``Feeds`` whose ``entries`` is a checked ``int`` (the default where the key is
missing or wrong). :mod:`clarion.config.schema` declares ``site.toml`` this way,
:mod:`clarion.rules.settings` the ``[rules.overrides.<id>]`` tables.

This module holds the generic options; an option that needs a parser of its own
(a duration, a time) is declared beside the schema that uses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Self, TypeVar, cast, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ErrorCollector, SourceLocation, did_you_mean

T = TypeVar("T")


class Invalid(ValueError):
    """A value an option refuses: what is wrong with it, what was expected, a hint."""

    def __init__(self, problem: str, *, expected: str | None = None, hint: str | None = None):
        super().__init__(problem)
        self.problem = problem
        self.expected = expected
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Reading:
    """Where a file's problems go while its tables are read: ``locate`` turns a
    dotted key (``"site.timezone"``) into its file and line."""

    locate: Callable[[str], SourceLocation]
    errors: ErrorCollector

    def report(self, where: str, exc: Invalid) -> None:
        """``exc`` as an error at the key ``where``, its message led by the key."""
        self.errors.error(
            self.locate(where), f"{where}: {exc.problem}", expected=exc.expected, hint=exc.hint
        )

    def not_a_table(self, where: str, expected: str | None = None) -> None:
        """The key ``where`` holds a value where a table belongs."""
        self.errors.error(
            self.locate(where), f"'{where}' must be a table", expected=expected or f"[{where}]"
        )


def dotted(where: str, key: str) -> str:
    """The key ``key`` of the table ``where`` (``""`` is the file itself)."""
    return f"{where}.{key}" if where else key


class Option(Generic[T]):
    """One key of a table: its default, its check (:meth:`convert`) and what it
    expects. As a class attribute of a :class:`Section` it reads as the checked
    value on the section's instances."""

    #: what a right value looks like, for the error message
    expected: str = ""

    def __init__(
        self,
        default: T,
        *,
        expected: str | None = None,
        key: str | None = None,
        required: str | None = None,
    ) -> None:
        self.default = default
        if expected is not None:
            self.expected = expected
        self.key = key or ""  # the TOML key, when it is no Python name ("from")
        #: an example line, for a key the table must have
        self.required = required

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = self.key or name

    @overload
    def __get__(self, section: None, owner: type) -> Self: ...
    @overload
    def __get__(self, section: Section, owner: type) -> T: ...
    def __get__(self, section: Section | None, owner: type) -> Self | T:
        if section is None:
            return self
        return cast(T, section.values[self.key])

    def convert(self, value: object) -> T:
        """The checked value; raise :class:`Invalid` when it is wrong."""
        raise NotImplementedError

    def got(self, value: object, hint: str | None = None) -> Invalid:
        """The usual refusal: "got <value>", with what this option expects."""
        return Invalid(f"got {value!r}", expected=self.expected, hint=hint)

    def read(self, value: object, where: str, reading: Reading) -> T:
        """``value`` checked; a wrong one is reported at ``where`` and gives the default."""
        try:
            return self.convert(value)
        except Invalid as exc:
            reading.report(where, exc)
            return self.default

    def declared(self, name: str) -> Iterator[str]:
        """The dotted keys this option declares under ``name`` (for the docs' check)."""
        yield name

    def missing(self, table: str, reading: Reading) -> T:
        """The value of a key left out of the table ``table``."""
        if self.required is not None:
            reading.errors.error(
                reading.locate(table), f"[{table}] has no {self.key}", expected=self.required
            )
        return self.default


class Section:
    """A TOML table declared as options: subclass with one :class:`Option` per key,
    in the order the keys are documented (their errors come in that order). An
    option may not be named ``values``, ``present`` or after a method here."""

    options: ClassVar[dict[str, Option[Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.options = {o.key: o for o in vars(cls).values() if isinstance(o, Option)}

    def __init__(self, values: Mapping[str, object], present: Iterable[str] = ()) -> None:
        self.values = dict(values)
        self.present = tuple(present)  # the keys the file sets, in its order

    def is_set(self, key: str) -> bool:
        return key in self.present

    @classmethod
    def defaults(cls) -> Self:
        return cls({key: option.default for key, option in cls.options.items()})

    @classmethod
    def read(
        cls, table: Mapping[str, object], where: str, reading: Reading, *, label: str = ""
    ) -> Self:
        """Every key of ``table`` checked against the declaration; ``where`` is the
        table's dotted name (``"metrics.targets"``), ``label`` how messages name
        it (default ``[where]``)."""
        report_unknown_keys(table, cls.options, label or f"[{where}]", where, reading)
        values: dict[str, object] = {}
        for key, option in cls.options.items():
            if key in table:
                values[key] = option.read(table[key], dotted(where, key), reading)
            else:
                values[key] = option.missing(where, reading)
        section = cls(values, tuple(k for k in table if k in cls.options))
        section.check(where, reading)
        return section

    def check(self, where: str, reading: Reading) -> None:
        """Checks across this table's keys, after each key's own; none by default."""

    @classmethod
    def declared_keys(cls, prefix: str = "") -> Iterator[str]:
        """Every key declared, dotted (``metrics.targets.mtta``); ``<id>`` stands
        for the name of a table of :class:`TablesOf` or a key of :class:`MappingOf`."""
        for key, option in cls.options.items():
            yield from option.declared(dotted(prefix, key))


def report_unknown_keys(
    table: Mapping[str, object], known: Iterable[str], label: str, where: str, reading: Reading
) -> None:
    """Each key of ``table`` not in ``known``, with a "did you mean" hint."""
    allowed = tuple(known)
    for key in table:
        if key not in allowed:
            reading.errors.error(
                reading.locate(dotted(where, key)),
                f"unknown key '{key}' in {label}",
                expected="one of: " + ", ".join(allowed),
                hint=did_you_mean(key, allowed) or f"remove '{key}' or check its spelling",
            )


# --- the options --------------------------------------------------------------------


class Flag(Option[bool]):
    """``true`` or ``false``."""

    expected = "true or false"

    def convert(self, value: object) -> bool:
        if not isinstance(value, bool):
            raise self.got(value)
        return value


class Text(Option[T]):
    """A string (the default may be ``None``)."""

    expected = "text"

    def convert(self, value: object) -> T:
        if not isinstance(value, str):
            raise self.got(value)
        return cast(T, value)


class Whole(Option[int]):
    """A whole number from ``minimum`` (to ``maximum``)."""

    def __init__(
        self, default: int, *, minimum: int, maximum: int | None = None, expected: str
    ) -> None:
        super().__init__(default, expected=expected)
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < self.minimum:
            raise self.got(value)
        if self.maximum is not None and value > self.maximum:
            raise self.got(value)
        return value


class Choice(Option[str]):
    """One of a few words; a misspelling gets a "did you mean" hint."""

    def __init__(self, choices: Sequence[str], default: str, *, quoted: bool = True) -> None:
        words = (f'"{c}"' for c in choices) if quoted else choices
        super().__init__(default, expected="one of: " + ", ".join(words))
        self.choices = tuple(choices)

    def convert(self, value: object) -> str:
        if value not in self.choices:
            raise self.got(value, did_you_mean(str(value), self.choices))
        return str(value)


class Zone(Option[ZoneInfo]):
    """An IANA time zone name."""

    def __init__(self, default: ZoneInfo, *, example: str) -> None:
        super().__init__(default, expected=f"an IANA zone name such as {example}")

    def convert(self, value: object) -> ZoneInfo:
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(f"unknown time zone {value!r}", expected=self.expected) from None


class URL(Option[str]):
    """An absolute URL (``https://host/path``) or a path from the server's root
    (``/status/``); ``slash`` adds a missing final ``/``."""

    _PATTERN = re.compile(r"^(https?://[^\s/]+)?/\S*$")

    def __init__(self, default: str, *, expected: str, slash: bool = False) -> None:
        super().__init__(default, expected=expected)
        self.slash = slash

    def convert(self, value: object) -> str:
        if not isinstance(value, str) or not self._PATTERN.match(value):
            raise self.got(value)
        return value if not self.slash or value.endswith("/") else value + "/"


class Folder(Option[str]):
    """A folder path (resolved later, against the site root)."""

    expected = "a folder path"

    def convert(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.got(value)
        return value


class ListOf(Option[tuple[T, ...]]):
    """A list whose every item ``item`` accepts (it raises ``ValueError`` for a
    wrong one); ``single`` also takes one item alone for a list of one."""

    def __init__(
        self,
        item: Callable[[object], T],
        default: tuple[T, ...] = (),
        *,
        expected: str,
        single: bool = False,
    ) -> None:
        super().__init__(default, expected=expected)
        self.item = item
        self.single = single

    def convert(self, value: object) -> tuple[T, ...]:
        items = [value] if self.single and not isinstance(value, list | dict) else value
        if not isinstance(items, list):
            raise self.got(value)
        try:
            return tuple(self.item(v) for v in items)
        except ValueError:
            raise self.got(value) from None


def text(value: object) -> str:
    """An item of a :class:`ListOf` strings."""
    if not isinstance(value, str):
        raise ValueError(value)
    return value


class Table(Option[Mapping[str, object]]):
    """A table kept as it is, for a reader that checks its contents later."""

    def read(self, value: object, where: str, reading: Reading) -> Mapping[str, object]:
        if not isinstance(value, dict):
            reading.not_a_table(where, self.expected or None)
            return self.default
        return value


S = TypeVar("S", bound=Section)


class SubTable(Option[S]):
    """A table with keys of its own, declared by a :class:`Section`."""

    def __init__(self, section: type[S]) -> None:
        super().__init__(section.defaults())
        self.section = section

    def read(self, value: object, where: str, reading: Reading) -> S:
        if not isinstance(value, dict):
            reading.not_a_table(where)
            value = {}
        return self.section.read(value, where, reading)

    def declared(self, name: str) -> Iterator[str]:
        yield from self.section.declared_keys(name)

    def missing(self, table: str, reading: Reading) -> S:
        # a table left out has the defaults, and must still have its required keys
        return self.section.read({}, dotted(table, self.key), reading)


class TablesOf(Option[dict[str, S]]):
    """``[name.<id>]`` tables, each declared by the same :class:`Section`; ids are
    checked with ``id_pattern`` (they appear in URLs)."""

    def __init__(self, section: type[S], *, id_pattern: re.Pattern[str], example: str) -> None:
        super().__init__({})
        self.section = section
        self.id_pattern = id_pattern
        self.example = example

    def declared(self, name: str) -> Iterator[str]:
        yield from self.section.declared_keys(f"{name}.<id>")

    def read(self, value: object, where: str, reading: Reading) -> dict[str, S]:
        if not isinstance(value, dict):
            reading.not_a_table(where)
            return {}
        found: dict[str, S] = {}
        for ident, table in value.items():
            here = f"{where}.{ident}"
            if not self.id_pattern.match(ident):
                reading.errors.error(
                    reading.locate(here),
                    f"invalid id {ident!r} in [{here}]",
                    expected="lower-case letters, digits, '-' and '_' (it appears in URLs)",
                )
            elif not isinstance(table, dict):
                reading.not_a_table(here, f"[{here}]\n{self.example}")
            else:
                found[ident] = self.section.read(table, here, reading)
        return found


class MappingOf(Option[dict[str, T]]):
    """``<id> = value`` pairs, each value checked by ``item``."""

    def __init__(self, item: Option[T]) -> None:
        super().__init__({})
        self.item = item

    def declared(self, name: str) -> Iterator[str]:
        yield f"{name}.<id>"

    def read(self, value: object, where: str, reading: Reading) -> dict[str, T]:
        if not isinstance(value, dict):
            reading.not_a_table(where)
            return {}
        found: dict[str, T] = {}
        for ident, item in value.items():
            try:
                found[ident] = self.item.convert(item)
            except Invalid as exc:
                reading.report(f"{where}.{ident}", exc)
        return found


class Raw(Option[object]):
    """Any value, for a reader of its own (``[[announce]]``)."""

    def convert(self, value: object) -> object:
        return value
