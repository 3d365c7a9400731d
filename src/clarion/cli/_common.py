"""What every ``clarion`` command shares: the group, error handling, options
and the clock. The commands are in the sibling modules.

Exit codes (PRODUCT.md): 0 success; 1 ``check`` found something overdue;
2 invalid content or usage; 3 internal error (the traceback only with
``--debug``); 4 ``check``: nothing overdue, but something due soon.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from .. import __version__
from ..config import SiteConfig
from ..errors import ClarionError, ContentErrors, UsageError
from ..load.schema import TimeError, parse_time

EXIT_OK, EXIT_OVERDUE, EXIT_INVALID, EXIT_INTERNAL, EXIT_DUE_SOON = 0, 1, 2, 3, 4

F = TypeVar("F", bound=Callable[..., Any])
err = Console(stderr=True, highlight=False, soft_wrap=True)


def handle_errors(func: F) -> F:
    """Turn Clarion errors into messages and exit codes, never a traceback."""
    return _handle_errors(func, writes=True)


def handle_errors_read_only(func: F) -> F:
    """:func:`handle_errors` for a command that never writes (``check``): its
    error summary does not speak of writing."""
    return _handle_errors(func, writes=False)


def _handle_errors(func: F, *, writes: bool) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return func(*args, **kwargs)
        except ContentErrors as exc:
            for error in exc.errors:
                err.print(error.format(), markup=False)
            count = len(exc.errors)
            err.print(
                f"{count} error{'s' if count != 1 else ''}"
                + ("; nothing was written." if writes else "."),
                style="bold red",
                markup=False,
            )
            sys.exit(EXIT_INVALID)
        except (UsageError, ClarionError) as exc:
            err.print(f"error: {exc}", style="red", markup=False)
            sys.exit(EXIT_INVALID)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # an internal error: a bug in Clarion
            if debug:
                traceback.print_exc()
            err.print(f"internal error: {type(exc).__name__}: {exc}", style="red", markup=False)
            err.print(
                "This is a bug in Clarion; run again with --debug for the traceback and report it.",
                markup=False,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


source_option = click.option(
    "--source",
    "source",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The site root (the folder holding site_src/, updates/, comms/).",
)
now_option = click.option(
    "--now",
    "now_text",
    metavar="TIME",
    help="Pretend it is TIME (ISO 8601 with a zone) for reproducible runs. "
    "Default: the site's pinned 'now' if it is fictional, else the clock.",
)


def resolve_now(config: SiteConfig | None, now_text: str | None) -> datetime:
    """``--now``, else a fictional site's pinned time, else the wall clock.
    Without a site yet (``clarion init``), a naive ``--now`` is read in UTC."""
    if now_text:
        try:
            return parse_time(now_text, config.timezone if config is not None else UTC)  # type: ignore[arg-type]
        except TimeError as exc:
            raise UsageError(f"--now: {exc}") from None
    if config is not None and config.now is not None:
        return config.now
    return datetime.now(UTC).replace(microsecond=0)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="clarion")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def main(debug: bool) -> None:
    """Clarion: incident communication from a git repository of Markdown.

    Write incidents in updates/*.md and notices in comms/<slug>/*.md; Clarion
    builds the public status page, feeds and JSON API, private email drafts,
    and checks communication deadlines.
    """


def run() -> None:
    """The ``clarion`` program: :func:`main` in a process that ends with its
    command. It ends without the interpreter's teardown, which frees every
    object still alive one by one (a build's caches hold part of the site:
    about 0.03 s at 10,000 incidents) for memory the process returns whole
    anyway; output is flushed and the ``atexit`` handlers run first (mypy
    ends the same way)."""
    import atexit

    from ..core.collection import process_ends_with_command

    process_ends_with_command()
    try:
        main()
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
        if isinstance(exit.code, str):
            print(exit.code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``| head``), a closed stream
            code = code or 1
    atexit._run_exitfuncs()
    os._exit(code)
