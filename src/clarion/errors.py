"""Errors for bad input: each names the file, the line, what was wrong, what was
expected and how to fix it. Loaders collect every error of a run before raising
one :class:`ContentErrors`, so users fix all problems in one pass."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A place in a source file; ``line`` is 1-based, ``None`` when unknown."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentError:
    """One problem in a user's files."""

    location: SourceLocation
    message: str
    expected: str | None = None
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"

    def format(self) -> str:
        lines = [f"{self.location}: {self.severity}: {self.message}"]
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class ClarionError(Exception):
    """Base class of the errors Clarion reports to users without a traceback."""


class UsageError(ClarionError):
    """A command was called wrongly (bad option value, unknown slug, ...)."""


class ContentErrors(ClarionError):
    """One or more content errors, reported together."""

    def __init__(self, errors: Sequence[ContentError]):
        self.errors = tuple(errors)
        super().__init__(self.format())

    def format(self) -> str:
        return "\n".join(e.format() for e in self.errors)

    def __reduce__(self) -> tuple[type[ContentErrors], tuple[tuple[ContentError, ...]]]:
        # raised in a forked worker, it arrives whole (not rebuilt from its text)
        return (ContentErrors, (self.errors,))


@dataclass(slots=True)
class ErrorCollector:
    """Gathers errors and warnings while a loader walks the files."""

    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentError] = field(default_factory=list)

    def error(
        self,
        location: SourceLocation,
        message: str,
        *,
        expected: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.errors.append(
            ContentError(location=location, message=message, expected=expected, hint=hint)
        )

    def warn(self, location: SourceLocation, message: str, *, hint: str | None = None) -> None:
        self.warnings.append(
            ContentError(location=location, message=message, hint=hint, severity="warning")
        )

    def extend(self, other: ErrorCollector) -> None:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ContentErrors(self.errors)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt word, or ``None``; only ever one
    of ``choices``. See :func:`closest`."""
    match = closest(word, choices)
    return f"did you mean '{match}'?" if match else None


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` most likely meant: the same word in another case or
    with other separators (``API`` -> ``api``, ``partial-outage`` ->
    ``partial_outage``); else the choice it begins (``degraded`` ->
    ``degraded_performance``, ``gdpr-art33`` -> ``gdpr-art33-authority``,
    the shortest and first such); else the closest by spelling."""
    options = list(dict.fromkeys(str(c) for c in choices))
    key = _fold(str(word))
    if not key:
        return None
    folded = {option: _fold(option) for option in options}
    for option in options:
        if folded[option] == key:
            return option
    starts = [o for o in options if folded[o].startswith(key) and len(key) >= 3]
    if starts:
        return min(starts, key=lambda o: len(folded[o]))
    by_fold = difflib.get_close_matches(key, list(folded.values()), n=1, cutoff=0.6)
    if by_fold:
        return next(o for o in options if folded[o] == by_fold[0])
    # a misspelt first word: 'majr' -> major_outage
    first_words = {folded[o].split("_")[0]: o for o in reversed(options)}
    by_word = difflib.get_close_matches(key, list(first_words), n=1, cutoff=0.75)
    return first_words[by_word[0]] if by_word else None


def _fold(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip().lower())


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to the site root, with ``/`` separators, for messages."""
    text, prefix = str(path), str(root).rstrip(os.sep) + os.sep
    if text.startswith(prefix):
        return text[len(prefix) :].replace(os.sep, "/")
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
