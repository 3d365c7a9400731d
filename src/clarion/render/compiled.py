"""Compiled templates kept between environments and between builds.

Jinja compiles each template to Python code before it renders it: at 1,000
incidents that is about a tenth of the CPU of a one-incident edit, done again
by every ``clarion build`` process (and its workers). :data:`COMPILED` is the
environments' :class:`jinja2.BytecodeCache` (Jinja's own hook for this):

* in memory, for the life of the process (``clarion serve`` makes an
  environment per rebuild);
* on disk, in ``templates/`` of the site's build cache
  (``.clarion-cache/``) once a build with the cache has called
  :meth:`CompiledTemplates.keep_in` (``--no-cache`` does not).

Jinja compares each template's source with the one its code was compiled
from, so an edited template is compiled afresh; the file's name also holds
what else the code depends on: Clarion's and Jinja's versions, the
environment's class (the email templates' sandbox) and its settings.

Compiled code is code: the build cache is otherwise plain data that reading
never runs, whoever wrote it (a cache committed to a repository or restored
in CI). So each file is signed with a key that never leaves this user's own
cache folder (``$XDG_CACHE_HOME/clarion/`` or ``~/.cache/clarion/``, created
readable by its owner only), and a file whose signature does not match is
ignored and compiled again: a cache written elsewhere costs the compilation,
never runs foreign code. Without a usable key folder, templates are kept in
memory only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

import jinja2

from .. import __version__

_KEY_FILE = "template-signing-key"
_SIGNATURE = hashlib.sha256().digest_size


def _user_key_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clarion"


def _signing_key(folder: Path) -> bytes | None:
    """This user's key (made on first use), or ``None`` when it cannot be had."""
    path = folder / _KEY_FILE
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = b""
    except OSError:
        return None
    if len(key) == 32:
        return key
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        made = secrets.token_bytes(32)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(made)
        return made
    except FileExistsError:  # made meanwhile by another build
        key = path.read_bytes()
        return key if len(key) == 32 else None
    except OSError:
        return None


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates in memory and, after :meth:`keep_in`, on disk."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._folder: Path | None = None
        self._key: bytes | None = None

    def keep_in(self, folder: Path | None) -> None:
        """Keep compiled templates in ``folder`` too (``None``: memory only)."""
        if folder is not None and self._key is None:
            self._key = _signing_key(_user_key_folder())
        self._folder = folder if self._key is not None else None

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is None and self._folder is not None:
            code = self._read(self._folder / self._file_name(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)  # compiled again if the source changed

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        self._code[bucket.key] = code
        if self._folder is not None:
            self._write(self._folder / self._file_name(bucket), code)

    @staticmethod
    def _file_name(bucket: jinja2.bccache.Bucket) -> str:
        env = bucket.environment
        settings = (
            __version__,  # the code of an environment's own parsing (the email sandbox's limits)
            f"{type(env).__module__}.{type(env).__qualname__}",
            jinja2.__version__,
            env.block_start_string,
            env.block_end_string,
            env.variable_start_string,
            env.variable_end_string,
            env.comment_start_string,
            env.comment_end_string,
            env.line_statement_prefix,
            env.line_comment_prefix,
            env.trim_blocks,
            env.lstrip_blocks,
            env.newline_sequence,
            env.keep_trailing_newline,
            env.optimized,
            sorted(env.extensions),
            bucket.key,
        )
        return hashlib.sha256(repr(settings).encode()).hexdigest()[:40] + ".jinja"

    def _read(self, path: Path) -> bytes | None:
        assert self._key is not None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        signature, code = data[:_SIGNATURE], data[_SIGNATURE:]
        expected = hmac.new(self._key, code, hashlib.sha256).digest()
        return code if hmac.compare_digest(signature, expected) else None

    def _write(self, path: Path, code: bytes) -> None:
        assert self._key is not None
        signature = hmac.new(self._key, code, hashlib.sha256).digest()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError:  # a read-only cache: the next build compiles again
            return
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(signature + code)
            os.replace(temporary, path)  # whole or not at all, for a build beside this one
        except OSError:
            Path(temporary).unlink(missing_ok=True)


#: The bytecode cache of every environment :func:`~clarion.render.templates.make_environment` makes.
COMPILED = CompiledTemplates()
