"""Errors for bad input: each names the file, the line, what was wrong, what was
expected and how to fix it. Loaders collect every error of a run before raising
one :class:`ContentErrors`, so users fix all problems in one pass."""

from __future__ import annotations

import difflib
import os
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
    """A "did you mean" hint for a misspelt word, or ``None``."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to the site root, with ``/`` separators, for messages."""
    text, prefix = str(path), str(root).rstrip(os.sep) + os.sep
    if text.startswith(prefix):
        return text[len(prefix) :].replace(os.sep, "/")
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
