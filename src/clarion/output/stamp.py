"""The stamp of a build's inputs: one hash of every file a build reads,
Clarion's version, the site's settings and ``now``. A build whose stamp is
the last build's, with the output folders intact, renders and writes
nothing (:mod:`clarion.output.cache`); computing it reads each file's
digest, from the file or, while its stat is unchanged, from the memory of
earlier builds (:mod:`clarion.output.file_digests`)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..config import SiteConfig
from ..core.parallel import Forked
from ..load.runbooks import runbooks_dir
from .cache import BuildCache
from .file_digests import FileDigests


def input_stamp(
    config: SiteConfig,
    *extra: object,
    theme_dir: Path,
    digests: dict[str, str] | None = None,
    known: FileDigests | None = None,
) -> str:
    """A hash of every file a build reads (the site's and the built-in theme in
    ``theme_dir``), Clarion's version and ``extra`` (the build's ``now``).
    ``digests``, if given, receives each file's SHA-256 by path (the loader
    then reads only the files it parses again). ``known``: the digests of
    files whose stat is unchanged since an earlier build (those are not read)."""
    digest = hashlib.sha256(f"{__version__}\0{config.digest}\0".encode())
    for part in extra:
        digest.update(f"{part}\0".encode())
    folders = [
        config.updates_dir,
        config.paths.comms,
        config.source_dir,
        config.templates_dir,
        runbooks_dir(config.root),
        theme_dir,
    ]
    update = digest.update
    for folder in folders:
        update(f"{folder}\0".encode())
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            within = os.path.join(dirpath, "")  # (a file's name holds no separator)
            for name in sorted(filenames):
                path = within + name
                update(path.encode("utf-8", "surrogateescape"))
                if known is not None:
                    update(known.digest(path))
                    if digests is not None:
                        digests[path] = known.hex(path)
                    continue
                with open(path, "rb") as handle:
                    each = hashlib.sha256(handle.read())
                update(each.digest())
                if digests is not None:
                    digests[path] = each.hexdigest()
    return digest.hexdigest()


def stamp_and_compare(
    config: SiteConfig,
    now: str,
    *,
    theme_dir: Path,
    cache: BuildCache,
    targets: dict[str, str],
    when_unchanged: Callable[[], None],
    fork: bool = True,
) -> tuple[str, bool]:
    """The stamp of the build's inputs at ``now`` (each file's digest in
    ``cache.source_digests``) and whether the last build's output in
    ``targets`` is what they make (:meth:`BuildCache.unchanged_output`; then
    ``when_unchanged`` is called; never with no ``targets``).

    After a build, with ``fork`` on a system that forks, both are found in a forked
    process while this one reads the parsed sources, which any other build
    reads next: at 50,000 incidents, stating every input file and reading
    the digests remembered by stat takes about 0.3 s, and reading the parsed
    sources 0.7 s. The digests come back in a memory file; when nothing
    changed, the reading stops."""

    def stamped() -> tuple[str, bool]:
        stamp = input_stamp(
            config,
            now,
            theme_dir=theme_dir,
            digests=cache.source_digests,
            known=cache.file_digests,
        )
        unchanged = bool(targets) and cache.unchanged_output(stamp, targets)
        if unchanged:
            when_unchanged()
        return stamp, unchanged

    if not fork or cache.stamp is None:
        return stamped()

    def in_background() -> tuple[str, bool, dict[str, str]]:
        stamp, unchanged = stamped()
        if unchanged:  # (nothing will be read: no digest to hand over or keep)
            return stamp, unchanged, {}
        if cache.file_digests is not None:
            cache.file_digests.save()  # (the digests this process found)
        return stamp, unchanged, cache.source_digests

    stamping = Forked(in_background)
    finish_reading = cache.read_parsed_ahead()
    stamp, unchanged, digests = stamping.result()
    cache.source_digests.update(digests)
    finish_reading(not unchanged)
    return stamp, unchanged
